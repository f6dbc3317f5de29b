package workflows

import "go.temporal.io/sdk/temporal"

// Custom search attributes; every Temporal set-up registers them (all
// Keyword).
var (
	// MigrationIDKey is set on the migration and on every shard workflow.
	MigrationIDKey = temporal.NewSearchAttributeKeyKeyword("MigrationID")
	// ShardStateKey is a shard workflow's current ShardState.
	ShardStateKey = temporal.NewSearchAttributeKeyKeyword("ShardState")
	// MigrationStateKey is the migration workflow's MigrationState.
	MigrationStateKey = temporal.NewSearchAttributeKeyKeyword("MigrationState")
)

// SearchAttributeNames are the custom search attributes to register, all
// of type Keyword.
var SearchAttributeNames = []string{"MigrationID", "ShardState", "MigrationState"}
