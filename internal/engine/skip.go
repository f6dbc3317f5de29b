package engine

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// ErrForeignObject: the destination holds an object its migration did not
// write, and the policy leaves it untouched.
var ErrForeignObject = errors.New("destination object not written by this migration")

// foreignError names the key, who wrote the object, and the plan setting
// that would let the migration overwrite it.
type foreignError struct {
	key, writer, migrationID string
}

func (e *foreignError) Error() string {
	return fmt.Sprintf("destination object %q was written by %s, not by migration %q: it is left untouched "+
		"(set destination.foreignObjects: overwrite in the plan to let the migration overwrite such objects)", e.key, e.writer, e.migrationID)
}

func (e *foreignError) Unwrap() error { return ErrForeignObject }

// writerOf describes who wrote a destination object, from its provenance.
func writerOf(cur store.ObjectInfo) string {
	if id := cur.Metadata.User[store.MetaMigrationID]; id != "" {
		return fmt.Sprintf("migration %q", id)
	}
	return "no migration (it carries no migration provenance: the application or another tool wrote it)"
}

// skip decides about an existing destination object cur before obj is
// copied over it. It returns a Skipped record when cur already holds obj,
// an error when the copy must not (or cannot yet) proceed, and false when
// the copy overwrites cur.
//
// A skip is recorded only with a SHA-256 the migration can stand behind:
// the one the object's provenance committed with the object (every object
// written in one PUT carries it), or, when the provenance has none (a
// multipart upload fixes its metadata before any hash exists), the SHA-256
// of the destination object itself, streamed at skip time.
func (e *Engine) skip(ctx context.Context, dst store.Store, obj, cur store.ObjectInfo, opts CopyOptions) (Result, bool, error) {
	if opts.MigrationID != "" && !store.WrittenBy(cur, opts.MigrationID) {
		protected := opts.ForeignScope == "" || opts.ForeignScope == dst.String()
		if opts.ForeignObjects == ForeignOverwrite || !protected {
			return Result{}, false, nil // and never skipped on another writer's word
		}
		return Result{}, false, &foreignError{key: obj.Key, writer: writerOf(cur), migrationID: opts.MigrationID}
	}
	u := cur.Metadata.User
	if u == nil || obj.ETag == "" || u[store.MetaSourceETag] != obj.ETag ||
		cur.Size != obj.Size || u[store.MetaSourceSize] != strconv.FormatInt(obj.Size, 10) {
		return Result{}, false, nil
	}
	r := Result{Key: obj.Key, Size: obj.Size, SourceETag: obj.ETag, SourceVersion: obj.VersionID,
		SourceMTime: obj.LastModified, SourceCheck: SourceCheckProvenance, DestETag: cur.ETag, Outcome: Skipped}
	if sha := u[store.MetaSHA256]; sha != "" {
		r.MD5, r.SHA256 = u[store.MetaMD5], sha
		return r, true, nil
	}
	if err := e.limit.Request(ctx); err != nil {
		return Result{}, false, err
	}
	info, h, err := e.hashStream(ctx, dst, obj.Key, store.GetOptions{IfMatch: cur.ETag})
	if err != nil {
		// The destination changed under the read, or the read failed: a
		// later attempt looks again.
		return Result{}, false, fromDest(err)
	}
	if info.Size != obj.Size {
		e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: dst.String(), Key: obj.Key,
			Err: fmt.Errorf("destination holds %d bytes, its provenance says %d: copying again", info.Size, obj.Size)})
		return Result{}, false, nil
	}
	if len(cur.ContentMD5) > 0 && !bytes.Equal(h.MD5(), cur.ContentMD5) {
		e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: dst.String(), Key: obj.Key,
			Err: fmt.Errorf("destination bytes hash to MD5 %s, the store's MD5 is %s: copying again", hex.EncodeToString(h.MD5()), hex.EncodeToString(cur.ContentMD5))})
		return Result{}, false, nil
	}
	r.MD5, r.SHA256 = h.Sums()
	r.CRC32C, r.DestCheck = h.CRC32C(), DestCheckRehash
	return r, true, nil
}
