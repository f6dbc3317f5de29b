package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// CopyOptions controls one object's copy.
type CopyOptions struct {
	// Resume continues a multipart upload from its checkpoint instead of
	// starting over.
	Resume *Checkpoint
	// OnCheckpoint is called, serially, each time the finished prefix of a
	// multipart upload grows. Heartbeat it.
	OnCheckpoint func(Checkpoint)
	// Absent says a listing just showed no object under the key, so the
	// first attempt skips its HEAD and writes with If-None-Match: *.
	Absent bool
	// MigrationID is written into the object's provenance
	// (store.MetaMigrationID), so that a later run can tell which
	// migration wrote it. When set, only objects this migration wrote are
	// skipped as identical, and ForeignObjects decides about the others;
	// when empty (the engine used on its own), any object whose provenance
	// matches is skipped and any other overwritten.
	MigrationID string
	// ForeignObjects says what to do with an existing destination object
	// that MigrationID did not write (default ForeignRefuse).
	ForeignObjects ForeignPolicy
	// ForeignScope, if set, names the store (its String()) that
	// ForeignObjects protects: the migration's destination. A copy into any
	// other store (a rollback's reverse sync into the source, whose objects
	// are the shard's own) overwrites objects the migration did not write.
	// "" protects every destination.
	ForeignScope string
	// RequireSourceCheck makes an object whose source read cannot be
	// checked against a checksum of the source fail (permanently, naming
	// why) instead of being copied with SourceCheckNone.
	RequireSourceCheck bool
}

// ForeignPolicy says what a copy does with an existing destination object
// that its migration did not write: one the application wrote (no
// provenance), or another migration.
type ForeignPolicy string

// Foreign-object policies.
const (
	// ForeignRefuse leaves the object untouched; the source object's
	// record is Failed (permanent), naming the key and its writer.
	ForeignRefuse ForeignPolicy = "refuse"
	// ForeignOverwrite overwrites it (conditionally, on its ETag).
	ForeignOverwrite ForeignPolicy = "overwrite"
)

// Copy copies one object from src to dst under the same key and returns its
// record. It never returns an error: failures are recorded in the Result.
func (e *Engine) Copy(ctx context.Context, src, dst store.Store, obj store.ObjectInfo, opts CopyOptions) Result {
	start := time.Now()
	e.obs.Observe(observe.Event{Kind: observe.CopyStarted, Store: dst.String(), Key: obj.Key})
	res := e.copy(ctx, src, dst, obj, opts)
	res.Duration = time.Since(start)
	e.obs.Observe(observe.Event{Kind: observe.CopyFinished, Store: dst.String(), Key: obj.Key})
	e.obs.Observe(observe.Event{Kind: observe.ObjectDone, Store: dst.String(), Key: obj.Key, Bytes: res.Size,
		Outcome: string(res.Outcome), Class: string(res.ErrorClass), Method: res.SourceCheck, Duration: res.Duration})
	return res
}

func (e *Engine) copy(ctx context.Context, src, dst store.Store, obj store.ObjectInfo, opts CopyOptions) Result {
	res := Result{Key: obj.Key, Size: obj.Size, SourceETag: obj.ETag, SourceVersion: obj.VersionID, SourceMTime: obj.LastModified}
	if nc, ok := dst.(store.NameChecker); ok {
		if err := nc.CheckName(obj.Key); err != nil {
			res.Outcome, res.Error = UnsupportedName, err.Error()
			return res
		}
	}
	if isArchivedClass(obj.StorageClass) {
		res.Outcome, res.Error = Archived, fmt.Sprintf("storage class %s: restore the object before it can be copied", obj.StorageClass)
		return res
	}
	cp := opts.Resume
	onCP := func(c Checkpoint) {
		cp = &c
		if opts.OnCheckpoint != nil {
			opts.OnCheckpoint(c)
		}
	}
	var err error
	backoff := e.cfg.RetryBackoff
	for attempt := 1; ; attempt++ {
		var r Result
		r, err = e.copyOnce(ctx, src, dst, obj, cp, onCP, opts.Absent && attempt == 1, opts)
		res.BytesSent += r.BytesSent
		if err == nil {
			r.BytesSent = res.BytesSent
			return r
		}
		if errors.Is(err, errSourceChanged) && cp != nil {
			// The upload holds parts of another version: never splice.
			e.abort(dst, obj.Key, cp.UploadID)
			cp = nil
		}
		if attempt >= e.cfg.Attempts || !retryable(err) || ctx.Err() != nil {
			break
		}
		if errors.Is(err, errSourceChanged) || (sideOf(err) == sourceSide && errors.Is(err, store.ErrNotFound) && obj.VersionID != "") {
			// Copy the object as it is now.
			fresh, herr := src.Head(ctx, obj.Key)
			if herr != nil {
				err = fromSource(herr)
				break
			}
			obj = fresh
			res.SourceETag, res.SourceVersion, res.SourceMTime, res.Size = fresh.ETag, fresh.VersionID, fresh.LastModified, fresh.Size
		}
		select {
		case <-time.After(jitter(backoff)):
		case <-ctx.Done():
		}
		backoff *= 2
	}
	res.Outcome, res.ErrorClass = outcomeOf(err)
	res.Error = err.Error()
	if ctx.Err() != nil {
		// Stopped, not refused: whatever the stores made of the
		// cancellation, a later attempt resumes.
		res.Outcome, res.ErrorClass, res.Error = Failed, store.Retryable, fmt.Sprintf("%v: %v", ctx.Err(), err)
	}
	if res.ErrorClass == store.Permanent && cp != nil {
		// No retry can use this upload. A retryable failure keeps it, so
		// that the next attempt resumes from the last checkpoint.
		e.abort(dst, obj.Key, cp.UploadID)
	}
	return res
}

// jitter returns a pause of between half of d and d, so that objects that
// failed together do not retry together.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// abort discards an open upload, best effort, outside the caller's context.
func (e *Engine) abort(dst store.Store, key, uploadID string) {
	if uploadID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = dst.AbortMultipart(ctx, key, uploadID)
}

// copyOnce makes one attempt. It returns the Result of a finished object
// or the error of this attempt.
func (e *Engine) copyOnce(ctx context.Context, src, dst store.Store, obj store.ObjectInfo, cp *Checkpoint, onCP func(Checkpoint), absent bool, opts CopyOptions) (Result, error) {
	var (
		cur  store.ObjectInfo
		err  error
		cond store.PutOptions
	)
	if absent {
		err = store.ErrNotFound
	} else {
		if err := e.limit.Request(ctx); err != nil {
			return Result{}, err
		}
		cur, err = dst.Head(ctx, obj.Key)
	}
	switch {
	case err == nil:
		r, ok, err := e.skip(ctx, dst, obj, cur, opts)
		if err != nil || ok {
			return r, err
		}
		cond.IfMatch = cur.ETag
	case errors.Is(err, store.ErrNotFound):
		cond.IfNoneMatch = true
	default:
		return Result{}, fromDest(err)
	}
	if obj.Size > e.cfg.MultipartThreshold || cp != nil {
		return e.copyMultipart(ctx, src, dst, obj, cond, cp, onCP, opts)
	}
	return e.copySingle(ctx, src, dst, obj, cond, opts)
}

// copySingle copies an object of at most one part with one PUT. The body
// is buffered whole, because Content-MD5 must be known before it is sent.
func (e *Engine) copySingle(ctx context.Context, src, dst store.Store, obj store.ObjectInfo, cond store.PutOptions, co CopyOptions) (Result, error) {
	buf, err := e.pool.Get(ctx, int(obj.Size))
	if err != nil {
		return Result{}, err
	}
	defer e.pool.Put(buf)
	if err := e.limit.Request(ctx); err != nil {
		return Result{}, err
	}
	rc, info, err := src.Get(ctx, obj.Key, store.GetOptions{IfMatch: obj.ETag, VersionID: obj.VersionID})
	if err != nil {
		return Result{}, sourceGetErr(err)
	}
	defer rc.Close()
	if info.Size != obj.Size {
		return Result{}, fmt.Errorf("%w: size %d, listed %d", errSourceChanged, info.Size, obj.Size)
	}
	x, err := e.expect(ctx, src, obj, info, co)
	if err != nil {
		return Result{}, err
	}
	if _, err := io.ReadFull(&limitedReader{ctx: ctx, r: rc, l: e.limit}, buf); err != nil {
		return Result{}, fromSource(&store.Error{Store: src.String(), Op: "get", Key: obj.Key, Class: store.Retryable, Err: fmt.Errorf("%w: %w", errReadBroken, err)})
	}
	// Read to the end: the SDK checks the response's own checksum there.
	if n, err := rc.Read(make([]byte, 1)); n != 0 {
		return Result{}, fmt.Errorf("%w: body longer than its size %d", errSourceChanged, obj.Size)
	} else if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, store.ErrChecksumMismatch) {
			e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: src.String(), Key: obj.Key, Err: err})
		}
		return Result{}, fromSource(&store.Error{Store: src.String(), Op: "get", Key: obj.Key, Class: store.Retryable, Err: fmt.Errorf("read body: %w", err)})
	}
	h := NewHasher()
	if err := x.prepare(h); err != nil {
		return Result{}, err
	}
	h.Write(buf)
	r := e.newResult(obj, info, h)
	if r.SourceCheck, err = x.check(h); err != nil {
		e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: src.String(), Key: obj.Key, Err: err})
		return Result{}, fromSource(err)
	}
	if err := e.limit.Request(ctx); err != nil {
		return Result{}, err
	}
	opts := cond
	opts.ContentMD5 = h.MD5()
	opts.Metadata = provenance(src, obj, info, h, co.MigrationID)
	opts.StorageTier = e.cfg.StorageTier
	put, err := dst.Put(ctx, obj.Key, bytes.NewReader(buf), obj.Size, opts)
	r.BytesSent = obj.Size
	if err != nil {
		return r, fromDest(err)
	}
	e.obs.Observe(observe.Event{Kind: observe.Bytes, Store: dst.String(), Key: obj.Key, Bytes: obj.Size})
	r.DestETag, r.DestCheck, r.Outcome = put.ETag, DestCheckContentMD5, Copied
	return r, nil
}

// newResult starts the record of an object read as info and hashed by h.
func (e *Engine) newResult(obj, info store.ObjectInfo, h *Hasher) Result {
	md5hex, shahex := h.Sums()
	v := info.VersionID
	if v == "" {
		v = obj.VersionID
	}
	return Result{Key: obj.Key, Size: obj.Size, SourceETag: firstNonEmpty(info.ETag, obj.ETag), SourceVersion: v,
		SourceMTime: obj.LastModified, MD5: md5hex, SHA256: shahex, CRC32C: h.CRC32C()}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// sourceGetErr marks a source read error; a failed pin means the object
// changed since it was listed.
func sourceGetErr(err error) error {
	if errors.Is(err, store.ErrPreconditionFailed) {
		return fromSource(fmt.Errorf("%w: %w", errSourceChanged, err))
	}
	return fromSource(err)
}

// provenance returns the destination metadata: the source's own metadata,
// plus where the bytes came from, which migration wrote them and, when
// known, what they hash to.
func provenance(src store.Store, obj, info store.ObjectInfo, h *Hasher, migrationID string) store.Metadata {
	md := info.Metadata
	user := make(map[string]string, len(md.User)+9)
	for k, v := range md.User {
		user[k] = v
	}
	user[store.MetaSourceBucket] = src.String()
	if k := url.PathEscape(obj.Key); len(k) <= 512 {
		user[store.MetaSourceKey] = k
	}
	user[store.MetaSourceETag] = firstNonEmpty(info.ETag, obj.ETag)
	user[store.MetaSourceSize] = strconv.FormatInt(obj.Size, 10)
	if v := firstNonEmpty(info.VersionID, obj.VersionID); v != "" {
		user[store.MetaSourceVersion] = v
	} else {
		delete(user, store.MetaSourceVersion)
	}
	if !obj.LastModified.IsZero() {
		user[store.MetaSourceMTime] = obj.LastModified.UTC().Format(time.RFC3339)
	}
	if migrationID != "" {
		user[store.MetaMigrationID] = migrationID
	} else {
		delete(user, store.MetaMigrationID)
	}
	delete(user, store.MetaMD5)
	delete(user, store.MetaSHA256)
	if h != nil {
		user[store.MetaMD5], user[store.MetaSHA256] = h.Sums()
	}
	md.User = user
	return md
}

// isArchivedClass reports storage classes that must be restored before a
// GET succeeds.
func isArchivedClass(class string) bool {
	switch strings.ToUpper(class) {
	case "GLACIER", "DEEP_ARCHIVE", "ARCHIVE":
		return true
	}
	return false
}
