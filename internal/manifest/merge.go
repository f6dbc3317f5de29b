package manifest

import (
	"context"
	"path"
	"slices"
	"strings"
	"time"
)

// ManifestRef names one stored manifest of a shard.
type ManifestRef struct {
	Key  string
	Kind Kind
	Seq  int
}

var kindRank = map[Kind]int{KindBatch: 0, KindRecopy: 1, KindDelta: 2}

// ShardManifests lists the shard's batch, re-copy and delta manifests in
// the order Merge applies them: batches by number, then re-copies, then
// delta rounds.
func (s *Store) ShardManifests(ctx context.Context, shardID string) ([]ManifestRef, error) {
	keys, err := s.ListKeys(ctx, ShardDir(s.root, shardID))
	if err != nil {
		return nil, err
	}
	var refs []ManifestRef
	for _, k := range keys {
		if kind, seq, ok := parseKey(path.Base(k)); ok {
			refs = append(refs, ManifestRef{Key: k, Kind: kind, Seq: seq})
		}
	}
	slices.SortFunc(refs, func(a, b ManifestRef) int {
		if d := kindRank[a.Kind] - kindRank[b.Kind]; d != 0 {
			return d
		}
		return a.Seq - b.Seq
	})
	return refs, nil
}

// Merged is the latest entry per key over all of a shard's manifests.
type Merged struct {
	Entries   map[string]Entry
	Manifests int
	// StartAt is the migration's start time recorded by the batches (for
	// age filters); zero if none recorded it.
	StartAt time.Time
}

// Merge reads every manifest of the shard and keeps, per key, the entry
// of the manifest applied last (see ShardManifests). Deletions stay in
// the result, marked.
func (s *Store) Merge(ctx context.Context, shardID string) (*Merged, error) {
	refs, err := s.ShardManifests(ctx, shardID)
	if err != nil {
		return nil, err
	}
	m := &Merged{Entries: map[string]Entry{}}
	for _, r := range refs {
		man, err := s.ReadManifest(ctx, r.Key)
		if err != nil {
			return nil, err
		}
		m.Manifests++
		if m.StartAt.IsZero() && !man.StartAt.IsZero() {
			m.StartAt = man.StartAt
		}
		for _, e := range man.Entries {
			m.Entries[e.Key] = e
		}
	}
	return m, nil
}

// Sorted returns the merged entries in key order.
func (m *Merged) Sorted() []Entry {
	out := make([]Entry, 0, len(m.Entries))
	for _, e := range m.Entries {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Present reports whether e describes an object that should be at the
// destination: copied or skipped, and not removed by a delete.
func (e Entry) Present() bool {
	return e.Verifiable() && e.Deleted != DeletedRemoved
}
