package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// TestFingerprintOfPlansWrittenBeforeKinds: plans written before
// locations had kinds (no "kind", copies under s3:/oci:) keep the
// fingerprints they had, so that a running migration started from one is
// still recognized. The values were computed by the code before kinds.
func TestFingerprintOfPlansWrittenBeforeKinds(t *testing.T) {
	assert.Equal(t, "3f9cc8294416ed0b300121845670c814709e3212c1ab050cc7a1c2527117a098", Example().Fingerprint(), "plan.Example()")
	for file, want := range map[string]string{
		"demo-local.yaml":      "7f79107678b44aba3c0d0eeeaa8b046519a94a745512411a56b1ba7d6fa098fa",
		"manual-approval.yaml": "9dd81ac39216ba25734b3b7add165b5758f5df5ea0ee9cbddcfb27ccc001a5c9",
		"us-users-to-oci.yaml": "d758753b8f08b7ae1bb9d6962bf67483d4beb1038bf58422b6a0227f000c008c",
	} {
		p, err := ParseFile(filepath.Join("../../examples", file))
		require.NoError(t, err, file)
		assert.Equal(t, want, p.Fingerprint(), file)
	}
}

// kindsBase is a valid plan whose locations each test writes its way.
const kindsBase = `id: kinds
%SOURCES%
destination:
%DESTINATION%
shards: {prefixes: [a/]}
cutover:
  target: {kind: file, path: /tmp/routes.json}
residency:
  allowedRegions: [us-ashburn-1]
`

func kindsPlan(sources, destination string) []byte {
	s := strings.Replace(kindsBase, "%SOURCES%", sources, 1)
	return []byte(strings.Replace(s, "%DESTINATION%", destination, 1))
}

const (
	oldSources = `sources:
  primary: {bucket: acme-src, region: us-east-1}
  copies:
    - role: backup
      s3: {bucket: acme-backup, region: us-west-2}
    - role: replica
      oci: {region: us-phoenix-1, bucket: replica}`
	oldDestination = `  region: us-ashburn-1
  bucket: dst`
)

// TestLocationKindsAreExplicitOrDefault: "kind" may be written where the
// old form left it out (primary s3, destination oci, a copy's settings
// beside "kind" instead of under it); both spellings are the same plan,
// with the same fingerprint.
func TestLocationKindsAreExplicitOrDefault(t *testing.T) {
	old, err := Parse("old.yaml", kindsPlan(oldSources, oldDestination))
	require.NoError(t, err)
	explicit, err := Parse("explicit.yaml", kindsPlan(`sources:
  primary: {kind: s3, bucket: acme-src, region: us-east-1}
  copies:
    - role: backup
      kind: s3
      bucket: acme-backup
      region: us-west-2
    - {role: replica, kind: oci, region: us-phoenix-1, bucket: replica}`, `  kind: oci
  region: us-ashburn-1
  bucket: dst`))
	require.NoError(t, err)
	assert.Equal(t, old, explicit)
	assert.Equal(t, old.Fingerprint(), explicit.Fingerprint())
	assert.Equal(t, "us-west-2", copyS3(explicit, 0).Region)
	assert.Equal(t, "us-phoenix-1", copyOCI(explicit, 1).Region)

	// The canonical JSON keeps the old form.
	b, err := json.Marshal(explicit.Sources.Copies[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"backup-0","role":"backup","s3":{"bucket":"acme-backup","region":"us-west-2"}}`, string(b))
}

// TestLocationProblemsAreLocated: the problems of a kind's settings are
// found at their lines, whichever form the location is written in.
func TestLocationProblemsAreLocated(t *testing.T) {
	for name, c := range map[string]struct {
		sources, dest string
		want          string
	}{
		"inline copy, bad region": {`sources:
  primary: {bucket: acme-src, region: us-east-1}
  copies:
    - role: backup
      kind: s3
      bucket: acme-backup
      region: singapore`, oldDestination,
			`x.yaml:8:15: sources.copies[0].s3.region: "singapore" is not an AWS region name`},
		"inline copy, unknown key": {`sources:
  primary: {bucket: acme-src, region: us-east-1}
  copies:
    - {role: backup, kind: s3, bucket: acme-backup, regoin: us-west-2}`, oldDestination,
			`x.yaml:5:53: sources.copies[0].regoin: unknown key (did you mean region? keys of sources.copies[0]: bucket, caFile, endpoint, kind, name, profile, region, role, usePathStyle)`},
		"unknown store kind": {`sources:
  primary: {kind: gcs, bucket: acme-src}`, oldDestination,
			`x.yaml:3:19: sources.primary.kind: unknown store kind "gcs" (use ` + store.Kinds.Choices() + `)`},
		"nested copy of an unknown kind": {`sources:
  primary: {bucket: acme-src, region: us-east-1}
  copies:
    - {role: backup, gcs: {bucket: b}}`, oldDestination,
			`x.yaml:5:22: sources.copies[0].gcs: unknown key (keys of sources.copies[0]: ` + copyKeys() + `)`},
		"copy of two kinds": {`sources:
  primary: {bucket: acme-src, region: us-east-1}
  copies:
    - role: backup
      s3: {bucket: acme-backup, region: us-west-2}
      oci: {region: us-phoenix-1, bucket: replica}`, oldDestination,
			`x.yaml:5:7: sources.copies[0]: sets both oci and s3 (a copy is one bucket; list each bucket as its own copy)`},
		"destination of another kind's keys": {oldSources, `  kind: s3
  bucket: dst
  region: us-east-1
  storageTier: Standard`,
			`x.yaml:13:3: destination.storageTier: unknown key`},
		"copy is the destination, inline": {`sources:
  primary: {bucket: acme-src, region: us-east-1}
  copies:
    - {role: replica, kind: oci, region: us-ashburn-1, bucket: dst}`, oldDestination,
			`x.yaml:5:7: sources.copies[0].oci: is the destination bucket: a purge would delete the migrated data`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("x.yaml", kindsPlan(c.sources, c.dest))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestTargetKindSettings: a routing target's keys are those of its kind;
// a key of another kind is unknown where it is written.
func TestTargetKindSettings(t *testing.T) {
	doc := strings.Replace(string(kindsPlan(oldSources, oldDestination)),
		"target: {kind: file, path: /tmp/routes.json}", "target: {kind: file, path: /tmp/routes.json, dsnRef: env:X}", 1)
	_, err := Parse("x.yaml", []byte(doc))
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.Len(t, fe.Problems, 1)
	assert.Equal(t, "cutover.target.dsnRef", fe.Problems[0].Field)
	assert.Equal(t, [2]int{14, 48}, [2]int{fe.Problems[0].Line, fe.Problems[0].Column})

	doc = strings.Replace(doc, "{kind: file, path: /tmp/routes.json, dsnRef: env:X}", "{kind: etcd}", 1)
	_, err = Parse("x.yaml", []byte(doc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `x.yaml:14:18: cutover.target.kind: unknown routing target "etcd" (use `+routing.Kinds.Choices()+`)`)
}

// TestUnlinkedKindPassesThroughJSON: a plan naming a kind this program
// does not link decodes and encodes unchanged (a stored plan read by a
// tool), and Validate refuses it, naming the kind.
func TestUnlinkedKindPassesThroughJSON(t *testing.T) {
	in := `{"id":"u","sources":{"primary":{"kind":"gcs","bucket":"b","project":"p"}},"destination":{"region":"us-ashburn-1","bucket":"dst"},` +
		`"shards":{"prefixes":["a/"]},"cutover":{"target":{"kind":"etcd","endpoints":["x"]}},"residency":{"allowedRegions":["us-ashburn-1"]}}`
	var p Plan
	require.NoError(t, json.Unmarshal([]byte(in), &p))
	out, err := json.Marshal(&p)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
	var ve *ValidationError
	require.ErrorAs(t, p.Validate(), &ve)
	assert.Equal(t, []string{"sources.primary.kind", "cutover.target.kind"}, ve.Fields())
}

// TestParsedPlansMatchSchema: every plan Parse accepts is valid against
// the plan's schema: the two cannot drift apart, since Parse enforces the
// schema too. Each variant is one the Go checks accept (an explicit 0
// taking the default, a fractional duration, a newer AWS region name).
func TestParsedPlansMatchSchema(t *testing.T) {
	base, err := os.ReadFile("../../examples/us-users-to-oci.yaml")
	require.NoError(t, err)
	sch := compileSchema(t)
	for name, edit := range map[string][2]string{
		"maxRecopies 0 is the default": {"maxRecopies: 3", "maxRecopies: 0"},
		"maxRounds 0 is the default":   {"maxRounds: 5", "maxRounds: 0"},
		"concurrency 0 is the default": {"concurrency: 16", "concurrency: 0"},
		"partSize 0 is the default":    {"partSize: 16777216", "partSize: 0"},
		"fractional duration":          {"drainWait: 30s", "drainWait: .5m"},
		"newer AWS region name":        {"region: ap-southeast-1", "region: eusc-de-east-1"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := strings.Replace(string(base), edit[0], edit[1], 1)
			require.NotEqual(t, string(base), doc)
			_, err := Parse("plan.yaml", []byte(doc))
			require.NoError(t, err)
			assert.NoError(t, sch.Validate(yamlInstance(t, []byte(doc))))
		})
	}
}

// TestSchemaRefusalsAreLocated: what the schema refuses is reported at its
// line and column, with its field.
func TestSchemaRefusalsAreLocated(t *testing.T) {
	doc := []byte("id: s\nwindow: 0\nsources:\n  primary: {bucket: acme-src, region: us-east-1}\n")
	root, err := parseNode("s.yaml", doc)
	require.NoError(t, err)
	js, err := yaml.YAMLToJSON(doc)
	require.NoError(t, err)
	fps := schemaProblems("s.yaml", js, newPosIndex(root))
	var window *FileProblem
	for i := range fps {
		if fps[i].Field == "window" {
			window = &fps[i]
		}
	}
	require.NotNil(t, window, "%v", fps)
	assert.Equal(t, [2]int{2, 9}, [2]int{window.Line, window.Column})
	assert.Contains(t, window.Message, "does not match the plan's schema")
}

// TestSettingsOfEveryKindAreInTheSchema: the schema Parse enforces holds
// the settings of each linked kind, generated from its type.
func TestSettingsOfEveryKindAreInTheSchema(t *testing.T) {
	b, err := Schema()
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	defs := doc["$defs"].(map[string]any)
	for _, k := range []string{"store.s3", "store.oci", "target.file", "target.postgres", "target.webhook"} {
		assert.Contains(t, defs, k)
	}
	props := defs["store.s3"].(map[string]any)["properties"].(map[string]any)
	assert.Len(t, props, len(jsonFields(reflectTypeOf(&s3store.Settings{}))))
}

// copyKeys lists the keys a copy may have: its own, "kind", and each
// linked store kind's.
func copyKeys() string {
	keys := append([]string{"kind", "name", "role"}, store.Kinds.Names()...)
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

func reflectTypeOf(v any) reflect.Type { return reflect.TypeOf(v).Elem() }

// TestSchemaRefusalsNeverRepeatAReference: a secret reference the schema
// refuses is named, its value (maybe an inline secret) not repeated.
func TestSchemaRefusalsNeverRepeatAReference(t *testing.T) {
	doc := []byte("cutover:\n  target: {kind: postgres, dsnRef: 'postgres://app:hunter2@db/routes'}\n")
	root, err := parseNode("s.yaml", doc)
	require.NoError(t, err)
	js, err := yaml.YAMLToJSON(doc)
	require.NoError(t, err)
	fps := schemaProblems("s.yaml", js, newPosIndex(root))
	found := false
	for _, fp := range fps {
		assert.NotContains(t, fp.String(), "hunter2")
		found = found || fp.Field == "cutover.target.dsnRef"
	}
	assert.True(t, found, "%v", fps)
}
