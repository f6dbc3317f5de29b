package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/ocimove/ocimove/internal/cli"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// completion is what `starter __complete …` offered: the values (before
// their tab-separated descriptions) and the directive.
type completion struct {
	values    []string
	lines     []string
	directive string
}

func complete(t *testing.T, s clitest.Starter, args ...string) (completion, clitest.Result) {
	t.Helper()
	r := completeWith(s.Conn, args...)
	require.Equal(t, 0, r.Code, r.String())
	var c completion
	for _, ln := range strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n") {
		if strings.HasPrefix(ln, ":") {
			c.directive = ln
			continue
		}
		c.lines = append(c.lines, ln)
		v, _, _ := strings.Cut(ln, "\t")
		c.values = append(c.values, v)
	}
	return c, r
}

// completeWith runs `starter __complete` with the connection flags conn
// first: the shell completes the command line's last word.
func completeWith(conn []string, args ...string) clitest.Result {
	line := []string{"__complete"}
	for i := 0; i+1 < len(conn); i += 2 {
		line = append(line, conn[i]+"="+conn[i+1])
	}
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), append(line, args...), &out, &errb)
	return clitest.Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// eventually completes args until the values offered are want
// (visibility lags behind the workflows).
func eventually(t *testing.T, s clitest.Starter, want []string, args ...string) completion {
	t.Helper()
	var (
		c    completion
		last clitest.Result
	)
	ok := assert.Eventually(t, func() bool {
		c, last = complete(t, s, args...)
		return assert.ObjectsAreEqual(want, c.values)
	}, time.Minute, 300*time.Millisecond, "complete %v: want %v", args, want)
	if !ok {
		t.Fatalf("complete %v: offered %v\n%s", args, c.values, last)
	}
	return c
}

// setUp starts the embedded server, the local endpoints and a worker,
// seeds 5 objects under each prefix and writes the plan of migration id
// (manual approval: its shards wait in AwaitingApproval).
func setUp(t *testing.T, id string, prefixes []string) (clitest.Starter, string) {
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, id+"-src", nil)
	env.OCIStore(t, id+"-dst", nil)
	clitest.Seed(t, src, prefixes, 5)
	clitest.StartWorker(t, tc)
	planPath, _ := clitest.WritePlan(t, env, dir, id, id+"-src", id+"-dst", prefixes)
	return clitest.NewStarter(t, srv), planPath
}

// TestCompletionOffersIdsFromTemporal starts a migration on the
// embedded server and completes, as the shell does through `starter
// __complete`: migration ids (the MigrationWorkflow only, not the
// pre-flight's workflow), shard ids and, after a "/", shard prefixes for
// SHARD and --shard of every command that takes them, files for PLANFILE;
// and nothing, without an error, when Temporal cannot be reached.
func TestCompletionOffersIdsFromTemporal(t *testing.T) {
	const id = "cli-complete"
	prefixes := []string{"users/0a/", "users/0b/"}
	s, planPath := setUp(t, id, prefixes)
	id0a, id0b := plan.ShardID(prefixes[0]), plan.ShardID(prefixes[1])
	s.OK("start", planPath)
	s.WaitFor(id, "every shard to await approval, as the migration knows", 2*time.Minute, func(v clitest.Status) bool {
		return v.AllReported(workflows.AwaitingApproval)
	})

	// Migration ids, for every command that takes MIGRATION_ID.
	for _, cmd := range []string{"status", "pause", "resume", "retry-shard", "approve", "rollback", "adopt", "cancel", "tune", "report"} {
		c := eventually(t, s, []string{id}, cmd, "")
		assert.Equal(t, ":4", c.directive, "no file completion")
		assert.Contains(t, c.lines[0], "\tRunning", "described by its state")
	}
	eventually(t, s, []string{id}, "pause", "cli-c")
	eventually(t, s, nil, "pause", "other")

	// Shard ids for SHARD and --shard; prefixes after a "/".
	ids := []string{id0a, id0b}
	for _, args := range [][]string{
		{"approve", id, ""}, {"retry-shard", id, ""}, {"rollback", id, ""}, {"adopt", id, ""},
		{"pause", id, "--shard", ""}, {"resume", id, "--shard", ""}, {"tune", id, "--shard", ""}, {"report", id, "--objects", "--shard", ""},
	} {
		c := eventually(t, s, ids, args...)
		assert.Contains(t, strings.Join(c.lines, "\n"), id0a+"\t"+prefixes[0]+" · AwaitingApproval", args)
	}
	eventually(t, s, []string{id0b}, "approve", id, id0b[:len("users-0b")])
	c := eventually(t, s, prefixes, "approve", id, "users/")
	assert.Contains(t, c.lines[0], "\t"+id0a+" · AwaitingApproval")
	eventually(t, s, prefixes[1:], "pause", id, "--shard", "users/0b")
	eventually(t, s, nil, "approve", id, id0a, "")
	eventually(t, s, nil, "approve", "no-such-migration", "")

	// Files for PLANFILE, text and json for -o.
	c, _ = complete(t, s, "start", "")
	assert.Equal(t, []string{"yaml", "yml", "json"}, c.values)
	assert.Equal(t, ":8", c.directive, "file extension filter")
	c, _ = complete(t, s, "status", id, "-o", "")
	assert.Equal(t, []string{"text", "json"}, c.values)

	// A server that takes every call and never answers it: completion
	// gives up on its own (the connect timeout here is an hour) and
	// offers nothing, without an error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	stuck := make(chan struct{})
	gs := grpc.NewServer(grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		<-stuck
		return nil
	}))
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(func() { close(stuck); gs.Stop() })
	for _, args := range [][]string{{"pause", ""}, {"approve", id, ""}, {"pause", id, "--shard", ""}} {
		done := make(chan clitest.Result, 1)
		go func() {
			done <- completeWith([]string{"--address", ln.Addr().String(), "--connect-timeout", "1h"}, args...)
		}()
		select {
		case r := <-done:
			assert.Equal(t, 0, r.Code, r.String())
			assert.Equal(t, ":4\n", r.Stdout, "nothing offered")
			assert.NotContains(t, r.Stderr, "starter:", r.String())
			assert.NotContains(t, r.Stderr, "rror", r.String())
		case <-time.After(2 * time.Minute):
			t.Fatalf("completion of %v hangs on a server that does not answer", args)
		}
	}
}

// TestEveryActionTakesOutputJSON runs every operator action, tune,
// cancel, plan, start and status with -o json against the embedded
// server and checks each document against its golden shape; refusals
// and bad input still go to stderr, with their exit codes, and leave
// stdout empty, except what tune applied before a refusal.
func TestEveryActionTakesOutputJSON(t *testing.T) {
	const id = "cli-json"
	prefixes := []string{"users/1a/", "users/1b/"}
	s, planPath := setUp(t, id, prefixes)
	id1a, id1b := plan.ShardID(prefixes[0]), plan.ShardID(prefixes[1])

	r := s.OK("plan", planPath, "-o", "json")
	clitest.CheckJSON(t, "plan", r.Stdout)
	r = s.OK("start", planPath, "-o", "json")
	clitest.CheckJSON(t, "start", r.Stdout)
	var started struct {
		Outcome, RunID, WorkflowID string
		Preflight                  struct{ Objects int64 }
	}
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &started))
	assert.Equal(t, "started", started.Outcome)
	assert.NotEmpty(t, started.RunID)
	assert.Equal(t, workflows.MigrationWorkflowID(id), started.WorkflowID)
	assert.Equal(t, int64(10), started.Preflight.Objects)
	r = s.OK("start", planPath, "-o", "json")
	clitest.CheckJSON(t, "start", r.Stdout)
	assert.Contains(t, r.Stdout, `"outcome": "already-running"`)
	s.WaitFor(id, "every shard to await approval, as the migration knows", 2*time.Minute, func(v clitest.Status) bool {
		return v.AllReported(workflows.AwaitingApproval)
	})
	r = s.OK("status", id, "-o", "json")
	clitest.CheckJSON(t, "status", r.Stdout)

	type update struct {
		Update, Target, ShardID, Prefix, State string
		Paused                                 bool
		ByState                                map[string]int
	}
	type action struct {
		Command, MigrationID, Actor, Reason string
		Updates                             []update
	}
	act := func(args ...string) action {
		t.Helper()
		r := s.OK(append(args, "-o", "json", "--as", "alice")...)
		clitest.CheckJSON(t, "action", r.Stdout)
		var a action
		require.NoError(t, json.Unmarshal([]byte(r.Stdout), &a), r.Stdout)
		assert.Equal(t, args[0], a.Command)
		assert.Equal(t, id, a.MigrationID)
		assert.Equal(t, "alice", a.Actor)
		return a
	}
	a := act("pause", id, "--reason", "hold")
	require.Len(t, a.Updates, 1)
	assert.Equal(t, update{Update: "pause", Target: "migration", State: "Paused", Paused: true, ByState: map[string]int{"AwaitingApproval": 2}}, a.Updates[0])
	assert.Equal(t, "hold", a.Reason)
	a = act("resume", id, "--reason", "go")
	assert.Equal(t, "Running", a.Updates[0].State)
	a = act("pause", id, "--shard", prefixes[0], "--reason", "hold one")
	assert.Equal(t, update{Update: "pause", Target: "shard", ShardID: id1a, Prefix: prefixes[0], State: "AwaitingApproval", Paused: true}, a.Updates[0])
	act("resume", id, "--shard", id1a, "--reason", "go on")
	a = act("tune", id, "--bytes-per-second", "100000000", "--requests-per-second", "100", "--batch-size", "20", "--reason", "night")
	require.Len(t, a.Updates, 2)
	assert.Equal(t, []string{"set-rate-limits", "set-batch-size"}, []string{a.Updates[0].Update, a.Updates[1].Update})

	// tune applies its changes one by one: the document lists the one
	// applied before the refusal, which goes to stderr with exit 1.
	r = s.Run("tune", id, "--batch-size", "30", "--window", "0", "--reason", "x", "-o", "json")
	assert.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Contains(t, r.Stderr, "window 0 is outside 1..1000")
	clitest.CheckJSON(t, "action", r.Stdout)
	assert.Contains(t, r.Stdout, `"update": "set-batch-size"`)
	assert.NotContains(t, r.Stdout, "set-window")

	// Refused and unknown: stderr and the exit code, nothing on stdout.
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"rollback", id, id1a}, cli.ExitFailed, "refused"},
		{[]string{"adopt", id, id1a}, cli.ExitFailed, "refused"},
		{[]string{"retry-shard", id, id1a}, cli.ExitFailed, "refused"},
		{[]string{"approve", id, "users/ff/"}, cli.ExitUsage, `has no shard "users/ff/"`},
		{[]string{"pause", "no-such", "--shard", id1a}, cli.ExitUsage, `no migration "no-such"`},
	} {
		r := s.Run(append(c.args, "--reason", "x", "-o", "json")...)
		assert.Equal(t, c.code, r.Code, r.String())
		assert.Contains(t, r.Stderr, c.want, c.args)
		assert.Empty(t, r.Stdout, c.args)
	}

	a = act("approve", id, id1b, "--reason", "CHG-2")
	assert.Equal(t, "shard", a.Updates[0].Target)
	assert.Equal(t, id1b, a.Updates[0].ShardID)

	r = s.OK("cancel", id, "--reason", "end of test", "-o", "json")
	clitest.CheckJSON(t, "cancel", r.Stdout)
	assert.Contains(t, r.Stdout, `"requested": true`)
	s.WaitFor(id, "the migration to be cancelled", time.Minute, func(v clitest.Status) bool { return v.WorkflowStatus == "Canceled" })
	r = s.Run("cancel", id, "--reason", "again", "-o", "json")
	assert.Equal(t, cli.ExitFailed, r.Code, r.String())
	assert.Empty(t, r.Stdout)
}
