package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/cli"
	"github.com/ocimove/ocimove/internal/devserver"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/faults"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testenv"
	"github.com/ocimove/ocimove/workflows"
)

const testQueue = "ocimove-cli-test"

// result is one run of the starter.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// starter runs the command as a user would, with the connection flags of
// the test's server.
type starter struct {
	t    *testing.T
	conn []string
}

func (s starter) run(args ...string) result {
	s.t.Helper()
	var out, errb bytes.Buffer
	code := run(append(append([]string(nil), args...), s.conn...), &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// ok runs args and requires exit code 0.
func (s starter) ok(args ...string) result {
	s.t.Helper()
	r := s.run(args...)
	require.Equal(s.t, 0, r.code, "starter %v:\n%s", args, r)
	return r
}

type statusJSON struct {
	WorkflowStatus string                    `json:"workflowStatus"`
	Migration      workflows.MigrationStatus `json:"migration"`
	Shards         []workflows.ShardStatus   `json:"shards"`
}

func (s starter) status(id string) statusJSON {
	s.t.Helper()
	r := s.ok("status", id, "-o", "json")
	var v statusJSON
	require.NoError(s.t, json.Unmarshal([]byte(r.stdout), &v), r.stdout)
	return v
}

func (v statusJSON) shard(id string) workflows.ShardStatus {
	for _, s := range v.Shards {
		if s.ShardID == id {
			return s
		}
	}
	return workflows.ShardStatus{}
}

func (v statusJSON) states() map[string]workflows.ShardState {
	m := map[string]workflows.ShardState{}
	for _, s := range v.Shards {
		m[s.ShardID] = s.State
	}
	return m
}

// waitFor polls the migration's status until cond holds.
func (s starter) waitFor(id, what string, timeout time.Duration, cond func(statusJSON) bool) statusJSON {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var last statusJSON
	for time.Now().Before(deadline) {
		last = s.status(id)
		if cond(last) {
			return last
		}
		time.Sleep(300 * time.Millisecond)
	}
	s.t.Fatalf("timed out after %s waiting for %s; shards: %v", timeout, what, last.states())
	return last
}

// startTemporal starts the embedded server in dir.
func startTemporal(t *testing.T, dir string) (*devserver.Server, client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{DBPath: filepath.Join(dir, "temporal.db"), LogFile: filepath.Join(dir, "temporal.log")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: srv.Namespace(), Logger: tlog.NewStructuredLogger(quiet)})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return srv, c
}

// startWorker runs a worker in this process that knows no plan: it
// learns each from the pre-flight, as a production worker does.
func startWorker(t *testing.T, c client.Client) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", testenv.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testenv.S3SecretKey)
	t.Setenv("AWS_REGION", testenv.S3Region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	eng, err := engine.New(engine.Config{PartSize: 10 << 20, PoolBytes: 64 << 20, Concurrency: 8})
	require.NoError(t, err)
	acts, err := activities.New(activities.Config{Stores: activities.PlanStores{}, Routing: &activities.PlanRouting{}, Engine: eng,
		Plans: activities.NewPlanCache(nil)})
	require.NoError(t, err)
	w := worker.New(c, testQueue, worker.Options{MaxConcurrentActivityExecutionSize: 16})
	workflows.Register(w)
	w.RegisterActivity(acts)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
}

// seed writes n small objects under each prefix and returns their total
// size.
func seed(t *testing.T, src store.Store, prefixes []string, n int) int64 {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var total int64
	for _, p := range prefixes {
		for i := 0; i < n; i++ {
			data := make([]byte, 512+r.IntN(1024))
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			_, err := src.Put(context.Background(), fmt.Sprintf("%suser-%04d/profile.json", p, i), bytes.NewReader(data), int64(len(data)), store.PutOptions{})
			require.NoError(t, err)
			total += int64(len(data))
		}
	}
	return total
}

// writePlan writes a plan for the local endpoints (manual approval, file
// routing target) and returns its path.
func writePlan(t *testing.T, env *testenv.Env, dir, id, srcBucket, dstBucket string, prefixes []string) (string, *plan.Plan) {
	t.Helper()
	p := plan.Example()
	p.ID, p.Name = id, "starter test "+id
	p.Sources.Primary = plan.PrimarySource{S3Bucket: plan.S3Bucket{Bucket: srcBucket, Region: testenv.S3Region, Endpoint: env.S3URL, UsePathStyle: true}}
	p.Sources.Copies = nil
	p.Destination.OCIBucket = plan.OCIBucket{Namespace: env.OCI.Namespace(), Region: testenv.OCIRegion, Bucket: dstBucket, Endpoint: env.OCIURL,
		Auth: plan.OCIAuth{Method: plan.AuthConfigFile, ConfigFile: env.OCICreds.ConfigPath, Profile: env.OCICreds.Profile}}
	p.Shards = plan.Shards{Prefixes: prefixes}
	batch, window, threshold := 10, len(prefixes), 0
	p.BatchSize, p.Window = &batch, &window
	p.Limits = plan.Limits{Concurrency: 8, PartSize: 10 << 20}
	p.Delta = plan.DeltaPolicy{MaxRounds: 3, Threshold: &threshold, Deletes: plan.DeletesDelete}
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(time.Second), MaxDuration: plan.Duration(5 * time.Minute)}
	p.Cutover = plan.Cutover{Target: plan.Target{Kind: plan.TargetFile, Path: filepath.Join(dir, id+"-routes.json")}, Approval: plan.ApprovalManual}
	p.Residency = plan.Residency{AllowedRegions: []string{testenv.OCIRegion}}
	p.Soak = plan.Soak{Retention: plan.Duration(24 * time.Hour)}
	p.Purge = plan.Purge{Enabled: false}
	data, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(dir, id+".json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	loaded, err := plan.LoadFile(path)
	require.NoError(t, err)
	return path, loaded
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestUnreachableServerIsReported(t *testing.T) {
	addr := closedPort(t)
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
		{[]string{"frobnicate"}, "unknown command"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(append(c.args, "--address", closedPort(t)), &out, &errb)
		assert.Equal(t, cli.ExitUsage, code, "%v: %s", c.args, errb.String())
		assert.Contains(t, errb.String(), c.want, c.args)
	}
}

// TestStarterEndToEnd drives every subcommand against the embedded
// Temporal server, the local S3 and OCI endpoints and an in-process
// worker: plan (with and without problems), start (twice), status -o json
// and the table, pause and resume of the migration and of a shard, an
// approve refused while Copying, retry of a shard forced to fail, approve
// under manual approval, rollback, an unknown shard, --watch, cancel.
func TestStarterEndToEnd(t *testing.T) {
	dir := t.TempDir()
	srv, tc := startTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "cli-src", nil)
	env.OCIStore(t, "cli-dst", nil)
	prefixes := []string{"users/00/", "users/01/", "users/02/"}
	total := seed(t, src, prefixes, 30)
	startWorker(t, tc)
	s := starter{t: t, conn: []string{"--address", srv.Address(), "--namespace", srv.Namespace(), "--task-queue", testQueue}}

	const id = "cli-main"
	planPath, p := writePlan(t, env, dir, id, "cli-src", "cli-dst", prefixes)
	id00, id01, id02 := plan.ShardID(prefixes[0]), plan.ShardID(prefixes[1]), plan.ShardID(prefixes[2])

	// plan: per shard counts and bytes from a real listing, no problems.
	r := s.ok("plan", planPath)
	t.Logf("starter plan:\n%s", r.stdout)
	for _, sid := range []string{id00, id01, id02} {
		assert.Contains(t, r.stdout, sid)
	}
	assert.Contains(t, r.stdout, "unlimited")
	assert.Contains(t, r.stdout, "no problems")
	r = s.ok("plan", planPath, "-o", "json")
	var rep struct {
		Shards []struct {
			ShardID string
			Objects int64
			Bytes   int64
		}
		Objects, Bytes int64
		Problems       []string
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.Len(t, rep.Shards, 3)
	for _, sh := range rep.Shards {
		assert.Equal(t, int64(30), sh.Objects, sh.ShardID)
	}
	assert.Equal(t, int64(90), rep.Objects)
	assert.Equal(t, total, rep.Bytes)
	assert.Empty(t, rep.Problems)

	// A plan whose destination bucket does not exist: problems, exit 1,
	// and start refuses it.
	badPath, _ := writePlan(t, env, dir, "cli-nobucket", "cli-src", "cli-missing", prefixes)
	r = s.run("plan", badPath)
	require.Equal(t, cli.ExitFailed, r.code, r.String())
	assert.Contains(t, r.stdout, "problem")
	t.Logf("starter plan (problems):\n%s", r.stdout)
	assert.Contains(t, r.stdout, "destination")
	r = s.run("start", badPath)
	require.Equal(t, cli.ExitFailed, r.code, r.String())
	assert.Contains(t, r.stderr, "not started")
	r = s.run("status", "cli-nobucket")
	assert.Equal(t, cli.ExitUsage, r.code, r.String())
	assert.Contains(t, r.stderr, `no migration "cli-nobucket"`)

	// Shard 01 cannot write its manifests (so it parks in Failed); shard
	// 02's writes are slow (so it is seen Copying).
	faultsOf := env.OCI.Faults()
	forbid := faults.Rule{Op: "put", KeyPrefix: p.Destination.ManifestPrefix + id01 + "/", Status: 403}
	slow := faults.Rule{Op: "put", KeyPrefix: prefixes[2], Latency: 1500 * time.Millisecond}
	faultsOf.Set(forbid, slow)

	r = s.ok("start", planPath)
	assert.Contains(t, r.stdout, "Started migration "+id)
	r = s.ok("start", planPath)
	assert.Contains(t, r.stdout, "already running")

	// pause and resume the migration.
	r = s.ok("pause", id, "--reason", "change window", "--as", "alice")
	assert.Contains(t, r.stdout, "Paused")
	assert.Equal(t, workflows.MigrationPaused, s.status(id).Migration.State)
	r = s.run("pause", id, "--reason", "again", "--as", "alice")
	assert.Equal(t, cli.ExitFailed, r.code, r.String())
	assert.Contains(t, r.stderr, "already paused")
	s.ok("resume", id, "--reason", "window changed", "--as", "alice")
	st := s.status(id)
	assert.Equal(t, workflows.MigrationRunning, st.Migration.State)
	require.NotEmpty(t, st.Migration.Actions)
	assert.Equal(t, "alice", st.Migration.Actions[0].Actor)

	// approve while Copying is refused with the reason; nothing changes.
	s.waitFor(id, "shard 02 to be Copying", time.Minute, func(v statusJSON) bool { return v.shard(id02).State == workflows.Copying })
	s.ok("pause", id, "--shard", prefixes[2], "--reason", "hold it", "--as", "bob")
	r = s.run("approve", id, id02, "--reason", "too early", "--as", "bob")
	require.Equal(t, cli.ExitFailed, r.code, r.String())
	assert.Contains(t, r.stderr, "refused")
	assert.Contains(t, r.stderr, "the shard is Copying")
	t.Logf("refused approve: %s", r.stderr)
	sh := s.status(id).shard(id02)
	assert.Equal(t, workflows.Copying, sh.State)
	assert.True(t, sh.Paused)
	for _, tr := range sh.Transitions {
		assert.NotEqual(t, workflows.UpdateApprove, tr.Action, "a refused approve is not recorded")
	}
	faultsOf.Set(forbid)
	s.ok("resume", id, "--shard", id02, "--reason", "go on", "--as", "bob")

	// The shard forced to fail parks in Failed with its error; after the
	// cause is cleared, retry-shard resumes it.
	st = s.waitFor(id, "shard 01 to fail", 2*time.Minute, func(v statusJSON) bool { return v.shard(id01).State == workflows.Failed })
	assert.NotEmpty(t, st.shard(id01).LastError)
	r = s.ok("status", id)
	assert.Contains(t, r.stdout, "Failed")
	assert.Contains(t, r.stdout, "LAST ERROR")
	t.Logf("starter status (failed shard):\n%s", r.stdout)
	faultsOf.Clear()
	r = s.ok("retry-shard", id, id01, "--reason", "manifest bucket policy fixed", "--as", "carol")
	assert.Contains(t, r.stdout, "accepted")

	// Unknown shard, unknown migration.
	r = s.run("retry-shard", id, "users/ff/", "--reason", "x")
	assert.Equal(t, cli.ExitUsage, r.code, r.String())
	assert.Contains(t, r.stderr, `has no shard "users/ff/"`)

	// Manual approval: every shard waits, then is approved (by prefix or id).
	s.waitFor(id, "every shard to await approval", 2*time.Minute, func(v statusJSON) bool {
		for _, x := range v.Shards {
			if x.State != workflows.AwaitingApproval {
				return false
			}
		}
		return true
	})
	s.ok("approve", id, prefixes[0], "--reason", "change CHG-1", "--as", "dave")
	s.ok("approve", id, id01, "--reason", "change CHG-1", "--as", "dave")
	s.ok("approve", id, id02, "--reason", "change CHG-1", "--as", "dave")
	s.waitFor(id, "every shard to soak", 2*time.Minute, func(v statusJSON) bool {
		for _, x := range v.Shards {
			if x.State != workflows.Soaking {
				return false
			}
		}
		return true
	})

	// rollback one shard.
	s.ok("rollback", id, id00, "--reason", "latency regression", "--as", "erin")
	st = s.waitFor(id, "shard 00 to roll back", 2*time.Minute, func(v statusJSON) bool { return v.shard(id00).State == workflows.RolledBack })
	assert.Equal(t, workflows.Soaking, st.shard(id01).State, "isolation: the other shards stay")
	r = s.ok("status", id)
	assert.Contains(t, r.stdout, "erin")
	t.Logf("starter status:\n%s", r.stdout)
	assert.Contains(t, r.stdout, "latency regression")

	// --watch draws progress bars until stopped.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	var out, errb bytes.Buffer
	code := cli.Run(ctx, append([]string{"status", id, "--watch", "--interval", "300ms"}, s.conn...), &out, &errb)
	cancel()
	assert.Equal(t, 0, code, errb.String())
	assert.Contains(t, out.String(), "\x1b[H")
	assert.Contains(t, out.String(), "█")
	assert.Contains(t, out.String(), "ETA")

	// cancel, then cancel again.
	s.ok("cancel", id, "--reason", "end of test", "--as", "frank")
	s.waitFor(id, "the migration to be cancelled", time.Minute, func(v statusJSON) bool { return v.WorkflowStatus == "Canceled" })
	r = s.run("cancel", id, "--reason", "again")
	assert.Equal(t, cli.ExitFailed, r.code, r.String())
	assert.Contains(t, r.stderr, "has ended")
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
