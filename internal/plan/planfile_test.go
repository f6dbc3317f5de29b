package plan

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current messages")

// goldenLookup is the worker environment the golden plans are checked
// against: only OCIMOVE_ROUTING_DSN is set.
func goldenLookup(name string) (string, bool) {
	if name == "OCIMOVE_ROUTING_DSN" {
		return "postgres://ocimove@localhost/routes", true
	}
	return "", false
}

// TestParseGolden checks the exact messages for every bad plan under
// testdata/: each *.yaml has its expected error in the *.golden beside it.
// Run `go test ./internal/plan -run TestParseGolden -update` to rewrite them.
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			_, err := ParseFileWith(f, ParseOptions{Lookup: goldenLookup})
			require.Error(t, err, "%s must be refused", f)
			var fe *FileError
			require.ErrorAs(t, err, &fe)
			require.ErrorIs(t, err, ErrInvalid)
			for _, p := range fe.Problems {
				assert.Equal(t, f, p.File)
				assert.Positive(t, p.Line, "every problem has a line: %s", p)
				assert.NotEmpty(t, p.Hint, "every problem has a hint: %s", p)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create %s", golden)
			assert.Equal(t, string(want), got)
		})
	}
}

func TestParseLocatesProblems(t *testing.T) {
	cases := []struct {
		file, field string
		line, col   int
	}{
		{"testdata/invalid-region.yaml", "destination.region", 7, 11},
		{"testdata/invalid-region.yaml", "residency.allowedRegions[1]", 15, 7},
		{"testdata/overlapping-prefixes.yaml", "shards.prefixes[3]", 14, 7},
		{"testdata/empty-shards.yaml", "shards", 10, 3},
		{"testdata/unknown-keys.yaml", "windw", 13, 1},
		{"testdata/unknown-keys.yaml", "destination.regoin", 9, 3},
		{"testdata/wrong-types.yaml", "freeze.drainWait", 14, 14},
		{"testdata/inline-secret.yaml", "cutover.target.dsnRef", 13, 13},
		{"testdata/missing-env.yaml", "cutover.target.dsnRef", 13, 13},
		{"testdata/missing-required.yaml", "id", 1, 1},
		{"testdata/malformed-tab.yaml", "", 10, 1},
	}
	for _, c := range cases {
		_, err := ParseFileWith(c.file, ParseOptions{Lookup: goldenLookup})
		var fe *FileError
		require.ErrorAs(t, err, &fe, c.file)
		found := false
		for _, p := range fe.Problems {
			if p.Field == c.field {
				found = true
				assert.Equal(t, [2]int{c.line, c.col}, [2]int{p.Line, p.Column}, "%s %s: %s", c.file, c.field, p)
			}
		}
		assert.True(t, found, "%s: no problem for %q in\n%v", c.file, c.field, err)
	}
}

func TestParseNeverRepeatsInlineSecret(t *testing.T) {
	_, err := ParseFile("testdata/inline-secret.yaml")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.NotContains(t, err.Error(), "admin:")
}

func TestParseKeepsReferencesUnexpanded(t *testing.T) {
	t.Setenv("OCIMOVE_ROUTING_DSN", "postgres://secret-value@db/routes")
	p, err := ParseFileWith("../../examples/us-users-to-oci.yaml", ParseOptions{Lookup: os.LookupEnv})
	require.NoError(t, err)
	assert.Equal(t, SecretRef("env:OCIMOVE_ROUTING_DSN"), targetPG(p).DSNRef)

	p, err = ParseFile("../../examples/manual-approval.yaml")
	require.NoError(t, err)
	assert.Equal(t, SecretRef("env:ROUTING_WEBHOOK_URL"), targetHook(p).URLRef, "${NAME} is canonicalized, not expanded")
	assert.Equal(t, SecretRef("profile:routing-hmac"), targetHook(p).SecretRef)
}

func TestExamplesParse(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 3)
	for _, f := range files {
		p, err := ParseFile(f)
		require.NoError(t, err, f)
		assert.NotEmpty(t, p.ID, f)
		prefixes, err := p.ShardPrefixes()
		require.NoError(t, err, f)
		assert.NotEmpty(t, prefixes, f)
	}
}

func TestPublicExampleIsPlanExample(t *testing.T) {
	p, err := ParseFile("../../examples/us-users-to-oci.yaml")
	require.NoError(t, err)
	want := Example()
	// The file adds a source profile, a compartment and maxRecopies.
	primaryS3(want).Profile = "migration"
	destOCI(want).Compartment = "ocid1.compartment.oc1..aaaaaaaaexampleexampleexample"
	want.Verification.MaxRecopies = DefaultMaxRecopies
	want.Normalize()
	assert.Equal(t, want.Fingerprint(), p.Fingerprint())
}

func TestParseAcceptsJSONAndAnchors(t *testing.T) {
	p, err := Parse("plan.json", []byte(`{"id":"j","sources":{"primary":{"bucket":"acme-src","region":"us-east-1"}},
"destination":{"region":"us-ashburn-1","bucket":"dst"},"shards":{"prefixes":["a/","b/"]},
"cutover":{"target":{"kind":"file","path":"/tmp/r.json"}},"residency":{"allowedRegions":["us-ashburn-1"]}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"a/", "b/"}, p.Shards.Prefixes)

	_, err = Parse("anchors.yaml", []byte(`id: a
bucket: &b {bucket: acme-src, region: us-east-1}
`))
	require.Error(t, err, "an anchor under an unknown key is still an unknown key")
	assert.Contains(t, err.Error(), "anchors.yaml:2:1: bucket: unknown key")

	p, err = Parse("merge.yaml", []byte(`id: m
sources:
  primary: &src
    bucket: acme-src
    region: us-east-1
  copies:
    - role: replica
      s3:
        <<: *src
        bucket: acme-replica
destination: {region: us-ashburn-1, bucket: dst}
shards: {prefixes: [a/]}
cutover: {target: {kind: file, path: /tmp/r.json}}
residency: {allowedRegions: [us-ashburn-1]}
`))
	require.NoError(t, err)
	assert.Equal(t, "acme-replica", copyS3(p, 0).Bucket)
	assert.Equal(t, "us-east-1", copyS3(p, 0).Region)
}

func TestLoadFileIsParseFile(t *testing.T) {
	_, err := LoadFile("testdata/unknown-keys.yaml")
	var fe *FileError
	require.True(t, errors.As(err, &fe))
	_, err = LoadFile("testdata/does-not-exist.yaml")
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.NotErrorIs(t, err, ErrInvalid)
}

// TestParseAcceptsYAMLDirective: a plan after a %YAML directive is one
// document, the same plan as without it.
func TestParseAcceptsYAMLDirective(t *testing.T) {
	plain := "id: d\nsources:\n  primary: {bucket: acme-src, region: us-east-1}\ndestination: {region: us-ashburn-1, bucket: dst}\n" +
		"shards: {prefixes: [a/]}\ncutover: {target: {kind: file, path: /tmp/r.json}}\nresidency: {allowedRegions: [us-ashburn-1]}\n"
	want, err := Parse("plain.yaml", []byte(plain))
	require.NoError(t, err)
	got, err := Parse("directive.yaml", []byte("%YAML 1.2\n---\n"+plain))
	require.NoError(t, err)
	assert.Equal(t, want.Fingerprint(), got.Fingerprint())

	_, err = Parse("directive-only.yaml", []byte("%YAML 1.2\n---\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the plan is empty")
}

// TestParseBoundsAliasExpansion: aliases of aliases that would expand a
// 500-byte file to millions of values are refused at the alias that
// passes the bound, before any walk of the expanded tree.
func TestParseBoundsAliasExpansion(t *testing.T) {
	var b strings.Builder
	b.WriteString("id: laughs\nl0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	_, err := Parse("laughs.yaml", []byte(b.String()))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "laughs.yaml:5:")
	assert.Contains(t, err.Error(), "the aliases up to *l2 expand to more than 10000 values")

	// A merge key's few aliased values stay well inside the bound.
	_, err = Parse("merge.yaml", []byte("id: m\nsources:\n  primary: &src {bucket: acme-src, region: us-east-1}\n"+
		"  copies:\n    - {role: replica, s3: {<<: *src, bucket: acme-replica}}\n    - {role: backup, s3: {<<: *src, bucket: acme-backup}}\n"+
		"destination: {region: us-ashburn-1, bucket: dst}\nshards: {prefixes: [a/]}\ncutover: {target: {kind: file, path: /tmp/r.json}}\n"+
		"residency: {allowedRegions: [us-ashburn-1]}\n"))
	require.NoError(t, err)
}
