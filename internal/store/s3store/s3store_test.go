package s3store_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/local/locals3"
	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

const (
	testKey    = "AKIDLOCAL"
	testSecret = "local-secret-key"
	bucket     = "src-bucket"
)

type env struct {
	srv *locals3.Server
	url string
	obs *observe.Recorder
	st  *s3store.Store
	ctx context.Context
}

func start(t *testing.T, region string) *env {
	t.Helper()
	srv, err := locals3.New(locals3.Config{Region: region, Credentials: map[string]string{testKey: testSecret}})
	require.NoError(t, err)
	require.NoError(t, srv.CreateBucket(bucket))
	url, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)
	e := &env{srv: srv, url: url, obs: &observe.Recorder{}, ctx: context.Background()}
	e.st = e.store(t, s3store.Config{})
	return e
}

// store returns a Store on the local endpoint; cfg fields left zero get the
// test defaults.
func (e *env) store(t *testing.T, cfg s3store.Config) *s3store.Store {
	t.Helper()
	if cfg.Bucket == "" {
		cfg.Bucket = bucket
	}
	if cfg.Region == "" {
		cfg.Region = e.srv.Region()
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = e.url
	}
	if cfg.Credentials == nil {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(testKey, testSecret, "")
	}
	cfg.UsePathStyle = true
	cfg.MaxBackoff = 20 * time.Millisecond
	cfg.Observer = e.obs
	st, err := s3store.New(e.ctx, cfg)
	require.NoError(t, err)
	return st
}

func put(t *testing.T, e *env, key, body string, opts store.PutOptions) store.ObjectInfo {
	t.Helper()
	sum := md5.Sum([]byte(body))
	opts.ContentMD5 = sum[:]
	info, err := e.st.Put(e.ctx, key, strings.NewReader(body), int64(len(body)), opts)
	require.NoError(t, err)
	return info
}

func TestErrorMapping(t *testing.T) {
	e := start(t, "eu-west-2")

	_, err := e.st.Head(e.ctx, "missing")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = e.st.Get(e.ctx, "missing", store.GetOptions{})
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.Equal(t, store.Permanent, store.ClassOf(err))

	nb := e.store(t, s3store.Config{Bucket: "no-such-bucket"})
	_, err = nb.List(e.ctx, store.ListOptions{})
	assert.ErrorIs(t, err, store.ErrBucketNotFound)
	assert.ErrorIs(t, nb.Check(e.ctx), store.ErrBucketNotFound)
	var se *store.Error
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Hint, "no-such-bucket")

	bad := e.store(t, s3store.Config{Credentials: credentials.NewStaticCredentialsProvider(testKey, "wrong", "")})
	_, err = bad.Head(e.ctx, "x")
	assert.ErrorIs(t, err, store.ErrPermission)
	_, err = bad.List(e.ctx, store.ListOptions{})
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "SignatureDoesNotMatch", se.Code)
	assert.Equal(t, 403, se.Status)

	unknown := e.store(t, s3store.Config{Credentials: credentials.NewStaticCredentialsProvider("NOBODY", "x", "")})
	_, err = unknown.List(e.ctx, store.ListOptions{})
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "InvalidAccessKeyId", se.Code)
	assert.ErrorIs(t, err, store.ErrPermission)
	assert.Contains(t, se.Hint, "AWS_ACCESS_KEY_ID")

	e.srv.Deny("secret/")
	put(t, e, "public/a", "a", store.PutOptions{})
	_, err = e.st.Put(e.ctx, "secret/a", strings.NewReader("a"), 1, store.PutOptions{})
	assert.ErrorIs(t, err, store.ErrPermission)
	_, _, err = e.st.Get(e.ctx, "secret/a", store.GetOptions{})
	assert.ErrorIs(t, err, store.ErrPermission)

	wrongRegion := e.store(t, s3store.Config{Region: "us-west-1"})
	_, err = wrongRegion.List(e.ctx, store.ListOptions{})
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Hint, `set Region to "eu-west-2"`)

	_, err = s3store.New(e.ctx, s3store.Config{Bucket: bucket, Region: "mars-north-9", Endpoint: e.url,
		Credentials: credentials.NewStaticCredentialsProvider(testKey, testSecret, "")})
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Hint, "set Region")

	_, err = s3store.New(e.ctx, s3store.Config{Region: "us-east-1"})
	assert.ErrorContains(t, err, "set Bucket")
}

func TestConnectionRefusedReturnsPromptlyWithHint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	e := start(t, "us-east-1")
	st := e.store(t, s3store.Config{Endpoint: "http://" + addr, MaxAttempts: 50})
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	_, err = st.List(ctx, store.ListOptions{})
	require.Error(t, err)
	require.NoError(t, ctx.Err(), "the request must fail on its own, not by the test's deadline")
	var se *store.Error
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Hint, "cannot connect to http://"+addr)
	assert.Equal(t, store.Retryable, se.Class)
}

func TestRetriesOnSlowDownEmitEventsThenSucceed(t *testing.T) {
	e := start(t, "us-east-1")
	e.srv.Faults().Set(faults.Rule{Op: locals3.OpPut, Status: 503, Count: 2})
	put(t, e, "k", "hello", store.PutOptions{})
	assert.Equal(t, 2, e.srv.Faults().Fired(locals3.OpPut))
	assert.Equal(t, 2, e.obs.Count(observe.Retry))
	assert.Equal(t, 2, e.obs.Count(observe.Throttled))
	for _, ev := range e.obs.Events() {
		assert.Equal(t, "put", ev.Op)
		assert.Equal(t, "k", ev.Key)
		assert.Equal(t, 503, ev.Status)
	}

	e.srv.Faults().Set(faults.Rule{Op: locals3.OpGet, Status: 500, Count: 1})
	rc, _, err := e.st.Get(e.ctx, "k", store.GetOptions{})
	require.NoError(t, err)
	b, _ := io.ReadAll(rc)
	rc.Close()
	assert.Equal(t, "hello", string(b))
	assert.Equal(t, 3, e.obs.Count(observe.Retry))
	assert.Equal(t, 2, e.obs.Count(observe.Throttled), "500 InternalError is a retry, not a throttle")

	e.srv.Faults().Set(faults.Rule{Op: locals3.OpHead, Status: 503})
	few := e.store(t, s3store.Config{MaxAttempts: 2})
	_, err = few.Head(e.ctx, "k")
	assert.True(t, store.IsRetryable(err), "an exhausted 503 stays retryable: %v", err)
}

func TestRangedAndPinnedGet(t *testing.T) {
	e := start(t, "us-east-1")
	info := put(t, e, "obj", "0123456789", store.PutOptions{})
	require.Len(t, info.ETag, 32)

	rc, got, err := e.st.Get(e.ctx, "obj", store.GetOptions{Range: &store.Range{Offset: 2, Length: 3}, IfMatch: info.ETag})
	require.NoError(t, err)
	b, _ := io.ReadAll(rc)
	rc.Close()
	assert.Equal(t, "234", string(b))
	assert.Equal(t, int64(10), got.Size)

	rc, _, err = e.st.Get(e.ctx, "obj", store.GetOptions{Range: &store.Range{Offset: 7, Length: -1}})
	require.NoError(t, err)
	b, _ = io.ReadAll(rc)
	rc.Close()
	assert.Equal(t, "789", string(b))

	put(t, e, "obj", "changed!!!", store.PutOptions{})
	_, _, err = e.st.Get(e.ctx, "obj", store.GetOptions{Range: &store.Range{Offset: 2, Length: 3}, IfMatch: info.ETag})
	assert.ErrorIs(t, err, store.ErrPreconditionFailed)
}

func TestHeadMetadataAndChecksums(t *testing.T) {
	e := start(t, "us-east-1")
	meta := store.Metadata{ContentType: "text/plain", ContentEncoding: "identity", ContentLanguage: "de",
		ContentDisposition: "attachment", CacheControl: "max-age=60", User: map[string]string{"mig-id": "m1", "owner": "ü"}}
	put(t, e, "m", "metadata body", store.PutOptions{Metadata: meta})
	info, err := e.st.Head(e.ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, meta, info.Metadata)
	sum := md5.Sum([]byte("metadata body"))
	assert.Equal(t, sum[:], info.ContentMD5)
	require.NotEmpty(t, info.Checksums, "the SDK sends CRC32 by default; the endpoint returns it in checksum mode")
	assert.Equal(t, "CRC32", info.Checksums[0].Algorithm)

	// Overwriting without metadata leaves none of the old.
	put(t, e, "m", "plain", store.PutOptions{})
	info, err = e.st.Head(e.ctx, "m")
	require.NoError(t, err)
	assert.Empty(t, info.Metadata.User)
	assert.Empty(t, info.Metadata.CacheControl)
}

func TestConditionalPuts(t *testing.T) {
	e := start(t, "us-east-1")
	first := put(t, e, "c", "one", store.PutOptions{IfNoneMatch: true})
	_, err := e.st.Put(e.ctx, "c", strings.NewReader("two"), 3, store.PutOptions{IfNoneMatch: true})
	assert.ErrorIs(t, err, store.ErrPreconditionFailed)
	_, err = e.st.Put(e.ctx, "c", strings.NewReader("two"), 3, store.PutOptions{IfMatch: "0123456789abcdef0123456789abcdef"})
	assert.ErrorIs(t, err, store.ErrPreconditionFailed)
	put(t, e, "c", "two", store.PutOptions{IfMatch: first.ETag})
	rc, _, err := e.st.Get(e.ctx, "c", store.GetOptions{})
	require.NoError(t, err)
	b, _ := io.ReadAll(rc)
	rc.Close()
	assert.Equal(t, "two", string(b))

	bad := md5.Sum([]byte("other"))
	_, err = e.st.Put(e.ctx, "d", strings.NewReader("body"), 4, store.PutOptions{ContentMD5: bad[:]})
	assert.ErrorIs(t, err, store.ErrChecksumMismatch)
	_, err = e.st.Head(e.ctx, "d")
	assert.ErrorIs(t, err, store.ErrNotFound, "a failed put leaves nothing")
}

func TestMultipartRoundTrip(t *testing.T) {
	e := start(t, "us-east-1")
	const partSize = 5 << 20
	data := bytes.Repeat([]byte("abcdefghijklmnopq"), (2*partSize+1234)/17+1)
	id, err := e.st.CreateMultipart(e.ctx, "big", store.PutOptions{Metadata: store.Metadata{User: map[string]string{"k": "v"}}})
	require.NoError(t, err)
	var parts []store.Part
	for n, off := 1, 0; off < len(data); n, off = n+1, off+partSize {
		chunk := data[off:min(off+partSize, len(data))]
		sum := md5.Sum(chunk)
		p, err := e.st.UploadPart(e.ctx, "big", id, n, bytes.NewReader(chunk), int64(len(chunk)), sum[:])
		require.NoError(t, err)
		parts = append(parts, p)
	}
	listed, err := e.st.ListParts(e.ctx, "big", id)
	require.NoError(t, err)
	require.Len(t, listed, 3)
	for i := range parts {
		assert.Equal(t, parts[i].MD5, listed[i].MD5)
		assert.Equal(t, parts[i].Size, listed[i].Size)
	}
	// A corrupted part is refused.
	wrong := md5.Sum([]byte("x"))
	_, err = e.st.UploadPart(e.ctx, "big", id, 4, bytes.NewReader([]byte("tail")), 4, wrong[:])
	assert.ErrorIs(t, err, store.ErrChecksumMismatch)

	// A wrong part MD5 makes the composite ETag check fail.
	tampered := append([]store.Part(nil), parts...)
	tampered[0].MD5 = wrong[:]
	_, err = e.st.CompleteMultipart(e.ctx, "big", id, tampered)
	assert.ErrorIs(t, err, store.ErrChecksumMismatch)

	id2, err := e.st.CreateMultipart(e.ctx, "big2", store.PutOptions{})
	require.NoError(t, err)
	var parts2 []store.Part
	for n, off := 1, 0; off < len(data); n, off = n+1, off+partSize {
		chunk := data[off:min(off+partSize, len(data))]
		sum := md5.Sum(chunk)
		p, err := e.st.UploadPart(e.ctx, "big2", id2, n, bytes.NewReader(chunk), int64(len(chunk)), sum[:])
		require.NoError(t, err)
		parts2 = append(parts2, p)
	}
	info, err := e.st.CompleteMultipart(e.ctx, "big2", id2, parts2)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(info.ETag, "-3"), info.ETag)
	assert.Equal(t, int64(len(data)), info.Size)
	rc, _, err := e.st.Get(e.ctx, "big2", store.GetOptions{})
	require.NoError(t, err)
	got, _ := io.ReadAll(rc)
	rc.Close()
	assert.True(t, bytes.Equal(data, got))

	require.NoError(t, e.st.AbortMultipart(e.ctx, "big", id))
	_, err = e.st.ListParts(e.ctx, "big", id)
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.NoError(t, e.st.AbortMultipart(e.ctx, "big", id), "aborting an unknown upload is not an error")
}

func TestListPagesAndDelete(t *testing.T) {
	e := start(t, "us-east-1")
	for _, k := range []string{"p/a", "p/b", "p/c", "q/x"} {
		put(t, e, k, k, store.PutOptions{})
	}
	page, err := e.st.List(e.ctx, store.ListOptions{Prefix: "p/", Limit: 2})
	require.NoError(t, err)
	require.Len(t, page.Objects, 2)
	assert.True(t, page.Truncated)
	assert.Equal(t, "p/a", page.Objects[0].Key)
	assert.Len(t, page.Objects[0].ETag, 32)
	assert.Equal(t, int64(3), page.Objects[0].Size)
	page, err = e.st.List(e.ctx, store.ListOptions{Prefix: "p/", StartAfter: "p/b", Limit: 2})
	require.NoError(t, err)
	require.Len(t, page.Objects, 1)
	assert.Equal(t, "p/c", page.Objects[0].Key)
	assert.False(t, page.Truncated)

	require.NoError(t, e.st.Delete(e.ctx, "p/a"))
	require.NoError(t, e.st.Delete(e.ctx, "p/a"), "deleting a missing object is not an error")
	_, err = e.st.Head(e.ctx, "p/a")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestRegionDerivedFromEndpoint(t *testing.T) {
	e := start(t, "ap-southeast-1")
	assert.Equal(t, "ap-southeast-1", e.st.Region())

	// The configured label loses to what the endpoint reports.
	srv, err := locals3.New(locals3.Config{Region: "eu-central-1"})
	require.NoError(t, err)
	require.NoError(t, srv.CreateBucket(bucket))
	url, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	defer stop()
	st := e.store(t, s3store.Config{Endpoint: url, Region: "eu-central-1"})
	assert.Equal(t, "eu-central-1", st.Region())
	var _ store.Regioner = st
	assert.False(t, errors.Is(st.Check(e.ctx), store.ErrBucketNotFound))
}
