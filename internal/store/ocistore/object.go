package ocistore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/ocimove/ocimove/internal/store"
)

// Service limits.
const (
	// MaxPutSize is the largest object one PutObject may write (50 GiB).
	MaxPutSize int64 = 50 << 30
	// MaxKeyLen is the longest object name OCI accepts, in bytes.
	MaxKeyLen = 1024
	// maxListLimit is the largest page ListObjects returns.
	maxListLimit = 1000
)

// listFields are the ListObjects fields the store asks for.
const listFields = "name,size,etag,md5,timeCreated,timeModified,storageTier,archivalState"

// checkKey rejects, before anything is sent, a key OCI cannot store.
func (s *Store) checkKey(op, key string) error {
	switch {
	case key == "":
		return s.invalidKey(op, key, "the name is empty")
	case len(key) > MaxKeyLen:
		return s.invalidKey(op, key, fmt.Sprintf("the name is %d bytes long", len(key)))
	case strings.ContainsAny(key, "\n\r\x00"):
		return s.invalidKey(op, key, "the name contains a line feed, carriage return or NUL")
	case !utf8.ValidString(key):
		return s.invalidKey(op, key, "the name is not valid UTF-8")
	}
	return nil
}

// CheckName implements store.NameChecker, so that the engine reports a key
// OCI cannot store as an unsupported name before it reads the source.
func (s *Store) CheckName(key string) error { return s.checkKey("check-name", key) }

// maxEmptyPages bounds the empty pages List follows before it gives up.
const maxEmptyPages = 100

// List returns one page of objects after opts.StartAfter (exclusive; OCI's
// "start" would be inclusive, so the store uses "startAfter"). A page the
// service returns empty but with a next start is followed from there, so
// a page List returns is never empty and truncated.
func (s *Store) List(ctx context.Context, opts store.ListOptions) (store.ListPage, error) {
	limit := opts.Limit
	if limit <= 0 || limit > maxListLimit {
		limit = maxListLimit
	}
	req := objectstorage.ListObjectsRequest{
		NamespaceName:   &s.namespace,
		BucketName:      &s.bucket,
		Prefix:          optString(opts.Prefix),
		StartAfter:      optString(opts.StartAfter),
		Limit:           &limit,
		Fields:          common.String(listFields),
		RequestMetadata: s.requestMetadata("list", opts.Prefix),
	}
	var resp objectstorage.ListObjectsResponse
	for empty := 0; ; empty++ {
		var err error
		if resp, err = s.client.ListObjects(ctx, req); err != nil {
			return store.ListPage{}, s.mapError("list", opts.Prefix, err)
		}
		next := deref(resp.NextStartWith)
		if len(resp.Objects) > 0 || next == "" {
			break
		}
		if empty >= maxEmptyPages {
			return store.ListPage{}, &store.Error{Store: s.String(), Op: "list", Key: opts.Prefix, Class: store.Retryable,
				Err: fmt.Errorf("the service returned %d empty pages that say more follow", empty+1)}
		}
		req.StartAfter, req.Start = nil, &next // inclusive: the next page starts there
	}
	page := store.ListPage{
		Objects:   make([]store.ObjectInfo, 0, len(resp.Objects)),
		Truncated: resp.NextStartWith != nil && *resp.NextStartWith != "",
	}
	for _, o := range resp.Objects {
		if o.Name == nil {
			continue
		}
		info := store.ObjectInfo{
			Key:          *o.Name,
			ETag:         deref(o.Etag),
			StorageClass: string(o.StorageTier),
			ContentMD5:   plainMD5(o.Md5),
			LastModified: sdkTime(o.TimeModified),
		}
		if o.Size != nil {
			info.Size = *o.Size
		}
		if info.LastModified.IsZero() {
			info.LastModified = sdkTime(o.TimeCreated)
		}
		page.Objects = append(page.Objects, info)
	}
	return page, nil
}

// Head returns the object's attributes and metadata.
func (s *Store) Head(ctx context.Context, key string) (store.ObjectInfo, error) {
	if err := s.checkKey("head", key); err != nil {
		return store.ObjectInfo{}, err
	}
	resp, err := s.client.HeadObject(ctx, objectstorage.HeadObjectRequest{
		NamespaceName:   &s.namespace,
		BucketName:      &s.bucket,
		ObjectName:      &key,
		RequestMetadata: s.requestMetadata("head", key),
	})
	if err != nil {
		return store.ObjectInfo{}, s.mapError("head", key, err)
	}
	info := store.ObjectInfo{
		Key:          key,
		ETag:         deref(resp.ETag),
		LastModified: sdkTime(resp.LastModified),
		StorageClass: string(resp.StorageTier),
		VersionID:    deref(resp.VersionId),
		ContentMD5:   plainMD5(resp.ContentMd5),
		Metadata: metadataFrom(resp.ContentType, resp.ContentEncoding, resp.ContentLanguage,
			resp.ContentDisposition, resp.CacheControl, resp.OpcMeta),
	}
	if resp.ContentLength != nil {
		info.Size = *resp.ContentLength
	}
	return info, nil
}

// Get opens the object, or a range of it, for reading. The ObjectInfo
// describes the whole object.
func (s *Store) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	if err := s.checkKey("get", key); err != nil {
		return nil, store.ObjectInfo{}, err
	}
	var rangeHeader *string
	if r := opts.Range; r != nil {
		if r.Offset < 0 {
			return nil, store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "get", Key: key,
				Class: store.Permanent, Err: fmt.Errorf("negative range offset %d", r.Offset)}
		}
		if r.Length == 0 {
			return s.emptyRead(ctx, key, opts)
		}
		h := r.Header()
		rangeHeader = &h
	}
	resp, err := s.client.GetObject(ctx, objectstorage.GetObjectRequest{
		NamespaceName:   &s.namespace,
		BucketName:      &s.bucket,
		ObjectName:      &key,
		VersionId:       optString(opts.VersionID),
		IfMatch:         optString(opts.IfMatch),
		Range:           rangeHeader,
		RequestMetadata: s.requestMetadata("get", key),
	})
	if err != nil {
		return nil, store.ObjectInfo{}, s.mapError("get", key, err)
	}
	info := store.ObjectInfo{
		Key:          key,
		ETag:         deref(resp.ETag),
		LastModified: sdkTime(resp.LastModified),
		StorageClass: string(resp.StorageTier),
		VersionID:    deref(resp.VersionId),
		ContentMD5:   plainMD5(resp.ContentMd5),
		Metadata: metadataFrom(resp.ContentType, resp.ContentEncoding, resp.ContentLanguage,
			resp.ContentDisposition, resp.CacheControl, resp.OpcMeta),
	}
	if resp.ContentLength != nil {
		info.Size = *resp.ContentLength
	}
	if total, ok := store.ContentRangeTotal(deref(resp.ContentRange)); ok {
		info.Size = total
	}
	body := resp.Content
	if body == nil {
		body = io.NopCloser(bytes.NewReader(nil))
	}
	if opts.Range != nil && resp.RawResponse != nil && resp.RawResponse.StatusCode == http.StatusOK {
		// The endpoint ignored the Range header and sent the whole object.
		body, err = cutRange(body, *opts.Range)
		if err != nil {
			return nil, store.ObjectInfo{}, s.mapError("get", key, err)
		}
	}
	return body, info, nil
}

// emptyRead serves a zero-length range: HTTP cannot ask for it, so the
// object is checked with a HEAD instead.
func (s *Store) emptyRead(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	info, err := s.Head(ctx, key)
	if err != nil {
		return nil, info, err
	}
	if opts.IfMatch != "" && opts.IfMatch != info.ETag {
		return nil, store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "get", Key: key,
			Status: http.StatusPreconditionFailed, Class: store.Permanent, Err: store.ErrPreconditionFailed}
	}
	return io.NopCloser(bytes.NewReader(nil)), info, nil
}

// cutRange narrows a whole-object body to r.
func cutRange(body io.ReadCloser, r store.Range) (io.ReadCloser, error) {
	if _, err := io.CopyN(io.Discard, body, r.Offset); err != nil {
		body.Close()
		return nil, err
	}
	if r.Length < 0 {
		return body, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(body, r.Length), body}, nil
}

// Put writes size bytes of body, from its current position, as one
// object. The SDK resends the body on a retry by seeking it back, so it
// is handed over as a seekable, size-bounded body.
func (s *Store) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts store.PutOptions) (store.ObjectInfo, error) {
	if err := s.checkKey("put", key); err != nil {
		return store.ObjectInfo{}, err
	}
	if err := s.checkWrite("put", key, size, opts); err != nil {
		return store.ObjectInfo{}, err
	}
	if size > MaxPutSize {
		return store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "put", Key: key, Class: store.Permanent,
			Err:  fmt.Errorf("%d bytes exceed the single-request limit of %d", size, MaxPutSize),
			Hint: "upload objects this large with multipart"}
	}
	tier, err := s.tierFor(opts.StorageTier)
	if err != nil {
		return store.ObjectInfo{}, err
	}
	rc, err := newSizedBody(body, size)
	if err != nil {
		return store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "put", Key: key, Class: store.Permanent, Err: err}
	}
	md := opts.Metadata
	req := objectstorage.PutObjectRequest{
		NamespaceName:      &s.namespace,
		BucketName:         &s.bucket,
		ObjectName:         &key,
		ContentLength:      &size,
		PutObjectBody:      rc,
		ContentMD5:         md5Base64(opts.ContentMD5),
		ContentType:        optString(md.ContentType),
		ContentEncoding:    optString(md.ContentEncoding),
		ContentLanguage:    optString(md.ContentLanguage),
		ContentDisposition: optString(md.ContentDisposition),
		CacheControl:       optString(md.CacheControl),
		StorageTier:        objectstorage.PutObjectStorageTierEnum(tier),
		OpcMeta:            userMeta(md),
		IfMatch:            optString(opts.IfMatch),
		RequestMetadata:    s.requestMetadata("put", key),
	}
	if opts.IfNoneMatch {
		req.IfNoneMatch = common.String("*")
	}
	resp, err := s.client.PutObject(ctx, req)
	rc.release()
	if err != nil {
		return store.ObjectInfo{}, s.mapError("put", key, err)
	}
	info := store.ObjectInfo{
		Key:          key,
		Size:         size,
		ETag:         deref(resp.ETag),
		LastModified: sdkTime(resp.LastModified),
		StorageClass: string(tier),
		VersionID:    deref(resp.VersionId),
		ContentMD5:   plainMD5(resp.OpcContentMd5),
		Metadata:     md,
	}
	if len(opts.ContentMD5) > 0 {
		if info.ContentMD5 != nil && !bytes.Equal(info.ContentMD5, opts.ContentMD5) {
			// The service stored bytes other than those we hashed; take
			// them away again so no wrong object is left behind.
			s.removeWrong(ctx, key, info.ETag)
			s.obsMismatch("put", key, fmt.Errorf("opc-content-md5 %s", deref(resp.OpcContentMd5)))
			return store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "put", Key: key, Class: store.Retryable,
				Err: fmt.Errorf("%w: opc-content-md5 %s, sent %s", store.ErrChecksumMismatch,
					deref(resp.OpcContentMd5), deref(md5Base64(opts.ContentMD5)))}
		}
		// The service checked the Content-MD5 we sent.
		info.ContentMD5 = opts.ContentMD5
	}
	return info, nil
}

// checkWrite validates the parts of a write that need no request.
func (s *Store) checkWrite(op, key string, size int64, opts store.PutOptions) error {
	fail := func(err error) error {
		return &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Permanent, Err: err}
	}
	if size < 0 {
		return fail(fmt.Errorf("negative size %d", size))
	}
	if opts.IfNoneMatch && opts.IfMatch != "" {
		return fail(errors.New("IfNoneMatch and IfMatch cannot both be set"))
	}
	if len(opts.ContentMD5) != 0 && len(opts.ContentMD5) != 16 {
		return fail(fmt.Errorf("ContentMD5 must be a raw 16-byte MD5, got %d bytes", len(opts.ContentMD5)))
	}
	if err := checkMetadata(opts.Metadata); err != nil {
		return fail(err)
	}
	return nil
}

// tierFor returns the tier for a write: the write's own, or the store's.
func (s *Store) tierFor(name string) (objectstorage.StorageTierEnum, error) {
	if name == "" {
		return s.tier, nil
	}
	return parseTier(name)
}

// removeWrong deletes an object the store just wrote with the wrong
// content, pinned to its ETag so a newer object is never removed.
func (s *Store) removeWrong(ctx context.Context, key, etag string) {
	if etag == "" {
		return
	}
	_, _ = s.client.DeleteObject(context.WithoutCancel(ctx), objectstorage.DeleteObjectRequest{
		NamespaceName:   &s.namespace,
		BucketName:      &s.bucket,
		ObjectName:      &key,
		IfMatch:         &etag,
		RequestMetadata: s.requestMetadata("delete", key),
	})
}

// Delete removes the object. A missing object is not an error; a missing
// bucket is.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.checkKey("delete", key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, objectstorage.DeleteObjectRequest{
		NamespaceName:   &s.namespace,
		BucketName:      &s.bucket,
		ObjectName:      &key,
		RequestMetadata: s.requestMetadata("delete", key),
	})
	err = s.mapError("delete", key, err)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// sizedBody hands the SDK exactly size bytes of a caller's ReadSeeker,
// from the position it had, and seeks within that window. It implements
// io.Seeker itself, which is what the SDK checks (OCIReadSeekCloser
// .Seekable) before it resends a body on a retry; io.NopCloser would hide
// Seek from that check unless the SDK unwraps it by reflection.
type sizedBody struct {
	mu    sync.Mutex
	rs    io.ReadSeeker
	start int64
	size  int64
	pos   int64
}

func newSizedBody(rs io.ReadSeeker, size int64) (*sizedBody, error) {
	if rs == nil {
		if size != 0 {
			return nil, fmt.Errorf("nil body for %d bytes", size)
		}
		rs = bytes.NewReader(nil)
	}
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("body is not seekable: %w", err)
	}
	return &sizedBody{rs: rs, start: start, size: size}, nil
}

// errShortBody is returned when the caller's body holds fewer bytes than
// the size it announced. Resending cannot help, so it is not retried.
var errShortBody = errors.New("request body is shorter than its size")

// errReleased is returned by a body read after its request returned.
var errReleased = errors.New("request body used after the request returned")

// release detaches the caller's reader: after Put or UploadPart returns,
// the store never touches the caller's buffer again, even if the SDK's
// retry goroutine or the HTTP transport outlives a cancelled request.
func (b *sizedBody) release() {
	b.mu.Lock()
	b.rs = nil
	b.mu.Unlock()
}

func (b *sizedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rs == nil {
		return 0, errReleased
	}
	if b.pos >= b.size {
		return 0, io.EOF
	}
	if rem := b.size - b.pos; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := b.rs.Read(p)
	b.pos += int64(n)
	if err == io.EOF && b.pos < b.size {
		err = fmt.Errorf("%w: it ended after %d of %d bytes", errShortBody, b.pos, b.size)
	}
	return n, err
}

func (b *sizedBody) Seek(offset int64, whence int) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = b.pos + offset
	case io.SeekEnd:
		abs = b.size + offset
	default:
		return 0, fmt.Errorf("invalid whence %d", whence)
	}
	if abs < 0 || abs > b.size {
		return 0, fmt.Errorf("seek to %d outside the body of %d bytes", abs, b.size)
	}
	if b.rs == nil {
		return 0, errReleased
	}
	if _, err := b.rs.Seek(b.start+abs, io.SeekStart); err != nil {
		return 0, err
	}
	b.pos = abs
	return abs, nil
}

// Close does nothing: the caller owns the body.
func (b *sizedBody) Close() error { return nil }
