// Package activities holds the migration's Temporal activities: methods on
// one Activities struct that holds the worker's clients (stores, routing
// targets, the copy engine) behind small interfaces, registered once in
// cmd/worker.
//
// Inputs and results stay small (well under 256 KiB): object lists and
// manifests live in object storage and travel by reference. Secrets never
// appear here: stores and routing targets are resolved by the worker from
// the plan's references.
package activities

import (
	"time"

	"github.com/ocimove/ocimove/internal/routing"
)

// Activity names, as registered with the worker.
const (
	PreflightName     = "Preflight"
	CopyBatchName     = "CopyBatch"
	VerifyShardName   = "VerifyShard"
	RecopyName        = "Recopy"
	DeltaRoundName    = "DeltaRound"
	FinalVerifyName   = "FinalVerify"
	SetRouteName      = "SetRoute"
	GetRouteName      = "GetRoute"
	DrainAckedName    = "DrainAcknowledged"
	ReverseSyncName   = "ReverseSync"
	PurgeName         = "Purge"
	AbortUploadsName  = "AbortUploads"
	RegisterRouteName = "RegisterRoute"
)

// ShardRef names one shard of one migration. The plan itself is not
// carried: the worker loads it by MigrationID (Preflight stores the
// normalized plan next to the manifests) and checks PlanFingerprint.
type ShardRef struct {
	MigrationID     string `json:"migrationId"`
	PlanFingerprint string `json:"planFingerprint"`
	ShardID         string `json:"shardId"`
	Prefix          string `json:"prefix"`
	// Limits are the shard's current copy limits; every activity of the
	// shard applies them (nil: the plan's).
	Limits *RateLimits `json:"limits,omitempty"`
}

// Counts are a shard's object and byte counters by outcome.
type Counts struct {
	Objects         int64 `json:"objects"`
	Bytes           int64 `json:"bytes"`
	Copied          int64 `json:"copied"`
	Skipped         int64 `json:"skipped"`
	Excluded        int64 `json:"excluded"`
	SourceGone      int64 `json:"sourceGone"`
	UnsupportedName int64 `json:"unsupportedName"`
	Archived        int64 `json:"archived"`
	Failed          int64 `json:"failed"`
	BytesSent       int64 `json:"bytesSent"`   // bytes written to the destination, re-sends included
	BytesResent     int64 `json:"bytesResent"` // bytes sent again after a crash or retry (waste)
	// SourceUnchecked counts the records whose source read was checked
	// against no checksum of the source (source check "none").
	SourceUnchecked int64 `json:"sourceUnchecked"`
}

// PreflightInput is the plan to check, as JSON (plan.Plan, normalized).
type PreflightInput struct {
	PlanJSON []byte `json:"planJson"`
}

// PreflightResult lists what must be fixed before a start; empty Problems
// means the plan may start.
type PreflightResult struct {
	Problems          []string    `json:"problems,omitempty"`
	DestinationRegion string      `json:"destinationRegion"`
	Shards            []ShardSize `json:"shards,omitempty"` // per-shard estimate from a real listing (plan command)
}

// ShardSize is a shard's listed size.
type ShardSize struct {
	ShardID string `json:"shardId"`
	Objects int64  `json:"objects"`
	Bytes   int64  `json:"bytes"`
	// UnsupportedNames counts the keys the plan's filters admit that the
	// destination cannot store (for OCI: a line feed, a carriage return
	// or a NUL, or over 1,024 bytes); UnsupportedExamples holds the first
	// few, in listing order.
	UnsupportedNames    int64    `json:"unsupportedNames,omitempty"`
	UnsupportedExamples []string `json:"unsupportedExamples,omitempty"`
}

// RateLimits are a migration's copy limits as its shards carry them: the
// worker that runs an activity applies them to the migration's own limiter
// (or, for a shard tuned on its own, to that shard's), under the worker's
// ceiling. They travel with every activity of the shard, so that an
// operator's change applies from the next batch or round on, and a
// restarted worker has them at once.
type RateLimits struct {
	// BytesPerSecond and RequestsPerSecond are per worker; 0 = unlimited
	// (the worker's ceiling still applies).
	BytesPerSecond    float64 `json:"bytesPerSecond,omitempty"`
	RequestsPerSecond float64 `json:"requestsPerSecond,omitempty"`
	// Concurrency is the objects in flight per batch; 0 takes the plan's.
	// The worker's --concurrency bounds it.
	Concurrency int `json:"concurrency,omitempty"`
	// Shard: the shard was tuned on its own; its limits are its own, apart
	// from its migration's.
	Shard bool `json:"shard,omitempty"`
}

// CopyBatchInput copies the page of the shard's objects after Cursor.
type CopyBatchInput struct {
	Shard   ShardRef  `json:"shard"`
	Batch   int       `json:"batch"`   // batch number; names the manifest batch-NNNNN.json
	Cursor  string    `json:"cursor"`  // last key of the previous batch; "" = start
	Limit   int       `json:"limit"`   // objects per batch
	StartAt time.Time `json:"startAt"` // the plan's start, for age filters
}

// CopyBatchResult is one batch's outcome. The cursor advances to
// NextCursor only after this returns: the copy and its manifest are both
// durable by then.
type CopyBatchResult struct {
	NextCursor  string   `json:"nextCursor"`
	Done        bool     `json:"done"` // the listing ended: no batch follows
	ManifestKey string   `json:"manifestKey"`
	Counts      Counts   `json:"counts"`
	FailedKeys  []string `json:"failedKeys,omitempty"` // at most 20, for status
}

// VerifyInput checks every manifest entry of the shard.
type VerifyInput struct {
	Shard   ShardRef `json:"shard"`
	Mode    string   `json:"mode"` // "quick" or "full"
	Batches int      `json:"batches"`
}

// VerifyResult lists the keys that failed verification (at most 100; the
// full list is in the stored verification record).
type VerifyResult struct {
	Checked      int64    `json:"checked"`
	Mismatches   int64    `json:"mismatches"`
	MismatchKeys []string `json:"mismatchKeys,omitempty"`
	RecordKey    string   `json:"recordKey"`
}

// RecopyInput copies the named keys again (mismatches).
type RecopyInput struct {
	Shard ShardRef `json:"shard"`
	Keys  []string `json:"keys"`
	Round int      `json:"round"`
}

// DeltaInput runs one catch-up round: re-list the shard, copy new or
// changed objects (by source ETag, size and mtime against the manifests),
// and handle deleted sources per plan.
type DeltaInput struct {
	Shard ShardRef `json:"shard"`
	Round int      `json:"round"`
	Final bool     `json:"final"` // the final delta, during the freeze
}

// DeltaResult is one round's change count.
type DeltaResult struct {
	Changed  int64 `json:"changed"` // new + modified + deleted
	New      int64 `json:"new"`
	Modified int64 `json:"modified"`
	Deleted  int64 `json:"deleted"`
	// Counts is the net change of the shard's counts: each record minus
	// the merged entry it replaces, so that Objects grows only by keys new
	// to the shard and adding every round's Counts to the shard's keeps
	// them equal to its merged manifest (BytesSent and BytesResent are
	// this round's flows).
	Counts Counts `json:"counts"`
	// ManifestKey is the round's first part (delta-NNNNN-p0000.json); the
	// other parts follow it.
	ManifestKey string `json:"manifestKey"`
}

// FinalVerifyInput runs the full verification over the complete final
// source listing after the freeze.
type FinalVerifyInput struct {
	Shard    ShardRef  `json:"shard"`
	FrozenAt time.Time `json:"frozenAt"`
	// Freeze is the shard's freeze number; it names the verification's
	// record, so that a late attempt of an ended freeze never overwrites
	// the record of a later one.
	Freeze int `json:"freeze,omitempty"`
}

// FinalVerifyResult is the proof (or refusal) for cutover.
type FinalVerifyResult struct {
	OK            bool     `json:"ok"`
	Objects       int64    `json:"objects"`
	Missing       int64    `json:"missing"`
	Extra         int64    `json:"extra"`
	Mismatched    int64    `json:"mismatched"`
	ModifiedAfter int64    `json:"modifiedAfterFreeze"`
	ProblemKeys   []string `json:"problemKeys,omitempty"` // at most 100
	// RepairKeys are keys (at most 1000) whose problem is the
	// destination's state or a copy that is not of the current source
	// version (missing at the destination, never copied, no SHA-256
	// recorded, SHA-256 or size mismatch, a copy of another source
	// version, an excluded key with an object at the destination): a
	// re-copy from the frozen source repairs them (Recopy). Repairable
	// counts them all. Objects modified after the freeze and extra
	// objects are not repairable.
	RepairKeys []string `json:"repairKeys,omitempty"`
	Repairable int64    `json:"repairable"`
	RecordKey  string   `json:"recordKey"`
}

// RouteInput is one routing change.
type RouteInput struct {
	Shard           ShardRef      `json:"shard"`
	To              routing.State `json:"to"`
	Location        string        `json:"location,omitempty"`
	ExpectedVersion int64         `json:"expectedVersion"`
	OperationID     string        `json:"operationId"`
	Actor           string        `json:"actor"`
	Reason          string        `json:"reason"`
}

// ReverseSyncInput copies objects written at the destination since
// cutover back to the source and verifies them in full.
type ReverseSyncInput struct {
	Shard     ShardRef  `json:"shard"`
	CutoverAt time.Time `json:"cutoverAt"`
}

// ReverseSyncResult counts what was copied back, and the deletions made
// at the destination since cutover that were replayed at the source.
type ReverseSyncResult struct {
	Copied   int64 `json:"copied"`
	Verified int64 `json:"verified"`
	Failed   int64 `json:"failed"`
	Deleted  int64 `json:"deleted"`
	// ManifestKey is the reverse sync's record (reverse-sync.json); its
	// per-object records are in reverse-sync-pNNNN.json.
	ManifestKey string `json:"manifestKey"`
}

// PurgeResult records what was deleted from every source copy.
type PurgeResult struct {
	Deleted   int64  `json:"deleted"` // objects, versions and delete markers
	RecordKey string `json:"recordKey"`
}
