package manifest

import (
	"time"

	"github.com/ocimove/ocimove/internal/engine"
)

// Kind names what a manifest records.
type Kind string

// Manifest kinds, in the order in which Merge applies them.
const (
	KindBatch  Kind = "batch"
	KindRecopy Kind = "recopy"
	KindDelta  Kind = "delta"
)

// Deletion marks of an Entry.
const (
	// DeletedRemoved: the source object was deleted and, per the "delete"
	// policy, removed at the destination too.
	DeletedRemoved = "deleted"
	// DeletedKept: the source object was deleted and, per the "keep"
	// policy, kept at the destination and reported.
	DeletedKept = "deleted-at-source-kept"
)

// Entry is the record of one object in a manifest.
type Entry struct {
	engine.Result
	// Deleted is "", DeletedRemoved or DeletedKept.
	Deleted string `json:"deleted,omitempty"`
}

// Manifest is one batch, re-copy or delta round of a shard.
type Manifest struct {
	Kind        Kind      `json:"kind"`
	MigrationID string    `json:"migrationId"`
	ShardID     string    `json:"shardId"`
	Prefix      string    `json:"prefix"`
	Seq         int       `json:"seq"`              // batch number or round
	Cursor      string    `json:"cursor,omitempty"` // batch: the cursor it started after
	NextCursor  string    `json:"nextCursor,omitempty"`
	Written     time.Time `json:"written"`
	// StartAt is the migration's start time, for age filters (batches).
	StartAt time.Time `json:"startAt,omitzero"`
	Entries []Entry   `json:"entries"`
}

// Entries wraps engine results as manifest entries.
func Entries(rs []engine.Result) []Entry {
	out := make([]Entry, len(rs))
	for i, r := range rs {
		out[i] = Entry{Result: r}
	}
	return out
}
