package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing/webhook"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

func TestExampleIsValid(t *testing.T) {
	p := Example()
	require.NoError(t, p.Validate())
	// Validate checks a normalized copy and leaves p alone.
	assert.Empty(t, p.Destination.ManifestPrefix)
}

// TestValidateNamesField checks that each bad input is rejected with
// exactly the expected fields, in order.
func TestValidateNamesField(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *Plan)
		fields []string
	}{
		{"disallowed destination region", func(p *Plan) { destOCI(p).Region = "eu-frankfurt-1" },
			[]string{"destination.region"}},
		{"unknown destination region", func(p *Plan) { destOCI(p).Region = "xx-nowhere-9" },
			[]string{"destination.region"}},
		{"missing destination region", func(p *Plan) { destOCI(p).Region = "" },
			[]string{"destination.region"}},
		{"empty allowed regions", func(p *Plan) { p.Residency.AllowedRegions = nil },
			[]string{"residency.allowedRegions"}},
		{"unknown allowed region", func(p *Plan) { p.Residency.AllowedRegions = []string{"us-ashburn-1", "mars-north-1"} },
			[]string{"residency.allowedRegions[1]"}},
		{"primary region not AWS", func(p *Plan) { primaryS3(p).Region = "useast1" },
			[]string{"sources.primary.region"}},
		{"primary bucket missing", func(p *Plan) { primaryS3(p).Bucket = "" },
			[]string{"sources.primary.bucket"}},
		{"primary bucket invalid", func(p *Plan) { primaryS3(p).Bucket = "Bad_Bucket" },
			[]string{"sources.primary.bucket"}},
		{"unknown foreign-object policy", func(p *Plan) { p.Destination.ForeignObjects = "adopt" },
			[]string{"destination.foreignObjects"}},
		{"primary endpoint with credentials", func(p *Plan) { primaryS3(p).Endpoint = "http://key:hunter2@127.0.0.1:9000" },
			[]string{"sources.primary.endpoint"}},
		{"copy region not AWS", func(p *Plan) { copyS3(p, 0).Region = "singapore" },
			[]string{"sources.copies[0].s3.region"}},
		{"copy role unknown", func(p *Plan) { p.Sources.Copies[0].Role = "mirror" },
			[]string{"sources.copies[0].role"}},
		{"copy locates nothing", func(p *Plan) { p.Sources.Copies[0].Settings = nil },
			[]string{"sources.copies[0]"}},
		{"copy is the primary", func(p *Plan) {
			p.Sources.Copies[0].Location = At(&s3store.Settings{Bucket: "acme-users-us", Region: "us-east-1"})
		},
			[]string{"sources.copies[0].s3"}},
		{"copy is the destination", func(p *Plan) {
			p.Sources.Copies = append(p.Sources.Copies, SourceCopy{Role: RoleReplica,
				Location: At(&ocistore.Settings{Namespace: "acme", Region: "iad", Bucket: "users"})})
		}, []string{"sources.copies[1].oci"}},
		{"copy OCI region unknown", func(p *Plan) {
			p.Sources.Copies = append(p.Sources.Copies, SourceCopy{Role: RoleReplica,
				Location: At(&ocistore.Settings{Region: "us-east-1", Bucket: "users-replica"})})
		}, []string{"sources.copies[1].oci.region"}},
		{"copy names repeat", func(p *Plan) {
			p.Sources.Copies = append(p.Sources.Copies, SourceCopy{Name: "backup-singapore", Role: RoleBackup,
				Location: At(&s3store.Settings{Bucket: "acme-users-backup-2", Region: "ap-southeast-2"})})
		}, []string{"sources.copies[1].name"}},
		{"bad include glob", func(p *Plan) { p.Sources.Primary.Filters.Include = []string{"users/[a-"} },
			[]string{"sources.primary.filters.include[0]"}},
		{"maxAge below minAge", func(p *Plan) {
			p.Sources.Primary.Filters.MinAge = Duration(time.Hour)
			p.Sources.Primary.Filters.MaxAge = Duration(time.Minute)
		}, []string{"sources.primary.filters.maxAge"}},
		{"empty shard list", func(p *Plan) { p.Shards = Shards{} },
			[]string{"shards"}},
		{"bad generator", func(p *Plan) { p.Shards.Generator = "users/{00..}/" },
			[]string{"shards.generator"}},
		{"prefix inside another", func(p *Plan) { p.Shards = Shards{Prefixes: []string{"users/00/", "users/01/", "users/0"}} },
			[]string{"shards.prefixes[0]", "shards.prefixes[1]"}},
		{"duplicate prefix", func(p *Plan) { p.Shards = Shards{Prefixes: []string{"a/", "b/", "a/"}} },
			[]string{"shards.prefixes[2]"}},
		{"explicit prefix repeats a generated one", func(p *Plan) { p.Shards.Prefixes = []string{"users/0a/"} },
			[]string{"shards.generator"}},
		{"generated prefixes overlap", func(p *Plan) { p.Shards = Shards{Generator: "u{1..10}"} },
			[]string{"shards.generator"}}, // u1 covers u10
		{"prefix holds a line feed", func(p *Plan) { p.Shards = Shards{Prefixes: []string{"a/", "b\n/"}} },
			[]string{"shards.prefixes[1]"}},
		{"prefix overlaps the manifest prefix", func(p *Plan) { p.Shards.Prefixes = []string{"_migrations/"} },
			[]string{"shards.prefixes[0]"}},
		{"manifest prefix inside a shard", func(p *Plan) { p.Destination.ManifestPrefix = "users/0a/_manifests" },
			[]string{"shards.generator"}},
		{"batch size zero", func(p *Plan) { p.BatchSize = ptr(0) }, []string{"batchSize"}},
		{"batch size negative", func(p *Plan) { p.BatchSize = ptr(-5) }, []string{"batchSize"}},
		{"batch size too large", func(p *Plan) { p.BatchSize = ptr(MaxBatchSize + 1) }, []string{"batchSize"}},
		{"window zero", func(p *Plan) { p.Window = ptr(0) }, []string{"window"}},
		{"window negative", func(p *Plan) { p.Window = ptr(-1) }, []string{"window"}},
		{"window above 1000", func(p *Plan) { p.Window = ptr(1001) }, []string{"window"}},
		{"negative bytes per second", func(p *Plan) { p.Limits.BytesPerSecond = -1 }, []string{"limits.bytesPerSecond"}},
		{"part size too small", func(p *Plan) { p.Limits.PartSize = 100 }, []string{"limits.partSize"}},
		{"unknown verification mode", func(p *Plan) { p.Verification.Mode = "paranoid" }, []string{"verification.mode"}},
		{"negative delta threshold", func(p *Plan) { p.Delta.Threshold = ptr(-1) }, []string{"delta.threshold"}},
		{"unknown delete policy", func(p *Plan) { p.Delta.Deletes = "purge" }, []string{"delta.deletes"}},
		{"unknown drain mode", func(p *Plan) { p.Freeze.Drain = "maybe" }, []string{"freeze.drain"}},
		{"freeze shorter than drain wait", func(p *Plan) {
			p.Freeze.DrainWait = Duration(10 * time.Minute)
			p.Freeze.MaxDuration = Duration(5 * time.Minute)
		}, []string{"freeze.maxDuration"}},
		{"freeze equal to drain wait", func(p *Plan) {
			p.Freeze.DrainWait = Duration(time.Minute)
			p.Freeze.MaxDuration = Duration(time.Minute)
		}, []string{"freeze.maxDuration"}},
		{"negative drain wait", func(p *Plan) { p.Freeze.DrainWait = Duration(-time.Second) }, []string{"freeze.drainWait"}},
		{"unknown routing target", func(p *Plan) { p.Cutover.Target.Settings = &unknownTarget{unknownKind{kind: "etcd"}} }, []string{"cutover.target.kind"}},
		{"missing routing target", func(p *Plan) { p.Cutover.Target = Target{} }, []string{"cutover.target.kind"}},
		{"postgres without dsnRef", func(p *Plan) { targetPG(p).DSNRef = "" }, []string{"cutover.target.dsnRef"}},
		{"webhook without secretRef", func(p *Plan) {
			p.Cutover.Target = Target{Settings: &webhook.Settings{URLRef: "env:HOOK_URL"}}
		}, []string{"cutover.target.secretRef"}},
		{"inline DSN", func(p *Plan) { targetPG(p).DSNRef = "postgres://app:hunter2@db:5432/routes" },
			[]string{"cutover.target.dsnRef"}},
		{"inline passphrase", func(p *Plan) { destOCI(p).Auth.PassphraseRef = "hunter2" },
			[]string{"destination.auth.passphraseRef"}},
		{"unknown approval", func(p *Plan) { p.Cutover.Approval = "yes" }, []string{"cutover.approval"}},
		{"destination endpoint names another region", func(p *Plan) {
			destOCI(p).Endpoint = "https://objectstorage.us-phoenix-1.oraclecloud.com"
		}, []string{"destination.endpoint"}},
		{"archive tier", func(p *Plan) { destOCI(p).StorageTier = "Archive" }, []string{"destination.storageTier"}},
		{"principal auth with a profile", func(p *Plan) { destOCI(p).Auth.Method = ocistore.AuthInstancePrincipal },
			[]string{"destination.auth.profile"}},
		{"unknown auth method", func(p *Plan) { destOCI(p).Auth.Method = "password" }, []string{"destination.auth.method"}},
		{"bad compartment", func(p *Plan) { destOCI(p).Compartment = "my-compartment" }, []string{"destination.compartment"}},
		{"relative caFile", func(p *Plan) { primaryS3(p).CAFile = "ca.pem" }, []string{"sources.primary.caFile"}},
		{"caFile for an http endpoint", func(p *Plan) {
			destOCI(p).Endpoint = "http://127.0.0.1:9100"
			destOCI(p).CAFile = "/etc/ocimove/ca.pem"
		}, []string{"destination.caFile"}},
		{"bad id", func(p *Plan) { p.ID = "has space" }, []string{"id"}},
		{"missing id", func(p *Plan) { p.ID = "" }, []string{"id"}},
		{"negative retention", func(p *Plan) { p.Soak.Retention = Duration(-time.Hour) }, []string{"soak.retention"}},
		// Valid variations.
		{"short region code", func(p *Plan) { destOCI(p).Region = "IAD" }, nil},
		{"phoenix is allowed", func(p *Plan) { destOCI(p).Region = "us-phoenix-1" }, nil},
		{"manifests in their own bucket", func(p *Plan) {
			p.Shards.Prefixes = []string{"_migrations/"}
			p.Destination.ManifestBucket = "users-manifests"
		}, nil},
		{"generated prefixes ending in a slash do not overlap", func(p *Plan) { p.Shards = Shards{Generator: "u{0..10}/"} }, nil},
		{"threshold zero", func(p *Plan) { p.Delta.Threshold = ptr(0) }, nil},
		{"webhook target", func(p *Plan) {
			p.Cutover.Target = Target{Settings: &webhook.Settings{URLRef: "${HOOK_URL}", SecretRef: "file:/etc/ocimove/hook.key"}}
		}, nil},
		{"private CA", func(p *Plan) {
			primaryS3(p).Endpoint = "https://s3.internal:9000"
			primaryS3(p).CAFile = "/etc/ocimove/ca.pem"
			destOCI(p).CAFile = "~/.oci/ca.pem"
		}, nil},
		{"local endpoints", func(p *Plan) {
			primaryS3(p).Endpoint = "http://127.0.0.1:9000"
			primaryS3(p).UsePathStyle = true
			destOCI(p).Endpoint = "http://127.0.0.1:9100"
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Example()
			tc.mutate(p)
			err := p.Validate()
			if tc.fields == nil {
				require.NoError(t, err)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, tc.fields, ve.Fields(), "problems:\n%v", err)
			for _, pr := range ve.Problems {
				assert.NotEmpty(t, pr.Message)
				assert.NotEmpty(t, pr.Hint, "problem %s has no hint", pr.Field)
			}
			assert.NotContains(t, err.Error(), "hunter2", "a secret leaked into the error")
		})
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	p := Example()
	p.BatchSize = ptr(0)
	p.Window = ptr(5000)
	destOCI(p).Region = "eu-frankfurt-1"
	p.Cutover.Target.Settings = &unknownTarget{unknownKind{kind: "carrier-pigeon"}}
	p.Shards = Shards{Prefixes: []string{"a/", "a/b/"}}
	err := p.Validate()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"shards.prefixes[1]", "batchSize", "window", "cutover.target.kind", "destination.region"}, ve.Fields())

	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 6)
	assert.Equal(t, "invalid plan: 5 problems", lines[0])
	for i, pr := range ve.Problems {
		assert.Equal(t, fmt.Sprintf("  %s: %s (%s)", pr.Field, pr.Message, pr.Hint), lines[i+1])
	}
	assert.Contains(t, lines[3], "must be at most 1000")
	assert.Contains(t, lines[4], `unknown routing target "carrier-pigeon"`)
	assert.Contains(t, lines[5], "eu-frankfurt-1 is not in residency.allowedRegions (us-ashburn-1, us-phoenix-1)")
}

func TestValidateOverlapsReportedInBoundedNumber(t *testing.T) {
	p := Example()
	p.Shards = Shards{Generator: "u{0..999}"} // u1 covers u10..u19, u100..u199, …
	err := p.Validate()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, maxReported+1)
	last := ve.Problems[maxReported]
	assert.Equal(t, "shards", last.Field)
	assert.Contains(t, last.Message, "more overlapping prefixes")
}

func TestValidateRefusesPlansTooLargeForAWorkflowInput(t *testing.T) {
	p := Example()
	p.Shards = Shards{}
	for i := range 5000 {
		p.Shards.Prefixes = append(p.Shards.Prefixes, fmt.Sprintf("tenants/eu-customer-%05d/objects/", i))
	}
	var ve *ValidationError
	require.ErrorAs(t, p.Validate(), &ve)
	assert.Equal(t, []string{"shards.prefixes"}, ve.Fields())
}

func TestPlanWithThousandShardsIsSmall(t *testing.T) {
	p := Example()
	p.Shards = Shards{}
	for i := range 1000 {
		p.Shards.Prefixes = append(p.Shards.Prefixes, fmt.Sprintf("tenants/eu-customer-%05d/objects/", i))
	}
	require.NoError(t, p.Validate())
	p.Normalize()
	b, err := p.CanonicalJSON()
	require.NoError(t, err)
	assert.Less(t, len(b), 128<<10, "a 1,000-shard plan must stay well under Temporal's 256 KiB payload warning")
	t.Logf("1,000-shard plan: %d bytes of JSON", len(b))
}

func TestValidateIsErrorsIs(t *testing.T) {
	p := Example()
	p.Window = ptr(0)
	err := fmt.Errorf("start: %w", p.Validate())
	assert.True(t, errors.Is(err, ErrInvalid))
}
