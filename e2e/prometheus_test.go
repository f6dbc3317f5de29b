package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/dashboards"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/promapi"
	"github.com/ocimove/ocimove/internal/promapi/promtest"
	"github.com/ocimove/ocimove/internal/promplot"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// TestPrometheusScrapesAMigrationForTheDashboardAndAlerts runs a real
// Prometheus (Debian's binary) with the shipped configuration's worker job
// and alert rules, scraping two worker processes during a real migration on
// the embedded Temporal server and the local endpoints, with faults
// injected: throttling and dropped connections at the source, objects
// whose source refuses to be read, and a shard whose every copy reads back
// corrupted at the destination until it fails. One worker is killed
// mid-run and started again. Then:
//   - the dashboard's "Shards by state" equals the shards' states in
//     Temporal, through both workers and after the restart (and summing
//     the workers' series would have doubled it);
//   - every expression of the dashboard and of the rules parses, every rule
//     evaluates without error, and the checksum mismatch alert fires;
//   - every query of every panel returns data over the run;
//   - the variables' label values list the migration and its shards;
//   - the progress panels are drawn as a PNG (docs/img when
//     OCIMOVE_WRITE_DASHBOARD_PNG names a file).
func TestPrometheusScrapesAMigrationForTheDashboardAndAlerts(t *testing.T) {
	promtest.Binary(t, "prometheus")
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "prom-src", nil)
	env.OCIStore(t, "prom-dst", nil)
	// copied goes through to its cutover; partial has objects its source
	// refuses; corrupt reads back corrupted at the destination, and fails
	// after its re-copies.
	const copied, partial, corrupt = "users/0p/", "users/0q/", "users/0r/"
	prefixes := []string{copied, partial, corrupt}
	sizes := seedShards(t, src, prefixes, 300, map[string]bool{copied: true})
	var estimate workflows.Estimate
	for _, n := range sizes {
		estimate.Objects++
		estimate.Bytes += n
	}

	p := localPlan(env, "e2e-prom", "prom-src", "prom-dst", prefixes)
	batch, window := 50, 2
	p.BatchSize, p.Window = &batch, &window
	p.Verification = plan.Verification{Mode: plan.VerifyFull}
	// Slow enough that copying the large object spans several lifecycle
	// refreshes (progress, ETA) and a worker's restart.
	p.Limits.BytesPerSecond = 512 << 10
	// A freeze longer than the lifecycle's refresh, so that it shows.
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(25 * time.Second), MaxDuration: plan.Duration(5 * time.Minute)}
	p.Cutover = plan.Cutover{Target: plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, "routes.json")}}, Approval: plan.ApprovalManual}
	p, _ = writePlan(t, p, dir)
	planJSON, err := p.CanonicalJSON()
	require.NoError(t, err)
	shards, err := p.ShardList()
	require.NoError(t, err)
	shardOf := map[string]string{}
	for _, s := range shards {
		shardOf[s.Prefix] = s.ID
	}

	env.S3.Faults().Set(
		faults.Rule{Op: "get", KeyPrefix: partial + "user-0001", Status: 403},
		faults.Rule{Op: "get", KeyPrefix: copied + "user-00042/avatar-original.bin", DropAfter: 1 << 20, Count: 2},
		faults.Rule{Op: "get", Status: 503, Rate: 0.05, Count: 20},
	)
	env.OCI.Faults().Set(faults.Rule{Op: "get", KeyPrefix: corrupt, FlipBit: 100})

	// Two workers, each with its /metrics; Prometheus scrapes both.
	const queue = "ocimove-prom"
	addrs := []string{fmt.Sprintf("127.0.0.1:%d", freePort(t)), fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	bin := buildBinary(t, "cmd/worker")
	wenv := []string{"AWS_ACCESS_KEY_ID=" + testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY=" + testenv.S3SecretKey,
		"AWS_REGION=" + testenv.S3Region, "AWS_EC2_METADATA_DISABLED=true"}
	args := func(addr string) []string {
		return []string{"--address", srv.Address(), "--task-queue", queue, "--http-addr", addr,
			"--max-activities", "4", "--concurrency", "8", "--part-size", fmt.Sprint(e2ePartSize), "--pool-bytes", fmt.Sprint(128 << 20),
			"--log-level", "warn"}
	}
	workers := make([]*proc, len(addrs))
	for i, a := range addrs {
		workers[i] = startProc(t, bin, args(a), wenv, filepath.Join(dir, fmt.Sprintf("worker-%d.log", i)))
	}
	prom := promtest.Start(t, prometheusConfig(t, addrs))
	pc := prom.Client
	start := time.Now()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prometheus log:\n%s", prom.Log())
		}
	})

	ctx := context.Background()
	_, err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.MigrationWorkflowID(p.ID), TaskQueue: queue},
		workflows.MigrationWorkflow, workflows.MigrationInput{MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), PlanJSON: planJSON,
			Shards: shards, Window: p.EffectiveWindow(), Settings: workflows.SettingsFromPlan(p, time.Now()), Estimate: estimate})
	require.NoError(t, err)

	targets := dashboardTargets(t)
	byState := panelQuery(t, targets, "Shards by state")
	dashboardStates := func(ctx context.Context) (map[string]float64, error) {
		s, err := pc.Query(ctx, dashboards.Expand(byState.Expr, valuesFor(p.ID, start)), time.Now())
		return byLabel(s, "state"), err
	}
	// statesAgree waits until the dashboard's shards by state (and, when
	// instance is set, that one worker's own series) equal Temporal's.
	statesAgree := func(what, instance string) map[string]float64 {
		t.Helper()
		var truth map[string]float64
		promtest.Eventually(t, 2*time.Minute, what, func(ctx context.Context) (bool, string) {
			var err error
			if truth, err = statesFromTemporal(ctx, tc, p); err != nil {
				return false, err.Error()
			}
			shown, err := dashboardStates(ctx)
			if err != nil {
				return false, err.Error()
			}
			state := fmt.Sprintf("temporal %s, dashboard %s", formatCounts(truth), formatCounts(shown))
			if !sameCounts(truth, shown) {
				return false, state
			}
			if instance == "" {
				return true, state
			}
			own, err := pc.Query(ctx, fmt.Sprintf(`ocimove_shards{migration=%q, instance=%q} > 0`, p.ID, instance), time.Now())
			if err != nil {
				return false, err.Error()
			}
			mine := byLabel(own, "state")
			return sameCounts(truth, mine), state + fmt.Sprintf(", worker %s %s", instance, formatCounts(mine))
		})
		t.Logf("%s: %s", what, formatCounts(truth))
		return truth
	}

	// Mid-run: kill one worker while the large object's shard copies, let
	// Prometheus see it down, start it again.
	eventually(t, 3*time.Minute, "copying to be under way", func() (bool, string) {
		done, err := objectsDone(ctx, tc, p.ID, shards)
		if err != nil {
			return false, err.Error()
		}
		st, err := shardStatus(ctx, tc, p.ID, shardOf[copied])
		if err != nil {
			return false, err.Error()
		}
		return done >= 100 && st.State == workflows.Copying, fmt.Sprintf("%d objects done, %s %s", done, copied, st.State)
	})
	workers[0].kill()
	promtest.Eventually(t, time.Minute, "Prometheus to see the killed worker down", func(ctx context.Context) (bool, string) {
		s, err := pc.Query(ctx, fmt.Sprintf(`up{job=%q, instance=%q} == 0`, dashboards.WorkerJob, addrs[0]), time.Now())
		return err == nil && len(s) == 1, fmt.Sprint(s, err)
	})
	workers[0] = startProc(t, bin, args(addrs[0]), wenv, filepath.Join(dir, "worker-0.log"))
	statesAgree("shards by state after the restart, on the restarted worker", addrs[0])

	// The end of copying: the copied and partial shards wait for approval,
	// the corrupt one has failed.
	promtest.Eventually(t, 4*time.Minute, "two shards awaiting approval and one failed", func(ctx context.Context) (bool, string) {
		truth, err := statesFromTemporal(ctx, tc, p)
		if err != nil {
			return false, err.Error()
		}
		return truth["AwaitingApproval"] == 2 && truth["Failed"] == 1, formatCounts(truth)
	})
	statesAgree("shards by state with two awaiting approval and one failed", addrs[1])

	// Approve one: it freezes (read-only for the drain wait), cuts over and
	// soaks.
	h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.ShardWorkflowID(p.ID, shardOf[copied]), UpdateName: workflows.UpdateApprove,
		Args: []any{workflows.OperatorRequest{Actor: "sre", Reason: "dashboard test"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	require.NoError(t, h.Get(ctx, nil))
	promtest.Eventually(t, 3*time.Minute, "the approved shard to soak", func(ctx context.Context) (bool, string) {
		st, err := shardStatus(ctx, tc, p.ID, shardOf[copied])
		if err != nil {
			return false, err.Error()
		}
		return st.State == workflows.Soaking, string(st.State)
	})
	end := statesAgree("shards by state after a cutover", "")
	assert.Equal(t, map[string]float64{"Soaking": 1, "AwaitingApproval": 1, "Failed": 1}, end)

	// Every worker exports the lifecycle: summed, it would count each
	// shard once per worker.
	sum, err := pc.Query(ctx, fmt.Sprintf(`sum(ocimove_shards{migration=%q})`, p.ID), time.Now())
	require.NoError(t, err)
	require.Len(t, sum, 1)
	assert.Equal(t, float64(2*len(shards)), sum[0].Points[0].V, "both workers export every shard")

	// The Shards table's "last error": the corrupt shard's class, and none
	// for the shard that cut over.
	lastErr, err := pc.Query(ctx, fmt.Sprintf(`max without(instance) (ocimove_shard_last_error{migration=%q})`, p.ID), time.Now())
	require.NoError(t, err)
	classes := map[string]string{}
	for _, s := range lastErr {
		classes[s.Labels["shard"]] = fmt.Sprintf("%s=%g", s.Labels["class"], s.Points[0].V)
	}
	assert.Equal(t, "ChecksumMismatch=1", classes[shardOf[corrupt]], "the failed shard's last error class: %v", classes)
	assert.Equal(t, "none=0", classes[shardOf[copied]], "the cut-over shard has no last error: %v", classes)

	checkRules(t, pc, p.ID)
	checkPanels(t, pc, targets, p.ID, start)
	checkVariables(t, pc, p.ID, shards)
	drawProgress(t, pc, p.ID, start, dir, end)
}

// checkRules runs every alert rule's expression (it parses), waits until
// Prometheus has evaluated every rule without error, and until the
// checksum mismatch the destination's flipped bits caused fires.
func checkRules(t *testing.T, pc promapi.Client, migration string) {
	t.Helper()
	ctx := context.Background()
	rules := alertRules(t)
	for name, expr := range rules {
		_, err := pc.Query(ctx, expr, time.Now())
		assert.NoError(t, err, "alert %s: %s", name, expr)
	}
	promtest.Eventually(t, time.Minute, "every rule evaluated without error and the mismatch alert firing", func(ctx context.Context) (bool, string) {
		loaded, err := pc.Rules(ctx)
		if err != nil {
			return false, err.Error()
		}
		state := map[string]string{}
		for _, r := range loaded {
			state[r.Name] = r.Health + "/" + r.State
			if r.Health == "err" {
				t.Errorf("alert %s does not evaluate: %s", r.Name, r.LastError)
			}
			if r.Health != "ok" {
				return false, fmt.Sprint(state)
			}
		}
		return len(state) == len(rules) && state["OcimoveChecksumMismatch"] == "ok/firing", fmt.Sprint(state)
	})
	alerts, err := pc.Query(ctx, `ALERTS{alertname="OcimoveChecksumMismatch", alertstate="firing"}`, time.Now())
	require.NoError(t, err)
	require.NotEmpty(t, alerts)
	assert.Equal(t, migration, alerts[0].Labels["migration"])
	assert.Equal(t, "verify", alerts[0].Labels["stage"], "the flipped bits are found by the full verification")
	for _, quiet := range []string{"OcimoveShardReadOnlyTooLong", "OcimoveUnfreezeFailing", "OcimoveNoWorkers", "OcimoveLifecycleUnknown"} {
		s, err := pc.Query(ctx, fmt.Sprintf(`ALERTS{alertname=%q}`, quiet), time.Now())
		require.NoError(t, err)
		assert.Empty(t, s, "%s is not pending or firing", quiet)
	}
}

// checkPanels runs every query of every panel over the run, as Grafana
// would for the migration: each parses and returns data (the stores'
// throttling and retries included: the workers' stores report to the
// metrics).
func checkPanels(t *testing.T, pc promapi.Client, targets []dashboards.Target, migration string, start time.Time) {
	t.Helper()
	ctx := context.Background()
	end := time.Now()
	v := valuesFor(migration, start)
	for _, q := range targets {
		expr := dashboards.Expand(q.Expr, v)
		var res []promapi.Series
		var err error
		if q.Instant {
			res, err = pc.Query(ctx, expr, end)
		} else {
			res, err = pc.QueryRange(ctx, expr, start, end, promScrapeInterval)
		}
		if !assert.NoError(t, err, "panel %q query %s: %s", q.Panel, q.RefID, expr) {
			continue
		}
		if len(res) > 0 {
			continue
		}
		t.Errorf("panel %q query %s returned no data over the run: %s", q.Panel, q.RefID, expr)
	}
}

// checkVariables runs the dashboard's variables as Grafana does
// (label_values(selector, label)): the migration, and its started shards.
func checkVariables(t *testing.T, pc promapi.Client, migration string, shards []plan.Shard) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "dashboards", dashboards.MigrationsFile))
	require.NoError(t, err)
	vars, err := dashboards.Variables(data)
	require.NoError(t, err)
	re := regexp.MustCompile(`^label_values\((.+), *([a-z_]+)\)$`)
	got := map[string][]string{}
	for _, v := range vars {
		m := re.FindStringSubmatch(v.Query)
		require.NotNil(t, m, "variable %s: %s", v.Name, v.Query)
		sel := dashboards.Expand(m[1], dashboards.Values{Migration: regexp.QuoteMeta(migration), Shard: ".*"})
		got[v.Name], err = pc.LabelValues(context.Background(), m[2], sel)
		require.NoError(t, err, "variable %s", v.Name)
	}
	assert.Equal(t, []string{migration}, got["migration"])
	var ids []string
	for _, s := range shards {
		ids = append(ids, s.ID)
	}
	assert.ElementsMatch(t, ids, got["shard"])
}

// drawProgress renders the progress panels of the run as a PNG, in the
// test's directory or where OCIMOVE_WRITE_DASHBOARD_PNG says, once the
// figure's last ten seconds of shards by state are Temporal's states.
func drawProgress(t *testing.T, pc promapi.Client, migration string, start time.Time, dir string, states map[string]float64) {
	t.Helper()
	var fig promplot.Figure
	promtest.Eventually(t, time.Minute, "the figure to end with the shards' states", func(ctx context.Context) (bool, string) {
		var err error
		fig, err = promplot.Progress(ctx, pc, valuesFor(migration, start), start, time.Now(), promScrapeInterval,
			"ocimove: migration "+migration+" (3 shards, one failing verification; Prometheus data of an end-to-end run)")
		if err != nil {
			return false, err.Error()
		}
		for _, c := range fig.Charts {
			if len(c.Series) == 0 {
				return false, "no data in chart " + c.Title
			}
			if c.Title == "Shards by state" {
				return lastStates(c, 5, states)
			}
		}
		return false, "no chart of shards by state"
	})
	out := os.Getenv("OCIMOVE_WRITE_DASHBOARD_PNG")
	if out == "" {
		out = filepath.Join(dir, "progress.png")
	}
	f, err := os.Create(out)
	require.NoError(t, err)
	require.NoError(t, promplot.WritePNG(f, fig))
	require.NoError(t, f.Close())
	t.Logf("progress figure: %s", out)
}

// lastStates reports whether the chart's shards by state at each of its
// last n timestamps are states.
func lastStates(c promplot.Chart, n int, states map[string]float64) (bool, string) {
	at := map[int64]map[string]float64{}
	var times []int64
	for _, s := range c.Series {
		for _, pt := range s.Points {
			ts := pt.T.UnixMilli()
			if at[ts] == nil {
				at[ts] = map[string]float64{}
				times = append(times, ts)
			}
			at[ts][s.Name] = pt.V
		}
	}
	slices.Sort(times)
	if len(times) < n {
		return false, fmt.Sprintf("%d points", len(times))
	}
	for _, ts := range times[len(times)-n:] {
		if !sameCounts(at[ts], states) {
			return false, fmt.Sprintf("at %s: %s", time.UnixMilli(ts).Format(time.TimeOnly), formatCounts(at[ts]))
		}
	}
	return true, ""
}
