package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// get fetches url and returns its status and body.
func get(url string) (int, string, error) {
	res, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// TestWorkerServesMetricsHealthAndReadiness runs the worker as a separate
// process during a migration and scrapes it: /healthz answers, /readyz is
// ready once the worker polls, and /metrics carries the engine's counters
// (with throttling injected at the source), the limits, the lifecycle from
// Temporal and the Temporal SDK's own metrics; promtool finds the scrape
// clean.
func TestWorkerServesMetricsHealthAndReadiness(t *testing.T) {
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "metrics-src", nil)
	env.OCIStore(t, "metrics-dst", nil)
	prefixes := []string{"users/0m/", "users/0n/"}
	seedShards(t, src, prefixes, 60, nil)
	p := localPlan(env, "e2e-metrics", "metrics-src", "metrics-dst", prefixes)
	p.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, "routes.json")}}
	p.Limits.BytesPerSecond = 64 << 20
	p, _ = writePlan(t, p, dir)
	planJSON, err := p.CanonicalJSON()
	require.NoError(t, err)
	env.S3.Faults().Set(faults.Rule{Op: "get", Status: 503, Rate: 0.1})

	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	worker := buildBinary(t, "cmd/worker")
	args := []string{"--address", srv.Address(), "--task-queue", "ocimove-metrics", "--http-addr", addr, "--log-level", "warn"}
	wenv := []string{"AWS_ACCESS_KEY_ID=" + testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY=" + testenv.S3SecretKey,
		"AWS_REGION=" + testenv.S3Region, "AWS_EC2_METADATA_DISABLED=true"}
	startProc(t, worker, args, wenv, filepath.Join(dir, "worker.log"))

	code, body, err := get("http://" + addr + "/healthz")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code, body)
	code, _, err = get("http://" + addr + "/readyz")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code, "ready once it polls")

	shards, err := p.ShardList()
	require.NoError(t, err)
	_, err = tc.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: workflows.MigrationWorkflowID(p.ID), TaskQueue: "ocimove-metrics"},
		workflows.MigrationWorkflow, workflows.MigrationInput{MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), PlanJSON: planJSON,
			Shards: shards, Window: p.EffectiveWindow(), Settings: workflows.SettingsFromPlan(p, time.Now())})
	require.NoError(t, err)

	var scrape string
	eventually(t, 3*time.Minute, "every shard to be cut over and the metrics to show it", func() (bool, string) {
		_, scrape, err = get("http://" + addr + "/metrics")
		if err != nil {
			return false, err.Error()
		}
		return strings.Contains(scrape, `ocimove_shards{migration="e2e-metrics",state="Soaking"} 2`), "no two shards Soaking yet"
	})
	for _, want := range []string{
		`ocimove_objects_total{migration="e2e-metrics",outcome="copied",shard="` + shards[0].ID + `"}`,
		`ocimove_written_bytes_total{migration="e2e-metrics"`,
		`ocimove_verified_objects_total{migration="e2e-metrics"`,
		`ocimove_store_throttled_total{migration=`,
		`ocimove_activity_duration_seconds_bucket{activity="CopyBatch"`,
		`ocimove_rate_limit_bytes_per_second{migration="e2e-metrics",shard=""} 6.7108864e+07`,
		`ocimove_lifecycle_up 1`,
		`ocimove_migration_progress_ratio{migration="e2e-metrics"}`,
		`ocimove_shard_state{migration="e2e-metrics",prefix="users/0m/",shard="` + shards[0].ID + `",state="Soaking",waiting="0"} 1`,
		`temporal_activity_schedule_to_start_latency`,
		`temporal_worker_task_slots_available`,
	} {
		assert.Contains(t, scrape, want)
	}
	assert.NotContains(t, scrape, "users/0m/user-", "no object key is a label")
	if t.Failed() {
		t.Logf("scrape:\n%s", scrape)
	}

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if requireAll() {
			t.Fatal("promtool is not installed (apt-get install prometheus); scripts/test installs it")
		}
		t.Skip("promtool is not installed")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape)
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "promtool check metrics:\n%s", out)
	if len(out) > 0 {
		t.Logf("promtool check metrics:\n%s", out)
		_ = os.WriteFile(filepath.Join(dir, "scrape.txt"), []byte(scrape), 0o644)
	}
}
