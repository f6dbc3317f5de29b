package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// WorkerJob is the Prometheus job that scrapes the workers
// (deploy/prometheus/prometheus.yml).
const WorkerJob = "ocimove-worker"

// workers shows the workers' health: which are up, how long activities
// take and wait, the Temporal task slots in use, copies in flight and the
// limits applied.
func workers() section {
	up := `up{job="` + WorkerJob + `"}`
	meanOf := func(metric, by string) string {
		return sumBy(by, rate(metric+"_sum")) + " / " + sumBy(by, rate(metric+"_count"))
	}
	return section{title: "Worker health", panels: []cog.Builder[dashboard.Panel]{
		single("Workers up",
			"Workers Prometheus scrapes successfully, and those whose last ask of Temporal for the lifecycle succeeded. A worker down raises OcimoveWorkerDown; none up, OcimoveNoWorkers.",
			"short", 4,
			query("A", "sum("+up+")", "up"),
			query("B", "sum(ocimove_lifecycle_up)", "lifecycle known")),
		graph("Activity duration (p95)",
			"95th percentile of the time an activity of a shard takes (a batch, a delta round, a verification), over every worker.",
			"s", 10,
			query("A", "histogram_quantile(0.95, "+sumBy("le, activity", rate(byMigration("ocimove_activity_duration_seconds_bucket")))+")", "{{activity}}")),
		graph("Schedule-to-start (backlog)",
			"Mean time activities and workflow tasks wait in the task queue for a worker (Temporal SDK). Rising: add workers or activity slots (--max-activities).",
			"s", 10,
			query("A", meanOf("temporal_activity_schedule_to_start_latency_seconds", "task_queue"), "activities {{task_queue}}"),
			query("B", meanOf("temporal_workflow_task_schedule_to_start_latency_seconds", "task_queue"), "workflow tasks {{task_queue}}")),
		graph("Task slots used",
			"Temporal task slots each worker uses, by kind, against those it has.",
			"short", 8,
			query("A", `sum by (instance, worker_type) (temporal_worker_task_slots_used{worker_type=~"ActivityWorker|WorkflowWorker"})`, "used {{instance}} {{worker_type}}"),
			query("B", `sum by (instance) (temporal_worker_task_slots_available{worker_type="ActivityWorker"})`, "free {{instance}} ActivityWorker")),
		graph("Copies in flight",
			"Object copies in flight on each worker.",
			"short", 8,
			query("A", sumBy("instance", byMigration("ocimove_copies_in_flight")), "{{instance}}")),
		graph("Rate limits",
			"The bytes/s limit each migration (shard empty) or shard tuned on its own runs under, per worker; 0 is unlimited (the worker's ceiling still applies).",
			"Bps", 8,
			query("A", "max by (migration, shard) ("+byMigration("ocimove_rate_limit_bytes_per_second")+")", "{{migration}} {{shard}}")),
	}}
}
