package manifest

import (
	"time"

	"github.com/ocimove/ocimove/internal/engine"
)

// Kind names what a manifest records.
type Kind string

// Manifest kinds of the merged view (see Reader for their precedence),
// and of a rollback's reverse sync, which the merged view does not read.
const (
	KindBatch       Kind = "batch"
	KindRecopy      Kind = "recopy"
	KindDelta       Kind = "delta"
	KindReverseSync Kind = "reverse-sync"
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

// Manifest is one batch, re-copy or delta round of a shard, or one part
// of a round written in parts. Its entries are in key order, one per key
// (Sorted; manifests of older versions may lack it). In the encoded
// object every header field comes before the entries, so that a reader
// can decode the header and then stream the entries one by one.
type Manifest struct {
	Kind        Kind   `json:"kind"`
	MigrationID string `json:"migrationId"`
	ShardID     string `json:"shardId"`
	Prefix      string `json:"prefix"`
	Seq         int    `json:"seq"` // batch number or round
	// Cursor is the key the manifest's range starts after, and NextCursor
	// the last key of its range: every entry's key is in (Cursor,
	// NextCursor] when NextCursor is set (batches, parts).
	Cursor     string `json:"cursor,omitempty"`
	NextCursor string `json:"nextCursor,omitempty"`
	// Part is the part number of a manifest written in parts.
	Part    int       `json:"part,omitempty"`
	Written time.Time `json:"written"`
	// StartAt is the migration's start time, for age filters (batches).
	StartAt time.Time `json:"startAt,omitzero"`
	// Sorted reports that Entries are in strictly increasing key order.
	Sorted  bool    `json:"sorted,omitempty"`
	Entries []Entry `json:"entries"`
}

// Entries wraps engine results as manifest entries.
func Entries(rs []engine.Result) []Entry {
	out := make([]Entry, len(rs))
	for i, r := range rs {
		out[i] = Entry{Result: r}
	}
	return out
}
