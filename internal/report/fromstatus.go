package report

import "github.com/ocimove/ocimove/workflows"

// ShardInfoFrom is the report's input for a shard's status.
func ShardInfoFrom(s workflows.ShardStatus) ShardInfo { return ShardInfo{ShardStatus: s} }
