package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// Checkpoint is the resumable state of one multipart upload: small enough
// to heartbeat. Parts 1..PartsDone are uploaded and Hash covers exactly
// their bytes, so a resumed copy reads the source from the next part on.
type Checkpoint struct {
	Key           string    `json:"key"`
	UploadID      string    `json:"uploadId"`
	SourceETag    string    `json:"sourceETag"`
	SourceVersion string    `json:"sourceVersion,omitempty"`
	PartSize      int64     `json:"partSize"`
	PartsDone     int       `json:"partsDone"`
	Hash          HashState `json:"hash"`
}

// partSizeFor returns the part size for an object of size bytes: the
// configured size, grown so that the object fits the store's part count and
// at least its minimum part size.
func (e *Engine) partSizeFor(size int64, lim store.MultipartLimits) int64 {
	ps := e.cfg.PartSize
	if lim.MaxParts > 0 {
		if need := (size + int64(lim.MaxParts) - 1) / int64(lim.MaxParts); need > ps {
			ps = (need + 1<<20 - 1) / (1 << 20) * (1 << 20)
		}
	}
	return max(ps, lim.MinPartSize)
}

// copyMultipart uploads obj in parts: the source is read once, in order,
// as one stream pinned by ETag (or version), hashed as it is read, and the
// parts are uploaded in parallel, each with its Content-MD5. The source's
// HEAD decides how the read is checked (see expect), on a fresh start and
// on a resume alike.
func (e *Engine) copyMultipart(ctx context.Context, src, dst store.Store, obj store.ObjectInfo, cond store.PutOptions, cp *Checkpoint, onCP func(Checkpoint), co CopyOptions) (Result, error) {
	partSize := e.partSizeFor(obj.Size, dst.MultipartLimits())
	nparts := int((obj.Size + partSize - 1) / partSize)
	if nparts == 0 {
		nparts = 1
	}
	parts := make([]store.Part, nparts)
	if err := e.limit.Request(ctx); err != nil {
		return Result{}, err
	}
	// Listings carry no metadata nor checksums; the upload fixes the
	// metadata at its start.
	head, err := src.Head(ctx, obj.Key)
	if err != nil {
		return Result{}, fromSource(err)
	}
	if head.ETag != obj.ETag {
		return Result{}, fmt.Errorf("%w: ETag %s, listed %s", errSourceChanged, head.ETag, obj.ETag)
	}
	x, err := e.expect(ctx, src, obj, head, co)
	if err != nil {
		if cp != nil && errors.Is(err, ErrSourceUnchecked) {
			e.abort(dst, obj.Key, cp.UploadID)
		}
		return Result{}, err
	}
	var h *Hasher
	next := 1
	uploadID := ""
	if cp != nil {
		if uploadID, next, h, err = e.resume(ctx, dst, obj, cp, partSize, parts); err != nil {
			return Result{}, err
		}
		if uploadID != "" {
			if err := x.prepare(h); err != nil {
				// The saved hashes cannot check this source: start over.
				e.abort(dst, obj.Key, uploadID)
				uploadID, next, h = "", 1, nil
				clear(parts)
			}
		}
	}
	if uploadID == "" {
		// The whole-object MD5 is worth its CPU only when the source
		// vouches for one to compare with; parts are checked on their own.
		if len(x.md5) > 0 {
			h = NewHasher()
		} else {
			h = NewHasherWithoutMD5()
		}
		if err := x.prepare(h); err != nil {
			return Result{}, err
		}
		opts := cond
		opts.Metadata = provenance(src, obj, head, nil, co.MigrationID)
		opts.StorageTier = e.cfg.StorageTier
		if err := e.limit.Request(ctx); err != nil {
			return Result{}, err
		}
		id, err := dst.CreateMultipart(ctx, obj.Key, opts)
		if err != nil {
			return Result{}, fromDest(err)
		}
		uploadID = id
		st, err := h.State()
		if err != nil {
			return Result{}, err
		}
		onCP(Checkpoint{Key: obj.Key, UploadID: id, SourceETag: obj.ETag, SourceVersion: obj.VersionID, PartSize: partSize, Hash: st})
	}

	rd := &sourceReader{ctx: ctx, e: e, src: src, obj: obj, off: int64(next-1) * partSize}
	defer rd.Close()
	up := &uploads{e: e, dst: dst, key: obj.Key, uploadID: uploadID, parts: parts, done: next - 1,
		states: map[int]HashState{}, sem: make(chan struct{}, e.cfg.PartConcurrency),
		cp: Checkpoint{Key: obj.Key, UploadID: uploadID, SourceETag: obj.ETag, SourceVersion: obj.VersionID, PartSize: partSize}, onCP: onCP}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	up.cancel = cancel
	var readErr error
	for n := next; n <= nparts && ctx.Err() == nil; n++ {
		size := min(partSize, obj.Size-int64(n-1)*partSize)
		buf, err := e.pool.Get(ctx, int(size))
		if err != nil {
			readErr = err
			break
		}
		if _, err := io.ReadFull(rd, buf); err != nil {
			e.pool.Put(buf)
			readErr = err
			break
		}
		h.Write(buf)
		if err := h.PartsErr(false); err != nil {
			// A source part does not match its own checksum: no part
			// after it is worth sending.
			e.pool.Put(buf)
			e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: src.String(), Key: obj.Key, Err: err})
			readErr = fromSource(err)
			break
		}
		st, err := h.State()
		if err != nil {
			e.pool.Put(buf)
			readErr = err
			break
		}
		up.start(ctx, n, buf, st)
	}
	if err := up.wait(); err != nil {
		return up.result(obj), err // the first upload failure, not the cancellations it caused
	}
	if readErr != nil {
		return up.result(obj), readErr
	}
	info := rd.info
	if next > nparts {
		info = obj // every part was uploaded before this attempt
	}
	r := e.newResult(obj, info, h)
	r.BytesSent = up.sent
	if r.SourceCheck, err = x.check(h); err != nil {
		e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: src.String(), Key: obj.Key, Err: err})
		return r, fromSource(err)
	}
	if err := e.limit.Request(ctx); err != nil {
		return r, err
	}
	final, err := dst.CompleteMultipart(ctx, obj.Key, uploadID, parts)
	if err != nil {
		if errors.Is(err, store.ErrChecksumMismatch) {
			e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: dst.String(), Key: obj.Key, Err: err})
		}
		return r, fromDest(err)
	}
	r.DestETag, r.DestCheck, r.Parts, r.Outcome = final.ETag, DestCheckMultipart, nparts, Copied
	return r, nil
}

// resume validates a checkpoint against the store and returns where to
// continue. An unusable checkpoint (other part size, upload gone, parts
// missing, source changed) aborts that upload and starts afresh.
func (e *Engine) resume(ctx context.Context, dst store.Store, obj store.ObjectInfo, cp *Checkpoint, partSize int64, parts []store.Part) (string, int, *Hasher, error) {
	fresh := func() (string, int, *Hasher, error) {
		e.abort(dst, obj.Key, cp.UploadID)
		return "", 1, nil, nil
	}
	// The hash covers exactly parts 1..PartsDone; the last part of an
	// object may be short.
	partLen := func(n int) int64 { return min(partSize, obj.Size-int64(n-1)*partSize) }
	if cp.UploadID == "" || cp.PartSize != partSize || cp.PartsDone > len(parts) ||
		cp.Hash.Size != min(int64(cp.PartsDone)*partSize, obj.Size) {
		return fresh()
	}
	if cp.SourceETag != obj.ETag || (cp.SourceVersion != "" && obj.VersionID != "" && cp.SourceVersion != obj.VersionID) {
		e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Key: obj.Key, Err: fmt.Errorf("%w: checkpoint ETag %s, now %s", errSourceChanged, cp.SourceETag, obj.ETag)})
		return fresh()
	}
	if err := e.limit.Request(ctx); err != nil {
		return "", 0, nil, err
	}
	have, err := dst.ListParts(ctx, obj.Key, cp.UploadID)
	if errors.Is(err, store.ErrNotFound) {
		return fresh()
	}
	if err != nil {
		return "", 0, nil, fromDest(err)
	}
	byNum := make(map[int]store.Part, len(have))
	for _, p := range have {
		byNum[p.Number] = p
	}
	for n := 1; n <= cp.PartsDone; n++ {
		p, ok := byNum[n]
		if !ok || p.Size != partLen(n) || len(p.MD5) == 0 {
			return fresh()
		}
		parts[n-1] = p
	}
	h, err := RestoreHasher(cp.Hash)
	if err != nil {
		return fresh()
	}
	return cp.UploadID, cp.PartsDone + 1, h, nil
}

// uploads runs the part uploads of one object and tracks the finished
// prefix for checkpoints.
type uploads struct {
	e        *Engine
	dst      store.Store
	key      string
	uploadID string
	sem      chan struct{}
	wg       sync.WaitGroup
	cancel   context.CancelCauseFunc
	onCP     func(Checkpoint)

	mu     sync.Mutex
	parts  []store.Part
	done   int // parts 1..done are uploaded
	states map[int]HashState
	cp     Checkpoint
	sent   int64
	err    error
}

// start uploads part n from buf in the background; buf returns to the pool
// when the upload ends. st is the hash state after part n.
func (u *uploads) start(ctx context.Context, n int, buf []byte, st HashState) {
	select {
	case u.sem <- struct{}{}:
	case <-ctx.Done():
		u.e.pool.Put(buf)
		return
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		defer func() { <-u.sem }()
		defer u.e.pool.Put(buf)
		sum := md5.Sum(buf)
		err := u.e.limit.Request(ctx)
		var p store.Part
		if err == nil {
			p, err = u.dst.UploadPart(ctx, u.key, u.uploadID, n, bytes.NewReader(buf), int64(len(buf)), sum[:])
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		u.sent += int64(len(buf))
		if err != nil {
			if u.err == nil {
				u.err = fromDest(err)
				u.cancel(u.err)
			}
			return
		}
		if len(p.MD5) == 0 {
			p.MD5 = sum[:]
		}
		p.Number, p.Size = n, int64(len(buf))
		u.parts[n-1] = p
		u.states[n] = st
		u.e.obs.Observe(observe.Event{Kind: observe.PartDone, Store: u.dst.String(), Key: u.key, Bytes: p.Size})
		u.e.obs.Observe(observe.Event{Kind: observe.Bytes, Store: u.dst.String(), Key: u.key, Bytes: p.Size})
		advanced := false
		for {
			s, ok := u.states[u.done+1]
			if !ok {
				break
			}
			delete(u.states, u.done+1)
			u.done++
			u.cp.PartsDone, u.cp.Hash = u.done, s
			advanced = true
		}
		if advanced {
			u.onCP(u.cp)
		}
	}()
}

// wait waits for every started upload and returns the first error.
func (u *uploads) wait() error {
	u.wg.Wait()
	return u.err
}

// result is the partial record of an unfinished upload.
func (u *uploads) result(obj store.ObjectInfo) Result {
	return Result{Key: obj.Key, Size: obj.Size, SourceETag: obj.ETag, BytesSent: u.sent}
}

// sourceReader reads an object from an offset to its end, pinned to the
// listed ETag and version. When the connection drops mid-body it reopens
// the stream at the current offset, with the same pin, a few times.
type sourceReader struct {
	ctx     context.Context
	e       *Engine
	src     store.Store
	obj     store.ObjectInfo
	off     int64
	body    io.ReadCloser
	info    store.ObjectInfo
	reopens int
}

const maxReopens = 5

func (r *sourceReader) Read(p []byte) (int, error) {
	for {
		if r.body == nil {
			if err := r.open(); err != nil {
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		if n > 0 {
			if werr := r.e.limit.Bytes(r.ctx, n); werr != nil {
				return n, werr
			}
		}
		if err == nil || (err == io.EOF && r.off >= r.obj.Size) {
			return n, err
		}
		// Short body or a dropped connection: reopen where we are.
		r.body.Close()
		r.body = nil
		if r.ctx.Err() != nil {
			return n, r.ctx.Err()
		}
		if r.reopens++; r.reopens > maxReopens {
			return n, fromSource(&store.Error{Store: r.src.String(), Op: "get", Key: r.obj.Key, Class: store.Retryable,
				Err: fmt.Errorf("read body at offset %d after %d reopens: %w", r.off, maxReopens, err)})
		}
		r.e.obs.Observe(observe.Event{Kind: observe.Retry, Store: r.src.String(), Op: "get", Key: r.obj.Key, Attempt: r.reopens, Err: err})
		select { // a short pause, jittered, before reopening
		case <-time.After(jitter(r.e.cfg.RetryBackoff << (r.reopens - 1))):
		case <-r.ctx.Done():
			return n, r.ctx.Err()
		}
		if n > 0 {
			return n, nil
		}
	}
}

func (r *sourceReader) open() error {
	if err := r.e.limit.Request(r.ctx); err != nil {
		return err
	}
	rc, info, err := r.src.Get(r.ctx, r.obj.Key, store.GetOptions{
		Range: &store.Range{Offset: r.off, Length: -1}, IfMatch: r.obj.ETag, VersionID: r.obj.VersionID})
	if err != nil {
		return sourceGetErr(err)
	}
	if info.Size != r.obj.Size {
		rc.Close()
		return fmt.Errorf("%w: size %d, listed %d", errSourceChanged, info.Size, r.obj.Size)
	}
	r.body, r.info = rc, info
	return nil
}

// Close closes the open stream, if any.
func (r *sourceReader) Close() error {
	if r.body != nil {
		return r.body.Close()
	}
	return nil
}
