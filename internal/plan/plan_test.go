package plan

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

func TestJSONRoundTrip(t *testing.T) {
	for name, p := range map[string]*Plan{"example": Example(), "normalized": normalized(Example())} {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(p)
			require.NoError(t, err)
			var q Plan
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&q))
			assert.Equal(t, p, &q)
			assert.Equal(t, p.Fingerprint(), q.Fingerprint())
		})
	}
}

func TestJSONKeysAreCamelCase(t *testing.T) {
	b, err := json.Marshal(normalized(Example()))
	require.NoError(t, err)
	s := string(b)
	for _, key := range []string{`"batchSize":1000`, `"window":8`, `"usePathStyle"`, `"allowedRegions":["us-ashburn-1","us-phoenix-1"]`,
		`"manifestPrefix":"_migrations/us-users-to-oci/"`, `"dsnRef":"env:OCIMOVE_ROUTING_DSN"`, `"maxDuration":"15m"`,
		`"retention":"168h"`, `"drainWait":"30s"`, `"generator":"users/{00..0f}/"`, `"bucket":"acme-users-us"`} {
		if key == `"usePathStyle"` {
			assert.NotContains(t, s, key, "false booleans are omitted")
			continue
		}
		assert.Contains(t, s, key)
	}
	// The primary's S3 fields sit directly under sources.primary.
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	primary := m["sources"].(map[string]any)["primary"].(map[string]any)
	assert.Equal(t, "us-east-1", primary["region"])
}

func TestYAMLRoundTripAndStrictDecoding(t *testing.T) {
	src := `
id: eu-archive
sources:
  primary:
    bucket: eu-archive-data
    region: eu-west-1
    endpoint: http://127.0.0.1:9000
    usePathStyle: true
    filters:
      include: ["**/*.json"]
      minAge: 1h
  copies:
    - role: replica
      s3: {bucket: eu-archive-replica, region: eu-central-1}
destination:
  region: fra
  bucket: archive
  auth: {method: config_file, passphraseRef: "${OCI_PASSPHRASE}"}
shards:
  prefixes: [docs/, images/]
batchSize: 500
window: 0
delta: {threshold: 0}
freeze: {drain: ack, drainWait: 2m, maxDuration: 20m}
cutover:
  target: {kind: webhook, urlRef: env:HOOK_URL, secretRef: profile:hook}
  approval: manual
residency:
  allowedRegions: [eu-frankfurt-1]
soak: {retention: 72h}
`
	var p Plan
	dec := yaml.NewDecoder(bytes.NewBufferString(src), yaml.DisallowUnknownField())
	require.NoError(t, dec.Decode(&p))
	assert.Equal(t, "eu-archive-data", primaryS3(&p).Bucket)
	assert.True(t, primaryS3(&p).UsePathStyle)
	assert.Equal(t, Duration(time.Hour), p.Sources.Primary.Filters.MinAge)
	assert.Equal(t, Duration(2*time.Minute), p.Freeze.DrainWait)
	require.NotNil(t, p.Window)
	assert.Equal(t, 0, *p.Window, "an explicit 0 is kept, to be refused")
	require.NotNil(t, p.Delta.Threshold)
	assert.Equal(t, 0, *p.Delta.Threshold)

	var ve *ValidationError
	require.ErrorAs(t, p.Validate(), &ve)
	assert.Equal(t, []string{"window"}, ve.Fields())

	p.Window = ptr(4)
	require.NoError(t, p.Validate())
	p.Normalize()
	assert.Equal(t, "eu-frankfurt-1", destOCI(&p).Region)
	assert.Equal(t, SecretRef("env:OCI_PASSPHRASE"), destOCI(&p).Auth.PassphraseRef)

	out, err := yaml.Marshal(&p)
	require.NoError(t, err)
	assert.Contains(t, string(out), "maxDuration: 20m\n")
	var q Plan
	dec = yaml.NewDecoder(bytes.NewReader(out), yaml.DisallowUnknownField())
	require.NoError(t, dec.Decode(&q))
	assert.Equal(t, &p, &q)

	// Unknown keys and bad durations are errors.
	dec = yaml.NewDecoder(bytes.NewBufferString("id: x\nwindo: 3\n"), yaml.DisallowUnknownField())
	assert.ErrorContains(t, dec.Decode(&Plan{}), "windo")
	assert.ErrorContains(t, yaml.Unmarshal([]byte("freeze: {maxDuration: 15}\n"), &Plan{}), "Go duration")
}

func TestYAMLRoundTripExample(t *testing.T) {
	out, err := yaml.Marshal(Example())
	require.NoError(t, err)
	var q Plan
	dec := yaml.NewDecoder(bytes.NewReader(out), yaml.DisallowUnknownField())
	require.NoError(t, dec.Decode(&q))
	assert.Equal(t, Example(), &q)
}

func TestDuration(t *testing.T) {
	for in, want := range map[time.Duration]string{
		15 * time.Minute: "15m", 168 * time.Hour: "168h", 90 * time.Minute: "1h30m",
		30 * time.Second: "30s", 90 * time.Second: "1m30s", 0: "0s", time.Hour + time.Second: "1h0m1s",
		1500 * time.Millisecond: "1.5s",
	} {
		d := Duration(in)
		assert.Equal(t, want, d.String())
		b, err := json.Marshal(d)
		require.NoError(t, err)
		assert.Equal(t, `"`+want+`"`, string(b))
		var back Duration
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, d, back)
	}
	var d Duration
	assert.ErrorContains(t, json.Unmarshal([]byte(`900`), &d), "quoted Go duration")
	assert.ErrorContains(t, json.Unmarshal([]byte(`"15 minutes"`), &d), "Go duration")
	_, err := ParseDuration("x")
	assert.Error(t, err)
}

func normalized(p *Plan) *Plan { p.Normalize(); return p }

func TestNormalizeDefaults(t *testing.T) {
	p := &Plan{
		ID: "m1",
		Sources: Sources{Primary: PrimarySource{Location: At(&s3store.Settings{Bucket: "src", Region: "US-EAST-1"})},
			Copies: []SourceCopy{{Role: RoleBackup, Location: At(&s3store.Settings{Bucket: "backup-copy", Region: "us-west-2"})}}},
		Destination: Destination{Location: At(&ocistore.Settings{Region: "PHX", Bucket: "dst"})},
		Shards:      Shards{Generator: "k/{0..3}/"},
		Cutover:     Cutover{Target: Target{Settings: &pgroute.Settings{DSNRef: "${DSN}"}}},
		Residency:   Residency{AllowedRegions: []string{"US-Phoenix-1"}},
	}
	p.Normalize()
	want := map[string]any{
		"name":                        "m1",
		"sources.primary.region":      "us-east-1",
		"sources.copies[0].name":      "backup-0",
		"destination.region":          "us-phoenix-1",
		"destination.auth.method":     ocistore.AuthConfigFile,
		"destination.auth.configFile": "~/.oci/config",
		"destination.auth.profile":    "DEFAULT",
		"destination.manifestBucket":  "dst",
		"destination.manifestPrefix":  "_migrations/m1/",
		"destination.foreignObjects":  ForeignRefuse,
		"batchSize":                   1000,
		"window":                      16,
		"limits.concurrency":          16,
		"limits.partSize":             int64(16 << 20),
		"limits.bytesPerSecond":       int64(0),
		"limits.requestsPerSecond":    float64(0),
		"verification.mode":           VerifyQuick,
		"verification.maxRecopies":    3,
		"verification.requireSource":  false,
		"delta.maxRounds":             5,
		"delta.threshold":             100,
		"delta.deletes":               DeletesDelete,
		"freeze.drain":                DrainWait,
		"freeze.drainWait":            Duration(30 * time.Second),
		"freeze.maxDuration":          Duration(15 * time.Minute),
		"cutover.approval":            ApprovalAuto,
		"cutover.target.dsnRef":       SecretRef("env:DSN"),
		"residency.allowedRegions":    []string{"us-phoenix-1"},
		"soak.retention":              Duration(168 * time.Hour),
		"purge.enabled":               false,
	}
	got := map[string]any{
		"name":                        p.Name,
		"sources.primary.region":      primaryS3(p).Region,
		"sources.copies[0].name":      p.Sources.Copies[0].Name,
		"destination.region":          destOCI(p).Region,
		"destination.auth.method":     destOCI(p).Auth.Method,
		"destination.auth.configFile": destOCI(p).Auth.ConfigFile,
		"destination.auth.profile":    destOCI(p).Auth.Profile,
		"destination.manifestBucket":  p.Destination.ManifestBucket,
		"destination.manifestPrefix":  p.Destination.ManifestPrefix,
		"destination.foreignObjects":  p.Destination.ForeignObjects,
		"batchSize":                   *p.BatchSize,
		"window":                      *p.Window,
		"limits.concurrency":          p.Limits.Concurrency,
		"limits.partSize":             p.Limits.PartSize,
		"limits.bytesPerSecond":       p.Limits.BytesPerSecond,
		"limits.requestsPerSecond":    p.Limits.RequestsPerSecond,
		"verification.mode":           p.Verification.Mode,
		"verification.maxRecopies":    p.Verification.MaxRecopies,
		"verification.requireSource":  p.Verification.RequireSourceCheck,
		"delta.maxRounds":             p.Delta.MaxRounds,
		"delta.threshold":             *p.Delta.Threshold,
		"delta.deletes":               p.Delta.Deletes,
		"freeze.drain":                p.Freeze.Drain,
		"freeze.drainWait":            p.Freeze.DrainWait,
		"freeze.maxDuration":          p.Freeze.MaxDuration,
		"cutover.approval":            p.Cutover.Approval,
		"cutover.target.dsnRef":       targetPG(p).DSNRef,
		"residency.allowedRegions":    p.Residency.AllowedRegions,
		"soak.retention":              p.Soak.Retention,
		"purge.enabled":               p.Purge.Enabled,
	}
	assert.Equal(t, want, got)
	require.NoError(t, p.Validate())

	// Idempotent.
	again := p.Clone()
	again.Normalize()
	assert.Equal(t, p, again)
	assert.Equal(t, DefaultBatchSize, (&Plan{}).EffectiveBatchSize())
	assert.Equal(t, DefaultWindow, (&Plan{}).EffectiveWindow())
	assert.Equal(t, 8, Example().EffectiveWindow())
}

func TestNormalizeKeepsExplicitValues(t *testing.T) {
	p := Example()
	p.Window = ptr(3)
	p.Delta.Threshold = ptr(0)
	p.Destination.ManifestPrefix = "audit/m"
	destOCI(p).Auth = ocistore.Auth{Method: ocistore.AuthResourcePrincipal}
	p.Normalize()
	assert.Equal(t, 3, *p.Window)
	assert.Equal(t, 0, *p.Delta.Threshold)
	assert.Equal(t, "audit/m/", p.Destination.ManifestPrefix)
	assert.Empty(t, destOCI(p).Auth.ConfigFile, "principal auth takes no config file")
	assert.Empty(t, destOCI(p).Auth.Profile)
	assert.Equal(t, "backup-singapore", p.Sources.Copies[0].Name)
}

func TestFingerprint(t *testing.T) {
	base := Example().Fingerprint()
	assert.Len(t, base, 64)
	assert.Equal(t, base, Example().Fingerprint(), "deterministic")
	assert.Equal(t, base, normalized(Example()).Fingerprint(), "defaults written out change nothing")

	p := Example()
	p.Residency.AllowedRegions = []string{"us-phoenix-1", "IAD"}
	targetPG(p).DSNRef = "${OCIMOVE_ROUTING_DSN}"
	assert.Equal(t, base, p.Fingerprint(), "order of regions and canonical forms do not matter")

	changed := Example()
	changed.Window = ptr(9)
	assert.NotEqual(t, base, changed.Fingerprint())
	changed = Example()
	changed.Shards.Generator = "users/{00..1f}/"
	assert.NotEqual(t, base, changed.Fingerprint())

	a, b := Example(), Example()
	a.Shards = Shards{Prefixes: []string{"x/", "y/"}}
	b.Shards = Shards{Prefixes: []string{"y/", "x/"}}
	assert.Equal(t, a.Fingerprint(), b.Fingerprint())
	// Fingerprint does not change the plan.
	assert.Equal(t, []string{"y/", "x/"}, b.Shards.Prefixes)
}

func TestCloneIsDeep(t *testing.T) {
	p := Example()
	p.Delta.Threshold = ptr(7)
	c := p.Clone()
	*c.Window = 99
	*c.Delta.Threshold = 1
	copyS3(c, 0).Bucket = "changed"
	c.Residency.AllowedRegions[0] = "changed"
	c.Sources.Primary.Filters.Exclude[0] = "changed"
	assert.Equal(t, 8, *p.Window)
	assert.Equal(t, 7, *p.Delta.Threshold)
	assert.Equal(t, "acme-users-backup-sg", copyS3(p, 0).Bucket)
	assert.Equal(t, "us-ashburn-1", p.Residency.AllowedRegions[0])
	assert.Equal(t, "**/*.tmp", p.Sources.Primary.Filters.Exclude[0])
}

func TestExample(t *testing.T) {
	p := Example()
	assert.Equal(t, "us-east-1", primaryS3(p).Region)
	require.Len(t, p.Sources.Copies, 1)
	assert.Equal(t, RoleBackup, p.Sources.Copies[0].Role)
	assert.Equal(t, "ap-southeast-1", copyS3(p, 0).Region)
	assert.Equal(t, "us-ashburn-1", destOCI(p).Region)
	assert.Equal(t, []string{"us-ashburn-1", "us-phoenix-1"}, p.Residency.AllowedRegions)
	assert.Equal(t, "users/{00..0f}/", p.Shards.Generator)
	assert.Equal(t, ApprovalAuto, p.Cutover.Approval)
	assert.Equal(t, Target{Settings: &pgroute.Settings{DSNRef: "env:OCIMOVE_ROUTING_DSN"}}, p.Cutover.Target)
	assert.NotSame(t, Example(), Example())
}
