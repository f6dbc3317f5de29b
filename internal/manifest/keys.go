package manifest

import (
	"fmt"
	"strings"
)

// Object names under a shard's manifest folder.
const (
	PlanName        = "plan.json"
	FinalVerifyName = "final-verify.json"
	ReverseSyncName = "reverse-sync.json"
	PurgeName       = "purge.json"
)

// PlanKey returns the key of the migration's stored plan under root.
func PlanKey(root string) string { return root + PlanName }

// ShardDir returns the folder of a shard's manifests under root.
func ShardDir(root, shardID string) string { return root + shardID + "/" }

// Key returns the key of manifest kind number seq of a shard, e.g.
// "<root><shard>/batch-00007.json".
func Key(root, shardID string, kind Kind, seq int) string {
	return fmt.Sprintf("%s%s-%05d.json", ShardDir(root, shardID), kind, seq)
}

// VerifyKey returns the key of a verification record, e.g.
// "<root><shard>/verify-full-00001.json".
func VerifyKey(root, shardID, name string) string {
	return ShardDir(root, shardID) + "verify-" + name + ".json"
}

// RecordKey returns the key of a named record of a shard, such as
// FinalVerifyName.
func RecordKey(root, shardID, name string) string { return ShardDir(root, shardID) + name }

// parseKey returns the kind and number of a manifest key's base name, or
// ok=false for other objects.
func parseKey(base string) (Kind, int, bool) {
	name, ok := strings.CutSuffix(base, ".json")
	if !ok {
		return "", 0, false
	}
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return "", 0, false
	}
	var seq int
	if _, err := fmt.Sscanf(name[i+1:], "%d", &seq); err != nil {
		return "", 0, false
	}
	switch k := Kind(name[:i]); k {
	case KindBatch, KindRecopy, KindDelta:
		return k, seq, true
	}
	return "", 0, false
}
