package cli_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/cli"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// TestReportAndVerifyEvidence runs a migration to Soaking against the
// embedded server, the local endpoints and an in-process worker, then, as
// an operator would: creates a key with report --generate-key, writes the
// report and the signed evidence (in text and -o json), checks report.json
// (counts by source check and verification, the links to the manifests)
// and report.md, lists every object with report --objects (text and JSON
// Lines), passes verify-evidence, and fails it, naming the file, after one
// flipped byte in any file of the bundle.
func TestReportAndVerifyEvidence(t *testing.T) {
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "rep-src", nil)
	env.OCIStore(t, "rep-dst", nil)
	prefixes := []string{"users/0a/", "users/0b/"}
	counts := map[string]int64{plan.ShardID(prefixes[0]): 12, plan.ShardID(prefixes[1]): 7}
	clitest.Seed(t, src, prefixes[:1], 12)
	clitest.Seed(t, src, prefixes[1:], 7)
	clitest.StartWorker(t, tc)
	s := clitest.NewStarter(t, srv)

	const id = "cli-report"
	planPath, _ := clitest.WritePlan(t, env, dir, id, "rep-src", "rep-dst", prefixes, func(p *plan.Plan) {
		p.Cutover.Approval = plan.ApprovalAuto
	})
	s.OK("start", planPath)
	s.WaitFor(id, "every shard to soak", 2*time.Minute, func(v clitest.Status) bool { return v.AllIn(workflows.Soaking) })

	// Keys for operators who have none; a second --generate-key refuses
	// to overwrite them.
	key := filepath.Join(dir, "evidence.key")
	r := s.OK("report", "--generate-key", key)
	assert.Contains(t, r.Stdout, key+".pub")
	r = s.Run("report", "--generate-key", key)
	assert.Equal(t, cli.ExitFailed, r.Code, r.String())
	r = s.Run("report", id, "--evidence")
	assert.Equal(t, cli.ExitUsage, r.Code, r.String())
	assert.Contains(t, r.Stderr, "--key")

	// A manifest store the operator's credentials cannot open: exit 1,
	// naming the bucket and what to set.
	r = s.Run("report", id, "--out", filepath.Join(dir, "nope"), "--oci-profile", "NO_SUCH_PROFILE")
	assert.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Contains(t, r.Stderr, "rep-dst")
	assert.Contains(t, r.Stderr, "--oci-profile")

	out := filepath.Join(dir, "out")
	r = s.OK("report", id, "--out", out, "--evidence", "--key", key)
	t.Logf("starter report:\n%s", r.Stdout)
	bundle := filepath.Join(out, "evidence")
	assert.Contains(t, r.Stdout, "starter verify-evidence "+bundle+" --pubkey "+key+".pub")

	// The same with -o json: what was written, in the report's shape.
	r = s.OK("report", id, "--out", filepath.Join(dir, "out-json"), "--evidence", "--key", key, "-o", "json")
	clitest.CheckJSON(t, "report", r.Stdout)
	var written struct {
		MigrationID string
		Objects     int64
		Files       struct{ JSON, Markdown string }
		Evidence    struct {
			Dir, VerifyCommand string
			Verified           bool
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &written))
	assert.Equal(t, id, written.MigrationID)
	assert.Equal(t, int64(19), written.Objects)
	assert.FileExists(t, written.Files.JSON)
	assert.FileExists(t, written.Files.Markdown)
	assert.True(t, written.Evidence.Verified)
	assert.Equal(t, "starter verify-evidence "+written.Evidence.Dir+" --pubkey "+key+".pub", written.Evidence.VerifyCommand)
	r = s.OK("report", "--generate-key", filepath.Join(dir, "second.key"), "-o", "json")
	clitest.CheckJSON(t, "report", r.Stdout)
	assert.Contains(t, r.Stdout, `"publicKey": "`+filepath.Join(dir, "second.key.pub")+`"`)

	var rep report.Report
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &rep))
	require.Len(t, rep.Shards, len(prefixes))
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	require.NoError(t, err)
	for _, sh := range rep.Shards {
		want, ok := counts[sh.ShardID]
		require.True(t, ok, "unexpected shard %s", sh.ShardID)
		assert.Equal(t, want, sh.Objects, sh.ShardID)
		assert.Equal(t, want, sh.Status.Objects, sh.ShardID)
		assert.Equal(t, string(workflows.Soaking), sh.State, sh.ShardID)
		require.NotNil(t, sh.Verification.Final, sh.ShardID)
		assert.True(t, sh.Verification.Final.OK, sh.ShardID)
		assert.Contains(t, string(md), sh.ShardID)
		// How every object was checked, and where its records are.
		assert.Equal(t, map[string]int64{"etag-md5": want}, sh.Verification.SourceChecks, sh.ShardID)
		assert.Equal(t, report.VerifyCounts{Checked: want, OK: want}, sh.Verification.ByVerification["final"], sh.ShardID)
		assert.Equal(t, report.VerifyCounts{Checked: want, OK: want}, sh.Verification.ByVerification["quick"], sh.ShardID)
		require.NotEmpty(t, sh.Manifests.Runs, sh.ShardID)
		assert.Equal(t, "batch", sh.Manifests.Runs[0].Kind)
		assert.Equal(t, "starter report "+id+" --shard "+sh.ShardID+" --objects", sh.Manifests.ListObjects)
		assert.Contains(t, string(md), sh.Manifests.ListObjects)
	}
	assert.Equal(t, int64(19), rep.Totals.Objects)

	// report --objects: every object with how it was checked, in text
	// (a header and one line each) or JSON Lines, of one shard or all.
	r = s.OK("report", id, "--objects")
	lines := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
	require.Len(t, lines, 1+19, r.Stdout)
	assert.Equal(t, "SHARD\tKEY\tSIZE\tOUTCOME\tSOURCE CHECK\tDEST CHECK\tSHA-256\tPROBLEMS", lines[0])
	assert.Regexp(t, `^users-0a-[0-9a-f]+\tusers/0a/user-0000/profile.json\t[0-9]+\tcopied\tetag-md5\tcontent-md5\t[0-9a-f]{64}\t-$`, lines[1])
	r = s.OK("report", id, "--objects", "--shard", prefixes[1], "-o", "json")
	clitest.CheckJSONLines(t, "report-objects", r.Stdout)
	var objs []report.Object
	for _, ln := range strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n") {
		var o report.Object
		require.NoError(t, json.Unmarshal([]byte(ln), &o))
		objs = append(objs, o)
	}
	require.Len(t, objs, 7)
	for _, o := range objs {
		assert.Equal(t, plan.ShardID(prefixes[1]), o.ShardID)
		assert.Equal(t, "copied", o.Outcome)
		assert.Equal(t, "etag-md5", o.SourceCheck)
		assert.Len(t, o.SHA256, 64)
	}
	r = s.Run("report", id, "--shard", prefixes[1])
	assert.Equal(t, cli.ExitUsage, r.Code, r.String())
	assert.Contains(t, r.Stderr, "--objects")
	r = s.Run("report", id, "--objects", "--shard", "users/ff/")
	assert.Equal(t, cli.ExitUsage, r.Code, r.String())

	// verify-evidence: the bundle passes; one flipped byte in any file
	// fails it, naming that file.
	s.OK("verify-evidence", bundle, "--pubkey", key+".pub")
	r = s.OK("verify-evidence", bundle, "--pubkey", key+".pub", "-o", "json")
	clitest.CheckJSON(t, "verify-evidence", r.Stdout)
	assert.Contains(t, r.Stdout, `"verified": true`)
	var files []string
	require.NoError(t, filepath.WalkDir(bundle, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(bundle, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	}))
	require.Greater(t, len(files), 2*len(prefixes)+4, "a bundle holds per-shard manifests and records: %v", files)
	for _, f := range files {
		p := filepath.Join(bundle, filepath.FromSlash(f))
		orig, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NotEmpty(t, orig, f)
		bad := append([]byte(nil), orig...)
		bad[len(bad)/2] ^= 0x01
		require.NoError(t, os.WriteFile(p, bad, 0o644))
		r := s.Run("verify-evidence", bundle, "--pubkey", key+".pub")
		assert.Equal(t, cli.ExitFailed, r.Code, "%s: %s", f, r)
		assert.Contains(t, r.Stderr, "first bad file "+f+":", f)
		if f == "report.json" {
			r = s.Run("verify-evidence", bundle, "--pubkey", key+".pub", "-o", "json")
			assert.Equal(t, cli.ExitFailed, r.Code, r.String())
			clitest.CheckJSON(t, "verify-evidence", r.Stdout)
			assert.Contains(t, r.Stdout, `"firstBadFile": "report.json"`)
			assert.Contains(t, r.Stderr, "first bad file report.json:")
		}
		require.NoError(t, os.WriteFile(p, orig, 0o644))
	}
	s.OK("verify-evidence", bundle, "--pubkey", key+".pub")
}
