package manifest

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// ManifestRef names one stored manifest of a shard: one batch or round,
// written whole or in parts.
type ManifestRef struct {
	// Key is the run's first (or only) object.
	Key  string
	Kind Kind
	Seq  int
	// Keys are the run's objects in reading order: the one object of a
	// manifest written whole, or its parts by part number.
	Keys []string
	// Parted reports a manifest written in parts (…-pNNNN.json).
	Parted bool
}

var kindRank = map[Kind]int{KindBatch: 0, KindRecopy: 1, KindDelta: 2}

// ShardManifests lists the shard's batch, re-copy and delta manifests,
// one ref per batch or round (a round written both whole, by an older
// version, and in parts gives two refs, the whole one first), ordered by
// kind (batches, re-copies, deltas) and number. Objects in sub-folders
// (partial records of activities in flight) are not manifests.
func (s *Store) ShardManifests(ctx context.Context, shardID string) ([]ManifestRef, error) {
	dir := ShardDir(s.root, shardID)
	keys, err := s.ListKeys(ctx, dir)
	if err != nil {
		return nil, err
	}
	type item struct {
		key       string
		kind      Kind
		seq, part int
	}
	var items []item
	for _, k := range keys {
		rel := strings.TrimPrefix(k, dir)
		if strings.Contains(rel, "/") {
			continue
		}
		if kind, seq, part, ok := parseKey(rel); ok {
			items = append(items, item{k, kind, seq, part})
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(kindRank[a.kind]-kindRank[b.kind], a.seq-b.seq, a.part-b.part)
	})
	var refs []ManifestRef
	for _, it := range items {
		parted := it.part >= 0
		if n := len(refs); n > 0 && parted && refs[n-1].Parted && refs[n-1].Kind == it.kind && refs[n-1].Seq == it.seq {
			refs[n-1].Keys = append(refs[n-1].Keys, it.key)
			continue
		}
		refs = append(refs, ManifestRef{Key: it.key, Kind: it.kind, Seq: it.seq, Keys: []string{it.key}, Parted: parted})
	}
	return refs, nil
}

// Merged is the latest entry per key over all of a shard's manifests.
type Merged struct {
	Entries map[string]Entry
	// Manifests is the number of manifest objects read.
	Manifests int
	// StartAt is the migration's start time recorded by the batches (for
	// age filters); zero if none recorded it.
	StartAt time.Time
}

// Merge reads the shard's whole merged view (see Reader) into memory: for
// small shards, reports and tests. Activities stream it with Open.
// Deletions stay in the result, marked.
func (s *Store) Merge(ctx context.Context, shardID string) (*Merged, error) {
	r, err := s.Open(ctx, shardID, ReadOptions{})
	if err != nil {
		return nil, err
	}
	m := &Merged{Entries: map[string]Entry{}}
	for {
		e, ok, err := r.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		m.Entries[e.Key] = e
	}
	m.Manifests, m.StartAt = r.Objects(), r.StartAt()
	return m, nil
}

// StartAt returns the migration's start time as the shard's manifests
// record it (the first manifest, in the order of ShardManifests, that
// records one; batches record it), reading headers only; zero if none.
func (s *Store) StartAt(ctx context.Context, shardID string) (time.Time, error) {
	refs, err := s.ShardManifests(ctx, shardID)
	if err != nil {
		return time.Time{}, err
	}
	for _, ref := range refs {
		d, err := openObject(ctx, s.st, ref.Key)
		if err != nil {
			return time.Time{}, err
		}
		if !d.hdr.StartAt.IsZero() {
			return d.hdr.StartAt, nil
		}
	}
	return time.Time{}, nil
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
