package devserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/internal/local/devserver"
)

// childEnv, when set to a database path, makes the test binary run as a
// standalone devserver process (see TestMain) instead of running tests.
const childEnv = "DEVSERVER_TEST_CHILD_DB"

// TestMain lets the test binary double as a server process, so the tests can
// stop, kill and restart the server the way the demo and chaos tests do,
// without building cmd/devserver first.
func TestMain(m *testing.M) {
	if db := os.Getenv(childEnv); db != "" {
		os.Exit(runChild(db))
	}
	os.Exit(m.Run())
}

// runChild serves db until SIGTERM, printing READY <address> when ready.
func runChild(db string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	srv, err := devserver.Start(ctx, devserver.Config{DBPath: db, LogFile: db + ".log"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	fmt.Printf("READY %s\n", srv.Address())
	<-ctx.Done()
	if err := srv.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// serverProcess is a devserver running as a child process.
type serverProcess struct {
	cmd  *exec.Cmd
	addr string
	done chan error
}

// startServerProcess runs the test binary as a server on db and waits for
// its READY line.
func startServerProcess(t *testing.T, db string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+db)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	p := &serverProcess{cmd: cmd, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- addr
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})

	select {
	case p.addr = <-ready:
		return p
	case err := <-p.done:
		t.Fatalf("server process exited before READY: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("server process not READY within 90s")
	}
	return nil
}

// stop sends sig and waits for the process to exit.
func (p *serverProcess) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
	select {
	case err := <-p.done:
		if sig == syscall.SIGTERM {
			require.NoError(t, err, "server process should exit cleanly on SIGTERM")
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("server process did not exit within 60s of %v", sig)
	}
}

// quietLogger keeps the SDK's info lines out of the test output.
func quietLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// dial connects a client to addr in the default namespace.
func dial(t *testing.T, addr string) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: devserver.DefaultNamespace, Logger: quietLogger()})
	require.NoError(t, err)
	return c
}

// Search attribute keys as the workflows below use them.
var (
	shardStateKey  = temporal.NewSearchAttributeKeyKeyword(devserver.SAShardState)
	migrationIDKey = temporal.NewSearchAttributeKeyKeyword(devserver.SAMigrationID)
	shardPrefixKey = temporal.NewSearchAttributeKeyKeyword(devserver.SAShardPrefix)
)

// finishSignal releases a copyingWorkflow.
const finishSignal = "finish"

// copyingWorkflow upserts ShardState=Copying, waits for finishSignal, then
// upserts ShardState=CutOver and returns its prefix.
func copyingWorkflow(ctx workflow.Context, migrationID, prefix string) (string, error) {
	err := workflow.UpsertTypedSearchAttributes(ctx,
		migrationIDKey.ValueSet(migrationID),
		shardPrefixKey.ValueSet(prefix),
		shardStateKey.ValueSet("Copying"))
	if err != nil {
		return "", err
	}
	workflow.GetSignalChannel(ctx, finishSignal).Receive(ctx, nil)
	if err := workflow.UpsertTypedSearchAttributes(ctx, shardStateKey.ValueSet("CutOver")); err != nil {
		return "", err
	}
	return prefix, nil
}

// listIDs polls visibility with query until it returns exactly want (as a
// set of workflow IDs), or fails after a bounded wait: visibility on SQLite is
// written asynchronously after the workflow's own transaction.
func listIDs(t *testing.T, c client.Client, query string, want ...string) {
	t.Helper()
	var got []string
	require.Eventuallyf(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Logf("ListWorkflow %q: %v", query, err)
			return false
		}
		got = got[:0]
		for _, e := range resp.GetExecutions() {
			got = append(got, e.GetExecution().GetWorkflowId())
		}
		return sameSet(got, want)
	}, 30*time.Second, 200*time.Millisecond, "query %q: want %v, last got %v", query, want, &got)
}

// sameSet reports whether a and b hold the same strings, ignoring order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[string]int, len(a))
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
		if seen[s] < 0 {
			return false
		}
	}
	return true
}

// tempDB returns a database path in a fresh temporary directory, or in
// $DEVSERVER_TEST_KEEP when set, to keep the database and the server log
// (<db>.log) for a look after the test.
func tempDB(t *testing.T) string {
	if d := os.Getenv("DEVSERVER_TEST_KEEP"); d != "" {
		return filepath.Join(d, "temporal.db")
	}
	return filepath.Join(t.TempDir(), "temporal.db")
}
