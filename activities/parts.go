package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// runParts writes the records of one re-copy or delta round (or a reverse
// sync) as sorted manifest parts, one per finished chunk, so that a round
// over a million keys never holds its records in memory. Consecutive
// parts cover consecutive key ranges: a manifest.Reader reads them as one
// sorted run.
type runParts struct {
	man    *manifest.Store
	header manifest.Manifest // Kind, MigrationID, ShardID, Prefix, Seq, StartAt
	name   string            // e.g. "delta-00003"
	now    func() time.Time
}

func newRunParts(s *session, shard ShardRef, kind manifest.Kind, seq int, now func() time.Time) *runParts {
	name := manifest.RunName(kind, seq)
	if kind == manifest.KindReverseSync {
		name = string(kind)
	}
	return &runParts{man: s.man, name: name, now: now, header: manifest.Manifest{Kind: kind, MigrationID: s.plan.ID,
		ShardID: shard.ShardID, Prefix: shard.Prefix, Seq: seq}}
}

// key returns the key of part n.
func (w *runParts) key(n int) string {
	return manifest.PartKey(w.man.Root(), w.header.ShardID, w.name, n)
}

// fresh removes what an earlier run of the same round left: its parts,
// and the manifest an older version wrote whole. A round that starts over
// replaces them.
func (w *runParts) fresh(ctx context.Context) error {
	if err := w.man.DeleteParts(ctx, w.header.ShardID, w.name, 0); err != nil {
		return err
	}
	if w.header.Kind == manifest.KindReverseSync {
		return nil
	}
	whole := manifest.Key(w.man.Root(), w.header.ShardID, w.header.Kind, w.header.Seq)
	if err := w.man.Delete(ctx, whole); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete %s: %w", whole, err)
	}
	return nil
}

// write writes part n: the entries of the keys in (after, last].
func (w *runParts) write(ctx context.Context, n int, after, last string, entries []manifest.Entry) error {
	m := w.header
	m.Cursor, m.NextCursor, m.Written, m.Entries = after, last, w.now().UTC(), entries
	_, err := w.man.WriteNamedPart(ctx, w.name, &m, n)
	return err
}

// finish keeps the first parts parts (writing an empty part 0 if the
// round recorded nothing, so that the round is on record) and deletes any
// beyond them that an earlier attempt wrote.
func (w *runParts) finish(ctx context.Context, parts int, last string) (int, error) {
	if parts == 0 {
		if err := w.write(ctx, 0, "", last, nil); err != nil {
			return 0, err
		}
		parts = 1
	}
	if err := w.man.DeleteParts(ctx, w.header.ShardID, w.name, parts); err != nil {
		return 0, err
	}
	return parts, nil
}
