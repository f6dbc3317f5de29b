// Package clitest is the shared harness of the starter's end-to-end tests
// (cmd/starter and internal/cli): the embedded Temporal server, an
// in-process worker that knows no plan, seeded source objects, plans for
// the local endpoints, and a runner that drives cli.Run as a user would.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/internal/cli"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/devserver"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/internal/wire"
	"github.com/ocimove/ocimove/workflows"
)

// TaskQueue is the task queue of the test worker.
const TaskQueue = "ocimove-cli-test"

// StartTemporal starts the embedded server in dir and a client of it; both
// stop when the test ends.
func StartTemporal(t *testing.T, dir string) (*devserver.Server, client.Client) {
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

// StartWorker runs a worker on TaskQueue in this process that knows no
// plan: it learns each from the pre-flight or the plan query, as a
// production worker does. It sets the local S3 endpoint's credentials in
// the environment.
func StartWorker(t *testing.T, c client.Client) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", testenv.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testenv.S3SecretKey)
	t.Setenv("AWS_REGION", testenv.S3Region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	w, err := wire.NewWorker(wire.Config{Client: c, TaskQueue: TaskQueue,
		Engine: engine.Config{PartSize: 10 << 20, PoolBytes: 64 << 20, Concurrency: 8},
		Worker: worker.Options{MaxConcurrentActivityExecutionSize: 16}})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
}

// Seed writes n small objects under each prefix and returns their total
// size.
func Seed(t *testing.T, src store.Store, prefixes []string, n int) int64 {
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

// WritePlan writes a plan for the local endpoints (batches of 10, manual
// approval, a file routing target in dir, 24h soak, no purge), changed by
// edits, and returns its path and the plan as loaded from it.
func WritePlan(t *testing.T, env *testenv.Env, dir, id, srcBucket, dstBucket string, prefixes []string, edits ...func(*plan.Plan)) (string, *plan.Plan) {
	t.Helper()
	p := plan.Example()
	p.ID, p.Name = id, "starter test "+id
	p.Sources.Primary = plan.PrimarySource{Location: plan.At(&s3store.Settings{Bucket: srcBucket, Region: testenv.S3Region, Endpoint: env.S3URL, UsePathStyle: true})}
	p.Sources.Copies = nil
	p.Destination.Location = plan.At(&ocistore.Settings{Namespace: env.OCI.Namespace(), Region: testenv.OCIRegion, Bucket: dstBucket, Endpoint: env.OCIURL,
		Auth: ocistore.Auth{Method: ocistore.AuthConfigFile, ConfigFile: env.OCICreds.ConfigPath, Profile: env.OCICreds.Profile}})
	p.Shards = plan.Shards{Prefixes: prefixes}
	batch, window, threshold := 10, len(prefixes), 0
	p.BatchSize, p.Window = &batch, &window
	p.Limits = plan.Limits{Concurrency: 8, PartSize: 10 << 20}
	p.Delta = plan.DeltaPolicy{MaxRounds: 3, Threshold: &threshold, Deletes: plan.DeletesDelete}
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(time.Second), MaxDuration: plan.Duration(5 * time.Minute)}
	p.Cutover = plan.Cutover{Target: plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, id+"-routes.json")}}, Approval: plan.ApprovalManual}
	p.Residency = plan.Residency{AllowedRegions: []string{testenv.OCIRegion}}
	p.Soak = plan.Soak{Retention: plan.Duration(24 * time.Hour)}
	p.Purge = plan.Purge{Enabled: false}
	for _, e := range edits {
		e(p)
	}
	data, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(dir, id+".json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	loaded, err := plan.LoadFile(path)
	require.NoError(t, err)
	return path, loaded
}

// ClosedPort returns a loopback address nothing listens on.
func ClosedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// Result is one run of the starter.
type Result struct {
	Code           int
	Stdout, Stderr string
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// Starter runs the starter's commands as a user would, with Conn (the
// test server's connection flags) appended.
type Starter struct {
	T    *testing.T
	Conn []string
	// Exec runs the command line and returns its exit code; nil is
	// cli.Run with a background context (cmd/starter passes its main's
	// run, which adds signal handling).
	Exec func(args []string, stdout, stderr io.Writer) int
}

// NewStarter returns a Starter for srv and TaskQueue.
func NewStarter(t *testing.T, srv *devserver.Server) Starter {
	return Starter{T: t, Conn: []string{"--address", srv.Address(), "--namespace", srv.Namespace(), "--task-queue", TaskQueue}}
}

// Run runs args and returns what it printed and its exit code.
func (s Starter) Run(args ...string) Result {
	s.T.Helper()
	var out, errb bytes.Buffer
	exec := s.Exec
	if exec == nil {
		exec = func(args []string, stdout, stderr io.Writer) int {
			return cli.Run(context.Background(), args, stdout, stderr)
		}
	}
	code := exec(append(append([]string(nil), args...), s.Conn...), &out, &errb)
	return Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// OK runs args and requires exit code 0.
func (s Starter) OK(args ...string) Result {
	s.T.Helper()
	r := s.Run(args...)
	require.Equal(s.T, 0, r.Code, "starter %v:\n%s", args, r)
	return r
}

// Status is the output of `status -o json`.
type Status struct {
	WorkflowStatus string                    `json:"workflowStatus"`
	Migration      workflows.MigrationStatus `json:"migration"`
	Shards         []workflows.ShardStatus   `json:"shards"`
}

// Shard returns the status of shard id (zero when absent).
func (v Status) Shard(id string) workflows.ShardStatus {
	for _, s := range v.Shards {
		if s.ShardID == id {
			return s
		}
	}
	return workflows.ShardStatus{}
}

// States maps each shard to its state.
func (v Status) States() map[string]workflows.ShardState {
	m := map[string]workflows.ShardState{}
	for _, s := range v.Shards {
		m[s.ShardID] = s.State
	}
	return m
}

// AllReported reports whether every shard is in state and the migration
// has heard so from each (its by-state counts, which shards report to it
// by signal, can trail the shards' own status).
func (v Status) AllReported(state workflows.ShardState) bool {
	return v.AllIn(state) && v.Migration.ByState[state] == len(v.Shards)
}

// AllIn reports whether every shard is in state.
func (v Status) AllIn(state workflows.ShardState) bool {
	for _, s := range v.Shards {
		if s.State != state {
			return false
		}
	}
	return len(v.Shards) > 0
}

// Status runs `status ID -o json`.
func (s Starter) Status(id string) Status {
	s.T.Helper()
	r := s.OK("status", id, "-o", "json")
	var v Status
	require.NoError(s.T, json.Unmarshal([]byte(r.Stdout), &v), r.Stdout)
	return v
}

// WaitFor polls the migration's status until cond holds, failing the test
// after timeout.
func (s Starter) WaitFor(id, what string, timeout time.Duration, cond func(Status) bool) Status {
	s.T.Helper()
	deadline := time.Now().Add(timeout)
	var last Status
	for time.Now().Before(deadline) {
		last = s.Status(id)
		if cond(last) {
			return last
		}
		time.Sleep(300 * time.Millisecond)
	}
	s.T.Fatalf("timed out after %s waiting for %s; shards: %v", timeout, what, last.States())
	return last
}
