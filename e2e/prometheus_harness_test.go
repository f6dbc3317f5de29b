package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/dashboards"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/promapi"
	"github.com/ocimove/ocimove/workflows"
)

// repoRoot is the repository root, seen from e2e/.
const repoRoot = ".."

// promScrapeInterval is how often the test's Prometheus scrapes and
// evaluates the rules, and promRateInterval the $__rate_interval the
// dashboard's queries run with (four scrapes and more).
const (
	promScrapeInterval = 2 * time.Second
	promRateInterval   = 10 * time.Second
)

// prometheusConfig is the shipped deploy/prometheus/prometheus.yml as the
// test runs it: its worker job with the given worker addresses in place of
// the DNS discovery, its rule files by absolute path, scrapes and rule
// evaluations every promScrapeInterval, and no other job.
func prometheusConfig(t *testing.T, workers []string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "prometheus", "prometheus.yml"))
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	every := fmt.Sprintf("%ds", int(promScrapeInterval.Seconds()))
	cfg["global"] = map[string]any{"scrape_interval": every, "scrape_timeout": every, "evaluation_interval": every}

	var rules []string
	for _, r := range cfg["rule_files"].([]any) {
		abs, err := filepath.Abs(filepath.Join(repoRoot, "deploy", "prometheus", r.(string)))
		require.NoError(t, err)
		rules = append(rules, abs)
	}
	cfg["rule_files"] = rules

	var job map[string]any
	for _, sc := range cfg["scrape_configs"].([]any) {
		if m := sc.(map[string]any); m["job_name"] == dashboards.WorkerJob {
			job = m
		}
	}
	require.NotNil(t, job, "deploy/prometheus/prometheus.yml has a job %s", dashboards.WorkerJob)
	require.Contains(t, job, "dns_sd_configs", "the worker job discovers the workers")
	delete(job, "dns_sd_configs")
	job["static_configs"] = []any{map[string]any{"targets": workers}}
	cfg["scrape_configs"] = []any{job}
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	return out
}

// dashboardTargets are the queries of the shipped dashboard JSON.
func dashboardTargets(t *testing.T) []dashboards.Target {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "dashboards", dashboards.MigrationsFile))
	require.NoError(t, err)
	targets, err := dashboards.Targets(data)
	require.NoError(t, err)
	require.NotEmpty(t, targets)
	return targets
}

// alertRules are the shipped alert rules' expressions by alert name.
func alertRules(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "prometheus", "rules", "ocimove-alerts.yml"))
	require.NoError(t, err)
	out, err := dashboards.AlertExprs(data)
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return out
}

// panelQuery returns the one query of the dashboard panel titled title.
func panelQuery(t *testing.T, targets []dashboards.Target, title string) dashboards.Target {
	t.Helper()
	qs := dashboards.Panel(targets, title)
	require.Len(t, qs, 1, "the dashboard has one query in panel %q", title)
	return qs[0]
}

// valuesFor are the dashboard's variables for one migration, over the
// time range since start.
func valuesFor(migration string, start time.Time) dashboards.Values {
	return dashboards.Values{Migration: regexp.QuoteMeta(migration), Shard: ".*",
		RateInterval: promRateInterval, Range: time.Since(start) + time.Minute}
}

// byLabel reads an instant query's answer as value by one label.
func byLabel(series []promapi.Series, label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range series {
		if len(s.Points) > 0 {
			out[s.Labels[label]] = s.Points[len(s.Points)-1].V
		}
	}
	return out
}

// statesFromTemporal counts a migration's shards by the state each shard
// workflow reports in its status query; a shard not started yet is
// Pending. It is the truth the dashboard must show.
func statesFromTemporal(ctx context.Context, c client.Client, p *plan.Plan) (map[string]float64, error) {
	shards, err := p.ShardList()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, s := range shards {
		st, err := shardStatus(ctx, c, p.ID, s.ID)
		var nf *serviceerror.NotFound
		switch {
		case err == nil:
			out[string(st.State)]++
		case errors.As(err, &nf):
			out[string(workflows.Pending)]++
		default:
			return nil, err
		}
	}
	return out, nil
}

// formatCounts writes counts by state in a stable order.
func formatCounts(m map[string]float64) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%g ", k, m[k])
	}
	return strings.TrimSpace(b.String())
}

// sameCounts compares counts by state, ignoring zeros.
func sameCounts(a, b map[string]float64) bool {
	nonZero := func(m map[string]float64) map[string]float64 {
		out := map[string]float64{}
		for k, v := range m {
			if v != 0 {
				out[k] = v
			}
		}
		return out
	}
	return formatCounts(nonZero(a)) == formatCounts(nonZero(b))
}
