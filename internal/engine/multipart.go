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
	m := &multipartCopy{e: e, src: src, dst: dst, obj: obj, partSize: partSize, nparts: nparts,
		parts: make([]store.Part, nparts), onCP: onCP, co: co}
	if err := m.checkSource(ctx, cp); err != nil {
		return Result{}, err
	}
	if err := m.begin(ctx, cond, cp); err != nil {
		return Result{}, err
	}
	rd := &sourceReader{ctx: ctx, e: e, src: src, obj: obj, off: int64(m.next-1) * partSize}
	defer rd.Close()
	up := &uploads{e: e, dst: dst, key: obj.Key, uploadID: m.uploadID, parts: m.parts, done: m.next - 1,
		states: map[int]HashState{}, sem: make(chan struct{}, e.cfg.PartConcurrency),
		cp: Checkpoint{Key: obj.Key, UploadID: m.uploadID, SourceETag: obj.ETag, SourceVersion: obj.VersionID, PartSize: partSize}, onCP: onCP}
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	up.cancel = cancel
	readErr := m.send(pctx, rd, up)
	if err := up.wait(); err != nil {
		return up.result(obj), err // the first upload failure, not the cancellations it caused
	}
	if readErr != nil {
		return up.result(obj), readErr
	}
	info := rd.info
	if m.next > nparts {
		info = obj // every part was uploaded before this attempt
	}
	r := e.newResult(obj, info, m.h)
	r.BytesSent = up.sent
	return m.complete(pctx, r)
}

// multipartCopy is one multipart copy of obj: the source's HEAD and the
// check it allows, and the upload it continues or begins.
type multipartCopy struct {
	e        *Engine
	src, dst store.Store
	obj      store.ObjectInfo
	partSize int64
	nparts   int
	parts    []store.Part
	onCP     func(Checkpoint)
	co       CopyOptions

	head     store.ObjectInfo // the source's HEAD: metadata and checksums
	x        expectation      // how the read is checked
	h        *Hasher
	uploadID string
	next     int // the first part this attempt uploads
}

// checkSource HEADs the source (listings carry no metadata nor
// checksums; the upload fixes the metadata at its start), refuses a
// source changed since it was listed, and decides how the read is
// checked. A source that cannot be checked when the plan requires it
// aborts the checkpoint's upload.
func (m *multipartCopy) checkSource(ctx context.Context, cp *Checkpoint) error {
	if err := m.e.limit.Request(ctx); err != nil {
		return err
	}
	head, err := m.src.Head(ctx, m.obj.Key)
	if err != nil {
		return fromSource(err)
	}
	if head.ETag != m.obj.ETag {
		return fmt.Errorf("%w: ETag %s, listed %s", errSourceChanged, head.ETag, m.obj.ETag)
	}
	m.head = head
	if m.x, err = m.e.expect(ctx, m.src, m.obj, head, m.co); err != nil {
		if cp != nil && errors.Is(err, ErrSourceUnchecked) {
			m.e.abort(m.dst, m.obj.Key, cp.UploadID)
		}
		return err
	}
	return nil
}

// begin resumes the checkpoint's upload when it is still usable, or
// creates a new one and reports its first checkpoint.
func (m *multipartCopy) begin(ctx context.Context, cond store.PutOptions, cp *Checkpoint) error {
	m.next = 1
	if cp != nil {
		var err error
		if m.uploadID, m.next, m.h, err = m.e.resume(ctx, m.dst, m.obj, cp, m.partSize, m.parts); err != nil {
			return err
		}
		if m.uploadID != "" {
			if err := m.x.prepare(m.h); err == nil {
				return nil
			}
			// The saved hashes cannot check this source: start over.
			m.e.abort(m.dst, m.obj.Key, m.uploadID)
			m.uploadID, m.next, m.h = "", 1, nil
			clear(m.parts)
		}
	}
	// The whole-object MD5 is worth its CPU only when the source vouches
	// for one to compare with; parts are checked on their own.
	if len(m.x.md5) > 0 {
		m.h = NewHasher()
	} else {
		m.h = NewHasherWithoutMD5()
	}
	if err := m.x.prepare(m.h); err != nil {
		return err
	}
	opts := cond
	opts.Metadata = provenance(m.src, m.obj, m.head, nil, m.co.MigrationID)
	opts.StorageTier = m.e.cfg.StorageTier
	if err := m.e.limit.Request(ctx); err != nil {
		return err
	}
	id, err := m.dst.CreateMultipart(ctx, m.obj.Key, opts)
	if err != nil {
		return fromDest(err)
	}
	m.uploadID = id
	st, err := m.h.State()
	if err != nil {
		return err
	}
	m.onCP(Checkpoint{Key: m.obj.Key, UploadID: id, SourceETag: m.obj.ETag, SourceVersion: m.obj.VersionID, PartSize: m.partSize, Hash: st})
	return nil
}

// send reads the source part by part into pool buffers, hashing each, and
// hands each part to up. It returns the read's error: a part that does
// not match the source's own checksum stops the read, as no part after it
// is worth sending.
func (m *multipartCopy) send(ctx context.Context, rd *sourceReader, up *uploads) error {
	e := m.e
	for n := m.next; n <= m.nparts && ctx.Err() == nil; n++ {
		size := min(m.partSize, m.obj.Size-int64(n-1)*m.partSize)
		buf, err := e.pool.Get(ctx, int(size))
		if err != nil {
			return err
		}
		if _, err := io.ReadFull(rd, buf); err != nil {
			e.pool.Put(buf)
			return err
		}
		m.h.Write(buf)
		if err := m.h.PartsErr(false); err != nil {
			e.pool.Put(buf)
			e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: m.src.String(), Key: m.obj.Key, Err: err})
			return fromSource(err)
		}
		st, err := m.h.State()
		if err != nil {
			e.pool.Put(buf)
			return err
		}
		up.start(ctx, n, buf, st)
	}
	return nil
}

// complete checks the read against the source's checksums and commits
// the upload; only then is the object copied.
func (m *multipartCopy) complete(ctx context.Context, r Result) (Result, error) {
	e := m.e
	var err error
	if r.SourceCheck, err = m.x.check(m.h); err != nil {
		e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: m.src.String(), Key: m.obj.Key, Err: err})
		return r, fromSource(err)
	}
	if err := e.limit.Request(ctx); err != nil {
		return r, err
	}
	final, err := m.dst.CompleteMultipart(ctx, m.obj.Key, m.uploadID, m.parts)
	if err != nil {
		if errors.Is(err, store.ErrChecksumMismatch) {
			e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: m.dst.String(), Key: m.obj.Key, Err: err})
		}
		return r, fromDest(err)
	}
	r.DestETag, r.DestCheck, r.Parts, r.Outcome = final.ETag, DestCheckMultipart, m.nparts, Copied
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
