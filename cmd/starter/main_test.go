package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/cli"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

func TestUnreachableServerIsReported(t *testing.T) {
	addr := clitest.ClosedPort(t)
	for _, args := range [][]string{{"status", "m"}, {"pause", "m", "--reason", "r"}} {
		var out, errb bytes.Buffer
		code := run(append(args, "--address", addr, "--connect-timeout", "3s"), &out, &errb)
		assert.Equal(t, cli.ExitUnavailable, code, errb.String())
		assert.Contains(t, errb.String(), "cannot reach Temporal at "+addr)
		assert.Contains(t, errb.String(), "TEMPORAL_ADDRESS")
	}
}

func TestBadInputExitsWithUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("id: x\nbogus: 1\n"), 0o600))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"plan", bad}, "bogus"},
		{[]string{"start", bad}, "bogus"},
		{[]string{"plan", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"pause", "m"}, "--reason is required"},
		{[]string{"approve", "m", "--reason", "r"}, "takes 2 argument(s)"},
		{[]string{"status", "m", "-o", "xml"}, "use text or json"},
		{[]string{"pause", "m", "--reason", "r", "-o", "yaml"}, "use text or json"},
		{[]string{"verify-evidence", "b", "--pubkey", "k", "-o", "xml"}, "use text or json"},
		{[]string{"report", "m", "--shard", "users/00/"}, "--objects"},
		{[]string{"report", "m", "--objects", "--out", "d"}, "writes no files"},
		{[]string{"frobnicate"}, "unknown command"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(append(c.args, "--address", clitest.ClosedPort(t)), &out, &errb)
		assert.Equal(t, cli.ExitUsage, code, "%v: %s", c.args, errb.String())
		assert.Contains(t, errb.String(), c.want, c.args)
	}
}

// TestCompletionScripts writes the completion script of every shell
// cobra supports; each asks the starter itself (__complete) for the
// words, ids included.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var out, errb bytes.Buffer
		code := run([]string{"completion", shell}, &out, &errb)
		require.Equal(t, 0, code, "%s: %s", shell, errb.String())
		assert.Contains(t, out.String(), "__complete", shell)
		assert.Contains(t, out.String(), "starter", shell)
	}
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"--help"}, &out, &errb))
	assert.Contains(t, out.String(), "completion")
	assert.Contains(t, out.String(), "-o json")
}

// TestStarterEndToEnd drives every subcommand against the embedded
// Temporal server, the local S3 and OCI endpoints and an in-process
// worker: plan (with and without problems), start (twice), status -o json
// and the table, pause and resume of the migration and of a shard, an
// approve refused while Copying, retry of a shard forced to fail, approve
// under manual approval, rollback, an unknown shard, --watch, cancel.
func TestStarterEndToEnd(t *testing.T) {
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "cli-src", nil)
	env.OCIStore(t, "cli-dst", nil)
	prefixes := []string{"users/00/", "users/01/", "users/02/"}
	total := clitest.Seed(t, src, prefixes, 30)
	clitest.StartWorker(t, tc)
	s := clitest.NewStarter(t, srv)
	s.Exec = run

	const id = "cli-main"
	planPath, p := clitest.WritePlan(t, env, dir, id, "cli-src", "cli-dst", prefixes)
	id00, id01, id02 := plan.ShardID(prefixes[0]), plan.ShardID(prefixes[1]), plan.ShardID(prefixes[2])

	// plan: per shard counts and bytes from a real listing, no problems.
	r := s.OK("plan", planPath)
	t.Logf("starter plan:\n%s", r.Stdout)
	for _, sid := range []string{id00, id01, id02} {
		assert.Contains(t, r.Stdout, sid)
	}
	assert.Contains(t, r.Stdout, "unlimited")
	assert.Contains(t, r.Stdout, "no problems")
	r = s.OK("plan", planPath, "-o", "json")
	var rep struct {
		Shards []struct {
			ShardID string
			Objects int64
			Bytes   int64
		}
		Objects, Bytes int64
		Problems       []string
	}
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &rep), r.Stdout)
	require.Len(t, rep.Shards, 3)
	for _, sh := range rep.Shards {
		assert.Equal(t, int64(30), sh.Objects, sh.ShardID)
	}
	assert.Equal(t, int64(90), rep.Objects)
	assert.Equal(t, total, rep.Bytes)
	assert.Empty(t, rep.Problems)

	// A plan whose destination bucket does not exist: problems, exit 1,
	// and start refuses it.
	badPath, _ := clitest.WritePlan(t, env, dir, "cli-nobucket", "cli-src", "cli-missing", prefixes)
	r = s.Run("plan", badPath)
	require.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Contains(t, r.Stdout, "problem")
	t.Logf("starter plan (problems):\n%s", r.Stdout)
	assert.Contains(t, r.Stdout, "destination")
	r = s.Run("start", badPath)
	require.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Contains(t, r.Stderr, "not started")
	r = s.Run("status", "cli-nobucket")
	assert.Equal(t, cli.ExitUsage, r.Code, r.String())
	assert.Contains(t, r.Stderr, `no migration "cli-nobucket"`)

	// Shard 01 cannot write its manifests (so it parks in Failed); shard
	// 02's writes are slow (so it is seen Copying).
	faultsOf := env.OCI.Faults()
	forbid := faults.Rule{Op: "put", KeyPrefix: p.Destination.ManifestPrefix + id01 + "/", Status: 403}
	slow := faults.Rule{Op: "put", KeyPrefix: prefixes[2], Latency: 1500 * time.Millisecond}
	faultsOf.Set(forbid, slow)

	r = s.OK("start", planPath)
	assert.Contains(t, r.Stdout, "Started migration "+id)
	r = s.OK("start", planPath)
	assert.Contains(t, r.Stdout, "already running")

	// pause and resume the migration.
	r = s.OK("pause", id, "--reason", "change window", "--as", "alice")
	assert.Contains(t, r.Stdout, "Paused")
	assert.Equal(t, workflows.MigrationPaused, s.Status(id).Migration.State)
	r = s.Run("pause", id, "--reason", "again", "--as", "alice")
	assert.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Contains(t, r.Stderr, "already paused")
	s.OK("resume", id, "--reason", "window changed", "--as", "alice")
	st := s.Status(id)
	assert.Equal(t, workflows.MigrationRunning, st.Migration.State)
	require.NotEmpty(t, st.Migration.Actions)
	assert.Equal(t, "alice", st.Migration.Actions[0].Actor)

	// tune rates and batch size live; a window out of range is refused.
	r = s.OK("tune", id, "--bytes-per-second", "104857600", "--requests-per-second", "200", "--batch-size", "40",
		"--reason", "night window", "--as", "alice")
	assert.Contains(t, r.Stdout, "set-rate-limits: accepted")
	assert.Contains(t, r.Stdout, "set-batch-size: accepted")
	r = s.Run("tune", id, "--window", "0", "--reason", "x")
	assert.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Contains(t, r.Stderr, "window 0 is outside 1..1000")
	r = s.Run("tune", id, "--reason", "x")
	assert.Equal(t, cli.ExitUsage, r.Code, r.String())

	// approve while Copying is refused with the reason; nothing changes.
	s.WaitFor(id, "shard 02 to be Copying", time.Minute, func(v clitest.Status) bool { return v.Shard(id02).State == workflows.Copying })
	s.OK("pause", id, "--shard", prefixes[2], "--reason", "hold it", "--as", "bob")
	r = s.Run("approve", id, id02, "--reason", "too early", "--as", "bob")
	require.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Contains(t, r.Stderr, "refused")
	assert.Contains(t, r.Stderr, "the shard is Copying")
	t.Logf("refused approve: %s", r.Stderr)
	sh := s.Status(id).Shard(id02)
	assert.Equal(t, workflows.Copying, sh.State)
	assert.True(t, sh.Paused)
	for _, tr := range sh.Transitions {
		assert.NotEqual(t, workflows.UpdateApprove, tr.Action, "a refused approve is not recorded")
	}
	faultsOf.Set(forbid)
	s.OK("resume", id, "--shard", id02, "--reason", "go on", "--as", "bob")

	// The shard forced to fail parks in Failed with its error; after the
	// cause is cleared, retry-shard resumes it.
	st = s.WaitFor(id, "shard 01 to fail", 2*time.Minute, func(v clitest.Status) bool { return v.Shard(id01).State == workflows.Failed })
	assert.NotEmpty(t, st.Shard(id01).LastError)
	r = s.OK("status", id)
	assert.Contains(t, r.Stdout, "Failed")
	assert.Contains(t, r.Stdout, "LAST ERROR")
	t.Logf("starter status (failed shard):\n%s", r.Stdout)
	faultsOf.Clear()
	r = s.OK("retry-shard", id, id01, "--reason", "manifest bucket policy fixed", "--as", "carol")
	assert.Contains(t, r.Stdout, "accepted")

	// Unknown shard, unknown migration.
	r = s.Run("retry-shard", id, "users/ff/", "--reason", "x")
	assert.Equal(t, cli.ExitUsage, r.Code, r.String())
	assert.Contains(t, r.Stderr, `has no shard "users/ff/"`)

	// Manual approval: every shard waits, then is approved (by prefix or id).
	s.WaitFor(id, "every shard to await approval", 2*time.Minute, func(v clitest.Status) bool {
		for _, x := range v.Shards {
			if x.State != workflows.AwaitingApproval {
				return false
			}
		}
		return true
	})
	s.OK("approve", id, prefixes[0], "--reason", "change CHG-1", "--as", "dave")
	s.OK("approve", id, id01, "--reason", "change CHG-1", "--as", "dave")
	s.OK("approve", id, id02, "--reason", "change CHG-1", "--as", "dave")
	s.WaitFor(id, "every shard to soak", 2*time.Minute, func(v clitest.Status) bool {
		for _, x := range v.Shards {
			if x.State != workflows.Soaking {
				return false
			}
		}
		return true
	})

	// rollback one shard.
	s.OK("rollback", id, id00, "--reason", "latency regression", "--as", "erin")
	st = s.WaitFor(id, "shard 00 to roll back", 2*time.Minute, func(v clitest.Status) bool { return v.Shard(id00).State == workflows.RolledBack })
	assert.Equal(t, workflows.Soaking, st.Shard(id01).State, "isolation: the other shards stay")
	r = s.OK("status", id)
	assert.Contains(t, r.Stdout, "erin")
	t.Logf("starter status:\n%s", r.Stdout)
	assert.Contains(t, r.Stdout, "latency regression")

	// --watch draws progress bars until stopped.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	var out, errb bytes.Buffer
	code := cli.Run(ctx, append([]string{"status", id, "--watch", "--interval", "300ms"}, s.Conn...), &out, &errb)
	cancel()
	assert.Equal(t, 0, code, errb.String())
	assert.Contains(t, out.String(), "\x1b[H")
	assert.Contains(t, out.String(), "█")
	assert.Contains(t, out.String(), "ETA")

	// cancel, then cancel again.
	s.OK("cancel", id, "--reason", "end of test", "--as", "frank")
	s.WaitFor(id, "the migration to be cancelled", time.Minute, func(v clitest.Status) bool { return v.WorkflowStatus == "Canceled" })
	r = s.Run("cancel", id, "--reason", "again")
	assert.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Contains(t, r.Stderr, "has ended")
}

func TestVerifyEvidenceNamesTheFirstBadFile(t *testing.T) {
	dir := t.TempDir()
	pub := filepath.Join(dir, "key.pub")
	require.NoError(t, os.WriteFile(pub, []byte(strings.Repeat("ab", 32)+"\n"), 0o600))
	bundle := filepath.Join(dir, "bundle")
	require.NoError(t, os.Mkdir(bundle, 0o755))
	var out, errb bytes.Buffer
	code := run([]string{"verify-evidence", bundle, "--pubkey", pub}, &out, &errb)
	assert.Equal(t, cli.ExitFailed, code, errb.String())
	assert.Contains(t, errb.String(), "first bad file MANIFEST")
	errb.Reset()
	code = run([]string{"verify-evidence", bundle}, &out, &errb)
	assert.Equal(t, cli.ExitUsage, code, errb.String())
	assert.Contains(t, errb.String(), "--pubkey is required")
}
