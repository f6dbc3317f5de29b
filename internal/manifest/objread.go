package manifest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ocimove/ocimove/internal/store"
)

// Block sizes of ranged manifest reads: a small first block (a header
// alone is often all a reader needs), then larger ones.
const (
	firstReadBlock = 16 << 10
	readBlock      = 128 << 10
	readAttempts   = 3
)

// objectReader reads one object in ranged GETs pinned to the ETag of its
// first read. It holds one block in memory and no connection between
// blocks, so a slow consumer neither buffers the object nor keeps a
// response open for the length of a long activity.
type objectReader struct {
	ctx  context.Context
	st   store.Store
	key  string
	etag string
	size int64 // -1 until the first read
	off  int64
	buf  bytes.Buffer
	gets int
}

func newObjectReader(ctx context.Context, st store.Store, key string) *objectReader {
	return &objectReader{ctx: ctx, st: st, key: key, size: -1}
}

// Read implements io.Reader.
func (o *objectReader) Read(p []byte) (int, error) {
	if o.buf.Len() == 0 {
		if err := o.fill(); err != nil {
			return 0, err
		}
	}
	return o.buf.Read(p)
}

// fill reads the next block. A body cut short is read again, at most
// readAttempts times; a changed object fails with an error wrapping
// store.ErrPreconditionFailed.
func (o *objectReader) fill() error {
	if o.size >= 0 && o.off >= o.size {
		return io.EOF
	}
	length := int64(readBlock)
	if o.gets == 0 {
		length = firstReadBlock
	}
	for attempt := 1; ; attempt++ {
		o.gets++
		rc, info, err := o.st.Get(o.ctx, o.key, store.GetOptions{Range: &store.Range{Offset: o.off, Length: length}, IfMatch: o.etag})
		if errors.Is(err, store.ErrPreconditionFailed) {
			// Rewritten since the first block (a retried writer): read
			// again from the start.
			return &store.Error{Store: o.st.String(), Op: "get", Key: o.key, Class: store.Retryable,
				Err: fmt.Errorf("the manifest changed while it was read (at %d): %w", o.off, err)}
		}
		if err != nil {
			return fmt.Errorf("manifest: read %s at %d: %w", o.key, o.off, err)
		}
		if o.size < 0 {
			o.etag, o.size = info.ETag, info.Size
		}
		o.buf.Reset()
		n, err := o.buf.ReadFrom(io.LimitReader(rc, length))
		rc.Close()
		if err != nil {
			if attempt < readAttempts && o.ctx.Err() == nil {
				continue
			}
			return &store.Error{Store: o.st.String(), Op: "get", Key: o.key, Class: store.Retryable, Err: fmt.Errorf("read body at %d: %w", o.off, err)}
		}
		if n == 0 {
			if o.off < o.size {
				return &store.Error{Store: o.st.String(), Op: "get", Key: o.key, Class: store.Retryable,
					Err: fmt.Errorf("empty read at %d of %d bytes", o.off, o.size)}
			}
			return io.EOF
		}
		o.off += n
		return nil
	}
}
