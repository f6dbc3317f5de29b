package manifest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ocimove/ocimove/internal/store"
)

// ReadOptions selects the part of a shard's merged view a Reader yields.
type ReadOptions struct {
	// StartAfter, if set, yields only keys after it: a retried activity
	// resumes after its watermark.
	StartAfter string
	// From, if set, yields only keys at or after it.
	From string
	// Exclude, if set, leaves out the manifests of one batch or round:
	// the round the caller is writing, so that a retried round reads the
	// view it started from and not its own records.
	Exclude *Run
}

// Run names the manifests of one batch or round.
type Run struct {
	Kind Kind
	Seq  int
}

// Reader yields a shard's merged view: the latest entry per key, deletions
// included (marked), in key order, streaming. Batch manifests cover
// consecutive, disjoint key ranges, so they are read one after another as
// one sorted stream; each re-copy and delta round is a sorted stream of
// its own (its parts read one after another); the streams are merged.
// Memory holds one entry and one read block per stream, never a whole
// manifest (except a round written by an older version, which may be
// unsorted: it is read whole and sorted).
//
// Precedence, where several streams hold a key: batches first, then the
// re-copy and delta rounds in the order they were written (their first
// manifest's Written time; equal times in the order re-copies, deltas, by
// number); the later wins. Without repairs after catch-up this is the
// order "batches by number, re-copies, delta rounds"; a re-copy that
// repairs a key after a delta round recorded it wins over that round.
//
// A stream whose keys do not increase (overlapping batch manifests, parts
// out of order) fails the read with an error naming the object.
//
// A Reader is not safe for concurrent use; it makes its reads with the
// context it was opened with.
type Reader struct {
	ctx     context.Context
	st      store.Store
	opts    ReadOptions
	streams []*stream // in precedence order: later wins
	objects int
	peeked  bool
	peek    Entry
	err     error
}

// stream is one sorted run of manifest objects.
type stream struct {
	name     string
	keys     []string
	next     int
	obj      *objectDecoder
	fresh    bool // obj's header is decoded, none of its entries
	buffered []Entry
	head     Entry
	ok       bool
	last     string
	started  bool
	written  time.Time
	startAt  time.Time
	rank     int
	seq      int
}

// Open returns a Reader of the shard's merged view.
func (s *Store) Open(ctx context.Context, shardID string, opts ReadOptions) (*Reader, error) {
	refs, err := s.ShardManifests(ctx, shardID)
	if err != nil {
		return nil, err
	}
	r := &Reader{ctx: ctx, st: s.st, opts: opts}
	batches := &stream{name: "batch"}
	var rounds []*stream
	for _, ref := range refs {
		if x := opts.Exclude; x != nil && ref.Kind == x.Kind && ref.Seq == x.Seq {
			continue
		}
		if ref.Kind == KindBatch {
			batches.keys = append(batches.keys, ref.Keys...)
			continue
		}
		rounds = append(rounds, &stream{name: RunName(ref.Kind, ref.Seq), keys: ref.Keys, rank: kindRank[ref.Kind], seq: ref.Seq})
	}
	for _, st := range rounds {
		if err := r.openNext(st); err != nil {
			return nil, err
		}
		if st.obj != nil {
			st.written = st.obj.hdr.Written
		}
	}
	slices.SortStableFunc(rounds, func(a, b *stream) int {
		if c := a.written.Compare(b.written); c != 0 {
			return c
		}
		return cmp.Or(a.rank-b.rank, a.seq-b.seq)
	})
	r.streams = append([]*stream{batches}, rounds...)
	for _, st := range r.streams {
		if err := r.advance(st); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Objects returns how many manifest objects the Reader has opened.
func (r *Reader) Objects() int { return r.objects }

// StartAt returns the migration's start time as recorded by the first
// manifest read (in precedence order) that records one; zero if none.
func (r *Reader) StartAt() time.Time {
	for _, st := range r.streams {
		if !st.startAt.IsZero() {
			return st.startAt
		}
	}
	return time.Time{}
}

// Peek returns the next entry without consuming it; ok is false at the end.
func (r *Reader) Peek() (Entry, bool, error) {
	if r.peeked {
		return r.peek, true, nil
	}
	e, ok, err := r.Next()
	if ok {
		r.peeked, r.peek = true, e
	}
	return e, ok, err
}

// Next returns the next entry of the merged view; ok is false at the end.
func (r *Reader) Next() (Entry, bool, error) {
	if r.peeked {
		r.peeked = false
		return r.peek, true, nil
	}
	if r.err != nil {
		return Entry{}, false, r.err
	}
	minKey, found := "", false
	for _, st := range r.streams {
		if st.ok && (!found || st.head.Key < minKey) {
			minKey, found = st.head.Key, true
		}
	}
	if !found {
		return Entry{}, false, nil
	}
	var best Entry
	for _, st := range r.streams {
		if !st.ok || st.head.Key != minKey {
			continue
		}
		best = st.head // later streams take precedence
		if err := r.advance(st); err != nil {
			r.err = err
			return Entry{}, false, err
		}
	}
	return best, true, nil
}

// inRange reports whether key is selected by the options.
func (r *Reader) inRange(key string) bool {
	return key > r.opts.StartAfter && key >= r.opts.From
}

// skippable reports whether a manifest whose range ends at nextCursor
// holds no selected key.
func (r *Reader) skippable(nextCursor string) bool {
	return nextCursor != "" && (nextCursor <= r.opts.StartAfter || nextCursor < r.opts.From)
}

// openNext opens the stream's next object, if any, and decodes its header.
func (r *Reader) openNext(st *stream) error {
	st.obj = nil
	if st.next >= len(st.keys) {
		return nil
	}
	key := st.keys[st.next]
	st.next++
	d, err := openObject(r.ctx, r.st, key)
	if err != nil {
		return err
	}
	r.objects++
	st.obj, st.fresh = d, true
	if st.startAt.IsZero() {
		st.startAt = d.hdr.StartAt
	}
	return nil
}

// advance moves st to its next selected entry.
func (r *Reader) advance(st *stream) error {
	for {
		var e Entry
		switch {
		case len(st.buffered) > 0:
			e, st.buffered = st.buffered[0], st.buffered[1:]
		case st.obj != nil:
			d := st.obj
			fresh := st.fresh
			st.fresh = false
			if fresh && r.skippable(d.hdr.NextCursor) {
				st.obj = nil // nothing selected in it: its header is enough
				continue
			}
			if fresh && !d.hdr.Sorted && d.hdr.Kind != KindBatch && !d.done {
				all, err := readAll(d)
				if err != nil {
					return err
				}
				st.obj, st.buffered = nil, sortEntries(all)
				continue
			}
			var ok bool
			var err error
			if e, ok, err = d.next(); err != nil {
				return err
			}
			if !ok {
				st.obj = nil
				continue
			}
		default:
			if st.next >= len(st.keys) {
				st.ok = false
				return nil
			}
			if err := r.openNext(st); err != nil {
				return err
			}
			continue
		}
		if st.started && e.Key <= st.last {
			return fmt.Errorf("manifest: the %s manifests of the shard do not increase in key order: %q follows %q (reading %s); the manifests overlap or are not sorted",
				st.name, e.Key, st.last, st.keys[st.next-1])
		}
		st.last, st.started = e.Key, true
		if !r.inRange(e.Key) {
			continue
		}
		st.head, st.ok = e, true
		return nil
	}
}

// readAll decodes every remaining entry of d.
func readAll(d *objectDecoder) ([]Entry, error) {
	var out []Entry
	for {
		e, ok, err := d.next()
		if err != nil || !ok {
			return out, err
		}
		out = append(out, e)
	}
}

// sortEntries sorts entries by key, keeping the last of equal keys.
func sortEntries(es []Entry) []Entry {
	slices.SortStableFunc(es, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	out := es[:0]
	for _, e := range es {
		if n := len(out); n > 0 && out[n-1].Key == e.Key {
			out[n-1] = e
			continue
		}
		out = append(out, e)
	}
	return out
}
