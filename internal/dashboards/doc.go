// Package dashboards builds, as code, the Grafana dashboard that ships in
// the repository's dashboards/ directory (Migrations), and reads the
// queries back out of its JSON (Targets, Variables) so that tests can run
// every one of them against a real Prometheus.
//
// The JSON in dashboards/ is generated: run `go generate
// ./internal/dashboards` (cmd/dashgen) after a change here; a test fails
// while the committed file differs from what this package builds.
//
// Every panel queries the datasource with uid DatasourceUID, which the
// Grafana provisioning in deploy/grafana defines. The series and labels
// are those of docs/METRICS.md: the engine's counters are per worker and
// are summed; the lifecycle gauges are exported alike by every worker and
// are aggregated with `max without(instance)` first, never summed.
package dashboards

//go:generate go run ../../cmd/dashgen -out ../../dashboards/ocimove-migrations.json -rules ../../deploy/prometheus/rules/ocimove-alerts.yml -doc ../../docs/OBSERVABILITY.md
