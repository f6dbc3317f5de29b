package devserver_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/ocimove/ocimove/internal/local/devserver"
)

// TestStartInMemory starts an in-process, in-memory server in a custom
// namespace and checks the namespace, the search attributes and a workflow
// that upserts them; then exercises RegisterSearchAttributes on namespaces
// with none, and with a conflicting type.
func TestStartInMemory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	logFile := filepath.Join(t.TempDir(), "server.log")
	srv, err := devserver.Start(ctx, devserver.Config{Namespace: "ocimove-test", LogFile: logFile})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	require.Equal(t, "ocimove-test", srv.Namespace())
	host, port, err := net.SplitHostPort(srv.Address())
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", host)
	require.NotEqual(t, "0", port)

	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: srv.Namespace(), Logger: quietLogger()})
	require.NoError(t, err)

	requireSearchAttributes(ctx, t, c, srv.Namespace())
	// Registering again changes nothing and succeeds.
	require.NoError(t, devserver.RegisterSearchAttributes(ctx, c, srv.Namespace()))
	requireSearchAttributes(ctx, t, c, srv.Namespace())

	// A workflow can upsert them at once, and visibility finds it by them.
	w := worker.New(c, "in-memory", worker.Options{})
	w.RegisterWorkflow(copyingWorkflow)
	require.NoError(t, w.Start())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "shard-1", TaskQueue: "in-memory"}, copyingWorkflow, "mig-2", "x/")
	require.NoError(t, err)
	listIDs(t, c, `ShardState = "Copying" AND ShardPrefix = "x/"`, "shard-1")
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", finishSignal, nil))
	require.NoError(t, run.Get(ctx, nil))
	listIDs(t, c, `ShardState = "CutOver" AND MigrationID = "mig-2"`, "shard-1")

	// A namespace made without them (as on a fresh real cluster) gets them.
	nc, err := client.NewNamespaceClient(client.Options{HostPort: srv.Address(), Logger: quietLogger()})
	require.NoError(t, err)
	register := func(name string) {
		require.NoError(t, nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        name,
			WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
		}))
		// The new namespace reaches the server's namespace caches within seconds.
		require.Eventually(t, func() bool {
			_, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: name})
			return err == nil
		}, 30*time.Second, 200*time.Millisecond, "namespace %s never became usable", name)
	}
	register("bare")
	require.NoError(t, devserver.RegisterSearchAttributes(ctx, c, "bare"))
	requireSearchAttributes(ctx, t, c, "bare")

	// One already there with another type is reported, not changed.
	register("conflict")
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        "conflict",
		SearchAttributes: map[string]enums.IndexedValueType{devserver.SAShardPrefix: enums.INDEXED_VALUE_TYPE_TEXT},
	})
	require.NoError(t, err)
	err = devserver.RegisterSearchAttributes(ctx, c, "conflict")
	require.Error(t, err)
	require.ErrorContains(t, err, `"ShardPrefix" exists with type Text`)
	got, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "conflict"})
	require.NoError(t, err)
	require.Equal(t, enums.INDEXED_VALUE_TYPE_TEXT, got.GetCustomAttributes()[devserver.SAShardPrefix])

	require.Error(t, devserver.RegisterSearchAttributes(ctx, c, ""), "an empty namespace is rejected")

	// Stop is idempotent, and the log went to the file, not the test output.
	w.Stop()
	nc.Close()
	c.Close()
	require.NoError(t, srv.Stop())
	require.NoError(t, srv.Stop())
	logged, err := os.ReadFile(logFile)
	require.NoError(t, err)
	require.NotEmpty(t, logged, "the server logged nothing at warn level, not even its shutdown")
}

// requireSearchAttributes checks every product attribute is in namespace
// with its type.
func requireSearchAttributes(ctx context.Context, t *testing.T, c client.Client, namespace string) {
	t.Helper()
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	require.NoError(t, err)
	for name, typ := range devserver.SearchAttributes {
		assert.Equal(t, typ, resp.GetCustomAttributes()[name], "search attribute %s in %s", name, namespace)
	}
}

// TestStartRejectsBadConfig checks each bad field is named in the error and
// nothing starts.
func TestStartRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		cfg  devserver.Config
		want string
	}{
		"host":       {devserver.Config{Host: "no-such-host"}, "Host"},
		"ipv6 host":  {devserver.Config{Host: "::1"}, "IPv4"},
		"port":       {devserver.Config{Port: 70000}, "Port 70000"},
		"negative":   {devserver.Config{Port: -1}, "Port -1"},
		"metrics":    {devserver.Config{MetricsPort: -5}, "MetricsPort"},
		"log level":  {devserver.Config{LogLevel: "loud"}, `LogLevel "loud"`},
		"db dir":     {devserver.Config{DBPath: filepath.Join(dir, "missing", "t.db")}, "does not exist"},
		"db is dir":  {devserver.Config{DBPath: dir}, "is a directory"},
		"log file":   {devserver.Config{LogFile: filepath.Join(dir, "missing", "x.log")}, "LogFile"},
		"two errors": {devserver.Config{Port: -1, LogLevel: "loud"}, "LogLevel"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, err := devserver.Start(context.Background(), tc.cfg)
			require.Error(t, err)
			require.Nil(t, srv)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestStartRejectsPortInUse checks a taken frontend port is reported as such.
func TestStartRejectsPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = devserver.Start(context.Background(), devserver.Config{Port: port, LogLevel: "off"})
	require.Error(t, err)
	require.ErrorContains(t, err, "Port "+strconv.Itoa(port))
}
