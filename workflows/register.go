package workflows

import "go.temporal.io/sdk/worker"

// Register registers the migration and shard workflows with w.
func Register(w worker.Registry) {
	w.RegisterWorkflow(MigrationWorkflow)
	w.RegisterWorkflow(ShardWorkflow)
}
