package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/webhook"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// logBuffer collects log lines from every goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// webhookPlan is a plan for the local endpoints whose routing target is a
// webhook, its URL and HMAC key given by reference to the environment.
func webhookPlan(env *testenv.Env, id, src, dst string, prefixes []string, urlVar, keyVar string) *plan.Plan {
	p := localPlan(env, id, src, dst, prefixes)
	p.Cutover.Target = plan.Target{Settings: &webhook.Settings{URLRef: plan.SecretRef("env:" + urlVar), SecretRef: plan.SecretRef("env:" + keyVar)}}
	return p
}

// textOf returns the protojson text of m with every payload's data
// decoded: what a person reading the history would see.
func textOf(t *testing.T, m proto.Message) string {
	t.Helper()
	raw, err := protojson.Marshal(m)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	var sb strings.Builder
	sb.Write(raw)
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "data" {
					if b, err := base64.StdEncoding.DecodeString(s); err == nil {
						sb.WriteString("\n")
						sb.Write(b)
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return sb.String()
}

// historyText returns the whole history of a workflow as text, payloads
// decoded.
func historyText(t *testing.T, c client.Client, workflowID string) string {
	t.Helper()
	var sb strings.Builder
	it := c.GetWorkflowHistory(context.Background(), workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		sb.WriteString(textOf(t, ev))
		sb.WriteString("\n")
	}
	return sb.String()
}

// TestSecretsOfRoutingTargetNeverLeak runs two migrations on the embedded
// Temporal server whose webhook routing targets hold secrets in their URLs
// (user info, path and query) and use an HMAC key: one target answers every
// call with an error (the shard fails at once), the other is unreachable
// (the route registration keeps failing and retrying). Neither secret may
// appear in the workflow histories (every event, payloads decoded), the
// workflows' pending activity failures, the shards' status (LastError), the
// migration's status, or the worker's logs; the errors name the target by
// scheme and host.
func TestSecretsOfRoutingTargetNeverLeak(t *testing.T) {
	dir := t.TempDir()
	srv, _ := clitest.StartTemporal(t, dir)

	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	prev := slog.Default()
	slog.SetDefault(logger)
	t.Cleanup(func() { slog.SetDefault(prev) })
	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: srv.Namespace(), Logger: tlog.NewStructuredLogger(logger)})
	require.NoError(t, err)
	t.Cleanup(c.Close)

	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "sec-src", nil)
	env.OCIStore(t, "sec-dst-fail", nil)
	env.OCIStore(t, "sec-dst-dead", nil)
	seedShards(t, src, []string{"users/0f/", "users/0d/"}, 3, nil)

	secrets := []string{"userinfo-s3cr3t-A", "path-s3cr3t-A", "query-s3cr3t-A", "userinfo-s3cr3t-B", "path-s3cr3t-B", "query-s3cr3t-B", "hmac-s3cr3t-C"}
	// The failing target refuses every call as a malformed change, a
	// permanent error: the shard fails on its first registration.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"this endpoint takes no route changes"}`))
	}))
	t.Cleanup(failing.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	t.Setenv("OCIMOVE_E2E_HOOK_FAILING", strings.Replace(failing.URL, "http://", "http://ops:userinfo-s3cr3t-A@", 1)+
		"/hooks/path-s3cr3t-A/routes?token=query-s3cr3t-A")
	t.Setenv("OCIMOVE_E2E_HOOK_DEAD", "http://ops:userinfo-s3cr3t-B@"+ln.Addr().String()+"/hooks/path-s3cr3t-B/routes?token=query-s3cr3t-B")
	t.Setenv("OCIMOVE_E2E_HOOK_KEY", "hmac-s3cr3t-C")

	pf, _ := writePlan(t, webhookPlan(env, "e2e-sec-fail", "sec-src", "sec-dst-fail", []string{"users/0f/"}, "OCIMOVE_E2E_HOOK_FAILING", "OCIMOVE_E2E_HOOK_KEY"), filepath.Join(dir))
	deadDir := filepath.Join(dir, "dead")
	require.NoError(t, os.MkdirAll(deadDir, 0o700))
	pd, _ := writePlan(t, webhookPlan(env, "e2e-sec-dead", "sec-src", "sec-dst-dead", []string{"users/0d/"}, "OCIMOVE_E2E_HOOK_DEAD", "OCIMOVE_E2E_HOOK_KEY"), deadDir)
	const queue = "ocimove-secrets"
	startWorker(t, c, queue, pf, pd)
	startMigration(t, c, queue, pf)
	startMigration(t, c, queue, pd)

	ctx := context.Background()
	shardOf := func(p *plan.Plan) string {
		shards, err := p.ShardList()
		require.NoError(t, err)
		require.Len(t, shards, 1)
		return shards[0].ID
	}
	failID, deadID := shardOf(pf), shardOf(pd)

	var failed workflows.ShardStatus
	eventually(t, 3*time.Minute, "the shard of the failing target to fail", func() (bool, string) {
		st, err := shardStatus(ctx, c, pf.ID, failID)
		if err != nil {
			return false, err.Error()
		}
		failed = st
		return st.State == workflows.Failed, string(st.State)
	})
	require.NotEmpty(t, failed.LastError)
	assert.Contains(t, failed.LastError, "http://127.0.0.1:", "the error names the target by scheme and host: %s", failed.LastError)

	var deadFailure string
	eventually(t, 3*time.Minute, "the registration at the unreachable target to fail and retry", func() (bool, string) {
		d, err := c.DescribeWorkflowExecution(ctx, workflows.ShardWorkflowID(pd.ID, deadID), "")
		if err != nil {
			return false, err.Error()
		}
		for _, pa := range d.GetPendingActivities() {
			if pa.GetAttempt() >= 2 && pa.GetLastFailure() != nil {
				deadFailure = textOf(t, d)
				return true, pa.GetLastFailure().GetMessage()
			}
		}
		return false, fmt.Sprintf("%d pending activities", len(d.GetPendingActivities()))
	})
	assert.Contains(t, deadFailure, dead, "the retried failure names the target by scheme and host")

	seen := map[string]string{
		"shard status (failing target)":  fmt.Sprintf("%+v", failed),
		"pending activity (unreachable)": deadFailure,
	}
	for _, p := range []*plan.Plan{pf, pd} {
		v, err := c.QueryWorkflow(ctx, workflows.MigrationWorkflowID(p.ID), "", workflows.MigrationStatusQuery)
		require.NoError(t, err)
		var st any
		require.NoError(t, v.Get(&st))
		b, _ := json.Marshal(st)
		seen["migration status "+p.ID] = string(b)
		seen["history "+workflows.MigrationWorkflowID(p.ID)] = historyText(t, c, workflows.MigrationWorkflowID(p.ID))
	}
	seen["history shard (failing target)"] = historyText(t, c, workflows.ShardWorkflowID(pf.ID, failID))
	seen["history shard (unreachable)"] = historyText(t, c, workflows.ShardWorkflowID(pd.ID, deadID))
	st, err := shardStatus(ctx, c, pd.ID, deadID)
	require.NoError(t, err)
	seen["shard status (unreachable)"] = fmt.Sprintf("%+v", st)
	seen["worker log"] = logs.String()
	require.Contains(t, seen["worker log"], "routing webhook retry", "the worker's logs are captured")
	require.Contains(t, seen["history shard (failing target)"], "HTTP 400", "the failure is in the history")

	for where, text := range seen {
		for _, s := range secrets {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("%s shows the secret %q: …%s…", where, s, text[max(0, i-120):min(len(text), i+len(s)+40)])
			}
		}
	}
	_ = c.TerminateWorkflow(ctx, workflows.MigrationWorkflowID(pd.ID), "", "test over")
	_ = c.TerminateWorkflow(ctx, workflows.MigrationWorkflowID(pf.ID), "", "test over")
}
