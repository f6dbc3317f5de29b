package dashboards_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/dashboards"
)

// repo is the repository root, seen from this package's directory.
const repo = "../.."

func committed(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "dashboards", dashboards.MigrationsFile))
	require.NoError(t, err)
	return data
}

// TestMigrationsJSONIsInSync fails while the committed dashboard differs
// from what the code builds.
func TestMigrationsJSONIsInSync(t *testing.T) {
	want, err := dashboards.MigrationsJSON()
	require.NoError(t, err)
	if string(want) != string(committed(t)) {
		t.Fatalf("dashboards/%s is not what internal/dashboards builds: run `go generate ./internal/dashboards` and commit the result", dashboards.MigrationsFile)
	}
}

// TestPanelsQueryTheProvisionedDatasource checks that every query names
// the datasource that Grafana's provisioning defines.
func TestPanelsQueryTheProvisionedDatasource(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repo, "dashboards", "provisioning", "datasources", "prometheus.yml"))
	require.NoError(t, err)
	var prov struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
		} `yaml:"datasources"`
	}
	require.NoError(t, yaml.Unmarshal(data, &prov))
	require.Len(t, prov.Datasources, 1)
	assert.Equal(t, dashboards.DatasourceUID, prov.Datasources[0].UID)
	assert.Equal(t, "prometheus", prov.Datasources[0].Type)

	targets, err := dashboards.Targets(committed(t))
	require.NoError(t, err)
	require.NotEmpty(t, targets)
	for _, q := range targets {
		assert.Equal(t, dashboards.DatasourceUID, q.Datasource, "panel %q query %s", q.Panel, q.RefID)
	}
}

// lifecycleSeries are the series every worker exports alike
// (docs/METRICS.md): summing them counts each once per worker.
var lifecycleSeries = regexp.MustCompile(`\b(ocimove_shards|ocimove_shard_state|ocimove_shard_objects|ocimove_shard_bytes|ocimove_shard_last_error|ocimove_migration_[a-z_]+|ocimove_shard_read_only|ocimove_shard_freeze_age_seconds|ocimove_shard_unfreeze_attempts)\{`)

// TestLifecycleSeriesAreTakenOnceAcrossWorkers checks that each lifecycle
// series in the dashboard and the alert rules is first aggregated with
// `max without(instance)`.
func TestLifecycleSeriesAreTakenOnceAcrossWorkers(t *testing.T) {
	targets, err := dashboards.Targets(committed(t))
	require.NoError(t, err)
	exprs := map[string]string{}
	for _, q := range targets {
		exprs["panel "+q.Panel+" "+q.RefID] = q.Expr
	}
	for name, expr := range alertExprs(t) {
		exprs["alert "+name] = expr
	}
	seen := 0
	for where, expr := range exprs {
		for _, loc := range lifecycleSeries.FindAllStringIndex(expr, -1) {
			seen++
			before := strings.TrimRight(expr[:loc[0]], " \n")
			assert.True(t, strings.HasSuffix(before, "max without(instance) ("),
				"%s: %s is not taken with max without(instance) in %s", where, expr[loc[0]:loc[1]-1], expr)
		}
	}
	assert.Greater(t, seen, 10, "the check found the lifecycle series")
}

// TestEverySeriesIsInTheCatalog checks that the dashboard and the rules
// only name series that docs/METRICS.md lists (or Prometheus's own up).
func TestEverySeriesIsInTheCatalog(t *testing.T) {
	catalog, err := os.ReadFile(filepath.Join(repo, "docs", "METRICS.md"))
	require.NoError(t, err)
	targets, err := dashboards.Targets(committed(t))
	require.NoError(t, err)
	var exprs []string
	for _, q := range targets {
		exprs = append(exprs, q.Expr)
	}
	for _, e := range alertExprs(t) {
		exprs = append(exprs, e)
	}
	name := regexp.MustCompile(`\b(ocimove|temporal)_[a-z0-9_]+`)
	for _, e := range exprs {
		for _, n := range name.FindAllString(e, -1) {
			base := n
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				base = strings.TrimSuffix(base, suffix)
			}
			if strings.HasSuffix(base, "_total") && strings.HasPrefix(base, "ocimove_unfreeze_retries") {
				base = strings.TrimSuffix(base, "_total") // the workflow's counter, through the SDK's exporter
			}
			assert.True(t, strings.Contains(string(catalog), "`"+base), "series %s of %q is not in docs/METRICS.md", n, e)
		}
	}
}

// TestVariablesAreDefined checks that queries use only the dashboard's
// variables and Grafana's own.
func TestVariablesAreDefined(t *testing.T) {
	data := committed(t)
	vars, err := dashboards.Variables(data)
	require.NoError(t, err)
	defined := map[string]bool{"__rate_interval": true, "__range": true, "__interval": true}
	for _, v := range vars {
		defined[v.Name] = true
		assert.True(t, strings.HasPrefix(v.Query, "label_values("), "variable %s: %s", v.Name, v.Query)
	}
	assert.True(t, defined["migration"] && defined["shard"], "the migration and shard variables exist")
	targets, err := dashboards.Targets(data)
	require.NoError(t, err)
	use := regexp.MustCompile(`\$([a-z_]+)`)
	for _, q := range targets {
		for _, m := range use.FindAllStringSubmatch(q.Expr, -1) {
			assert.True(t, defined[m[1]], "panel %q uses $%s, which is not defined", q.Panel, m[1])
		}
	}
}

// alertExprs reads the shipped alert rules' expressions by alert name.
func alertExprs(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "deploy", "prometheus", "rules", "ocimove-alerts.yml"))
	require.NoError(t, err)
	out, err := dashboards.AlertExprs(data)
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return out
}

// TestExpandAndLegend checks the variable expansion the end-to-end tests
// and cmd/promplot run queries with.
func TestExpandAndLegend(t *testing.T) {
	got := dashboards.Expand(`sum(increase(x{migration=~"$migration", shard=~"$shard"}[$__range])) / rate(y[$__rate_interval])`,
		dashboards.Values{Migration: "m1", Shard: ".*", RateInterval: 10 * time.Second, Range: 90 * time.Minute})
	assert.Equal(t, `sum(increase(x{migration=~"m1", shard=~".*"}[5400s])) / rate(y[10s])`, got)
	assert.Equal(t, "m1 copied", dashboards.Legend("{{migration}} {{ outcome }}", map[string]string{"migration": "m1", "outcome": "copied"}))
	assert.Equal(t, "used", dashboards.Legend("used {{instance}}", nil))
}

// TestObservabilityDocIsInSync fails while docs/OBSERVABILITY.md's panel
// and alert sections differ from the dashboard and the rules.
func TestObservabilityDocIsInSync(t *testing.T) {
	path := filepath.Join(repo, "docs", "OBSERVABILITY.md")
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	rules, err := os.ReadFile(filepath.Join(repo, "deploy", "prometheus", "rules", "ocimove-alerts.yml"))
	require.NoError(t, err)
	want, err := dashboards.Document(string(doc), committed(t), rules)
	require.NoError(t, err)
	if want != string(doc) {
		t.Fatal("docs/OBSERVABILITY.md does not list the dashboard's panels and the alert rules as they are: run `go generate ./internal/dashboards`")
	}
	for _, q := range mustTargets(t) {
		assert.Contains(t, want, q.Expr, "panel %q is documented with its query", q.Panel)
	}
	for name := range alertExprs(t) {
		assert.Contains(t, want, "#### "+name+" (", "alert %s is documented", name)
	}
}

// TestUpdateSectionNeedsItsMarkers checks that a document without the
// markers is refused rather than left as it was.
func TestUpdateSectionNeedsItsMarkers(t *testing.T) {
	_, err := dashboards.UpdateSection("# doc\n", "panels", "x")
	assert.Error(t, err)
	got, err := dashboards.UpdateSection("a\n<!-- generated: panels -->\nold\n<!-- end: panels -->\nb\n", "panels", "new\n")
	require.NoError(t, err)
	assert.Equal(t, "a\n<!-- generated: panels -->\n\nnew\n\n<!-- end: panels -->\nb\n", got)
}

func mustTargets(t *testing.T) []dashboards.Target {
	t.Helper()
	targets, err := dashboards.Targets(committed(t))
	require.NoError(t, err)
	return targets
}
