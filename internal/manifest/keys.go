package manifest

import (
	"fmt"
	"strconv"
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

// Key returns the key of manifest kind number seq of a shard written
// whole, e.g. "<root><shard>/batch-00007.json".
func Key(root, shardID string, kind Kind, seq int) string {
	return ShardDir(root, shardID) + RunName(kind, seq) + ".json"
}

// RunName names the manifest of one batch or round, e.g. "delta-00003".
func RunName(kind Kind, seq int) string { return fmt.Sprintf("%s-%05d", kind, seq) }

// PartKey returns the key of part number part of the record or manifest
// called name (a RunName, or a record's base name such as
// "reverse-sync"), e.g. "<root><shard>/delta-00003-p0001.json".
func PartKey(root, shardID, name string, part int) string {
	return PartPrefix(root, shardID, name) + fmt.Sprintf("%04d.json", part)
}

// PartPrefix is the key prefix of every part of name.
func PartPrefix(root, shardID, name string) string { return ShardDir(root, shardID) + name + "-p" }

// VerifyKey returns the key of a verification record, e.g.
// "<root><shard>/verify-full-00001.json".
func VerifyKey(root, shardID, name string) string {
	return ShardDir(root, shardID) + "verify-" + name + ".json"
}

// FinalVerifyKey returns the key of the final verification record of the
// shard's freeze number freeze ("final-verify-00002.json"; freeze 0 names
// FinalVerifyName): each freeze has its own, so that a late attempt of an
// ended freeze never overwrites the proof of a later one.
func FinalVerifyKey(root, shardID string, freeze int) string {
	if freeze <= 0 {
		return RecordKey(root, shardID, FinalVerifyName)
	}
	return ShardDir(root, shardID) + fmt.Sprintf("final-verify-%05d.json", freeze)
}

// FinalVerifyFreeze returns the freeze number of a final verification
// record's base name (0 for FinalVerifyName), or ok=false for other names.
func FinalVerifyFreeze(base string) (freeze int, ok bool) {
	if base == FinalVerifyName {
		return 0, true
	}
	num, found := strings.CutPrefix(base, "final-verify-")
	if !found {
		return 0, false
	}
	num, found = strings.CutSuffix(num, ".json")
	if !found {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// RecordKey returns the key of a named record of a shard, such as
// FinalVerifyName.
func RecordKey(root, shardID, name string) string { return ShardDir(root, shardID) + name }

// parseKey returns the kind, number and part of a manifest key's base
// name (part -1: written whole), or ok=false for other objects.
func parseKey(base string) (kind Kind, seq, part int, ok bool) {
	name, found := strings.CutSuffix(base, ".json")
	if !found {
		return "", 0, 0, false
	}
	part = -1
	if i := strings.LastIndex(name, "-p"); i > 0 {
		if n, isNum := number(name[i+2:]); isNum {
			part, name = n, name[:i]
		}
	}
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return "", 0, 0, false
	}
	seq, isNum := number(name[i+1:])
	if !isNum {
		return "", 0, 0, false
	}
	switch k := Kind(name[:i]); k {
	case KindBatch, KindRecopy, KindDelta:
		return k, seq, part, true
	}
	return "", 0, 0, false
}

// partNumber returns the part number of key, a part of prefix (see
// PartPrefix).
func partNumber(key, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return 0, false
	}
	rest, ok = strings.CutSuffix(rest, ".json")
	if !ok {
		return 0, false
	}
	return number(rest)
}

// number parses a non-empty string of decimal digits.
func number(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
