package locals3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/locals3"
)

// eachStorage runs fn against an endpoint on disk and one in memory. dir is
// the storage directory ("" in memory).
func eachStorage(t *testing.T, fn func(t *testing.T, c *s3.Client, dir string)) {
	for _, storage := range []string{"disk", "mem"} {
		t.Run(storage, func(t *testing.T) {
			dir := ""
			if storage == "disk" {
				dir = t.TempDir()
			}
			_, url := serve(t, locals3.Config{Dir: dir})
			fn(t, client(url, "us-east-1", "any", "any"), dir)
		})
	}
}

func putString(t *testing.T, c *s3.Client, key, body string) string {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: strings.NewReader(body)})
	require.NoErrorf(t, err, "put %q", key)
	return aws.ToString(out.ETag)
}

func getString(t *testing.T, c *s3.Client, key string) (string, *s3.GetObjectOutput) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
	require.NoErrorf(t, err, "get %q", key)
	b, err := io.ReadAll(out.Body)
	out.Body.Close()
	require.NoErrorf(t, err, "read %q", key)
	return string(b), out
}

func listAll(t *testing.T, c *s3.Client, in *s3.ListObjectsV2Input) (objs []types.Object, prefixes []string, pages int) {
	t.Helper()
	in.Bucket = aws.String("bkt")
	p := s3.NewListObjectsV2Paginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		require.NoError(t, err)
		pages++
		objs = append(objs, out.Contents...)
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	return objs, prefixes, pages
}

// statusOf returns the HTTP status of an SDK error, 0 when it has none.
func statusOf(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// uploadMultipart uploads data in two parts (5 MiB and the rest) and
// returns the ETag CompleteMultipartUpload reported.
func uploadMultipart(t *testing.T, c *s3.Client, key string, data []byte) string {
	t.Helper()
	ctx := context.Background()
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
	require.NoError(t, err)
	var done []types.CompletedPart
	for i, chunk := range [][]byte{data[:5<<20], data[5<<20:]} {
		n := int32(i + 1)
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(chunk)})
		require.NoError(t, err)
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	cmp, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	require.NoError(t, err)
	return aws.ToString(cmp.ETag)
}

// compositeETag is S3's ETag of an object uploaded in the given parts.
func compositeETag(parts ...[]byte) string {
	all := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		all.Write(s[:])
	}
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(all.Sum(nil)), len(parts))
}

func md5ETag(b []byte) string {
	s := md5.Sum(b)
	return `"` + hex.EncodeToString(s[:]) + `"`
}

// TestMultipartETagEverywhere checks that a multipart object reports its
// composite ETag on HEAD, GET and in listings, and that conditions compare
// with it, not with the content MD5.
func TestMultipartETagEverywhere(t *testing.T) {
	eachStorage(t, func(t *testing.T, c *s3.Client, dir string) {
		ctx := context.Background()
		data := bytes.Repeat([]byte("0123456789abcdef"), (5<<20+4096)/16)
		want := compositeETag(data[:5<<20], data[5<<20:])
		require.NotEqual(t, md5ETag(data), want)

		assert.Equal(t, want, uploadMultipart(t, c, "mp/obj", data), "complete")
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/obj")})
		require.NoError(t, err)
		assert.Equal(t, want, aws.ToString(head.ETag), "head")
		assert.Equal(t, int64(len(data)), aws.ToInt64(head.ContentLength))
		body, get := getString(t, c, "mp/obj")
		assert.Equal(t, want, aws.ToString(get.ETag), "get")
		assert.True(t, string(data) == body, "content")
		objs, _, _ := listAll(t, c, &s3.ListObjectsV2Input{Prefix: aws.String("mp/")})
		require.Len(t, objs, 1)
		assert.Equal(t, want, aws.ToString(objs[0].ETag), "list")
		assert.Equal(t, types.ObjectStorageClassStandard, objs[0].StorageClass)

		// Reads conditioned on the composite ETag.
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/obj"), IfMatch: aws.String(want)})
		require.NoError(t, err, "If-Match with the composite ETag")
		out.Body.Close()
		_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/obj"), IfMatch: aws.String(md5ETag(data))})
		assert.Equal(t, "PreconditionFailed", code(err), "If-Match with the content MD5")
		_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/obj"), IfNoneMatch: aws.String(want)})
		assert.Equal(t, 304, statusOf(err), "If-None-Match with the composite ETag")
		out, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/obj"), IfNoneMatch: aws.String(md5ETag(data))})
		require.NoError(t, err, "If-None-Match with another ETag")
		out.Body.Close()

		// A copy is written in one piece: its ETag is its MD5.
		cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/copy"), CopySource: aws.String("bkt/mp/obj")})
		require.NoError(t, err)
		assert.Equal(t, md5ETag(data), aws.ToString(cp.CopyObjectResult.ETag), "copy result")
		head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/copy")})
		require.NoError(t, err)
		assert.Equal(t, md5ETag(data), aws.ToString(head.ETag), "copy head")

		// Writes conditioned on the composite ETag.
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/obj"), Body: strings.NewReader("x"), IfMatch: aws.String(md5ETag(data))})
		assert.Equal(t, "PreconditionFailed", code(err), "put If-Match with the content MD5")
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp/obj"), Body: strings.NewReader("x"), IfMatch: aws.String(want)})
		require.NoError(t, err, "put If-Match with the composite ETag")
		body, get = getString(t, c, "mp/obj")
		assert.Equal(t, "x", body)
		assert.Equal(t, md5ETag([]byte("x")), aws.ToString(get.ETag), "a single put's ETag is its MD5 again")
	})
}

// TestDiskStateSurvivesRestart reopens a storage directory: objects, their
// ETags (composite included) and listings come back.
func TestDiskStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv, err := locals3.New(locals3.Config{Dir: dir})
	require.NoError(t, err)
	require.NoError(t, srv.CreateBucket("bkt"))
	url, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	c := client(url, "us-east-1", "any", "any")
	data := bytes.Repeat([]byte{'m'}, 5<<20+10)
	mp := uploadMultipart(t, c, "k/mp", data)
	single := putString(t, c, "k", "single")
	stop()

	_, url = serve(t, locals3.Config{Dir: dir}) // CreateBucket of an existing bucket is no error
	c = client(url, "us-east-1", "any", "any")
	objs, _, _ := listAll(t, c, &s3.ListObjectsV2Input{})
	require.Len(t, objs, 2)
	assert.Equal(t, "k", aws.ToString(objs[0].Key))
	assert.Equal(t, single, aws.ToString(objs[0].ETag))
	assert.Equal(t, "k/mp", aws.ToString(objs[1].Key))
	assert.Equal(t, mp, aws.ToString(objs[1].ETag))
	body, get := getString(t, c, "k/mp")
	assert.Equal(t, mp, aws.ToString(get.ETag))
	assert.Equal(t, len(data), len(body))
}

// TestKeysAreNotPaths stores keys that collide as file paths: a key and a
// key below it, trailing and repeated slashes, leading slashes.
func TestKeysAreNotPaths(t *testing.T) {
	keys := []string{"a", "a/b", "a/b/c", "k/", "k", "k//", "x//y", "x/y", "/lead", "//lead", "sp ace/", "dot./x", "a/b/"}
	eachStorage(t, func(t *testing.T, c *s3.Client, dir string) {
		ctx := context.Background()
		for _, k := range keys {
			putString(t, c, k, "body of "+k)
		}
		for _, k := range keys {
			body, _ := getString(t, c, k)
			assert.Equalf(t, "body of "+k, body, "key %q", k)
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k)})
			require.NoErrorf(t, err, "head %q", k)
			assert.Equal(t, int64(len("body of "+k)), aws.ToInt64(head.ContentLength))
		}
		want := append([]string(nil), keys...)
		sort.Strings(want)
		objs, _, _ := listAll(t, c, &s3.ListObjectsV2Input{MaxKeys: aws.Int32(4)})
		var got []string
		for _, o := range objs {
			got = append(got, aws.ToString(o.Key))
		}
		assert.Equal(t, want, got, "listing in byte order")

		// Deleting "a" leaves "a/b"; deleting "k/" leaves "k" and "k//".
		for _, k := range []string{"a", "k/"} {
			_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k)})
			require.NoError(t, err)
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k)})
			assert.Equalf(t, 404, statusOf(err), "head %q after delete", k)
		}
		for _, k := range []string{"a/b", "k", "k//"} {
			body, _ := getString(t, c, k)
			assert.Equal(t, "body of "+k, body)
		}
	})
}

// TestDiskListDelimiterPages pages a delimited listing one entry at a time:
// every common prefix appears once, and keys under it are skipped.
func TestDiskListDelimiterPages(t *testing.T) {
	_, url := serve(t, locals3.Config{Dir: t.TempDir()})
	c := client(url, "us-east-1", "any", "any")
	for _, k := range []string{"a/1", "a/2", "a/3/x", "b", "c/1", "c/2", "d", "/root"} {
		putString(t, c, k, k)
	}
	objs, prefixes, pages := listAll(t, c, &s3.ListObjectsV2Input{Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	var keys []string
	for _, o := range objs {
		keys = append(keys, aws.ToString(o.Key))
	}
	assert.Equal(t, []string{"b", "d"}, keys)
	assert.Equal(t, []string{"/", "a/", "c/"}, prefixes)
	assert.Equal(t, 5, pages)

	objs, prefixes, _ = listAll(t, c, &s3.ListObjectsV2Input{Prefix: aws.String("a/"), Delimiter: aws.String("/")})
	require.Len(t, objs, 2)
	assert.Equal(t, "a/1", aws.ToString(objs[0].Key))
	assert.Equal(t, []string{"a/3/"}, prefixes)
}

// TestRejectedPutLeavesNothing sends bodies that do not match their
// Content-MD5 or x-amz-checksum-*: a new key is not created, an existing
// object keeps its bytes and ETag, and no temporary file is left behind.
func TestRejectedPutLeavesNothing(t *testing.T) {
	eachStorage(t, func(t *testing.T, c *s3.Client, dir string) {
		ctx := context.Background()
		wrongMD5 := md5.Sum([]byte("something else"))
		wrong := base64.StdEncoding.EncodeToString(wrongMD5[:])

		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("new"),
			Body: strings.NewReader("sent bytes"), ContentMD5: aws.String(wrong)})
		assert.Equal(t, "BadDigest", code(err))
		_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("new")})
		assert.Equal(t, 404, statusOf(err), "head of a key whose only put was refused")
		objs, _, _ := listAll(t, c, &s3.ListObjectsV2Input{})
		assert.Empty(t, objs)

		orig := putString(t, c, "old", "original")
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("old"),
			Body: strings.NewReader("replacement"), ContentMD5: aws.String(wrong)})
		assert.Equal(t, "BadDigest", code(err))
		wrongSHA := base64.StdEncoding.EncodeToString(make([]byte, 32))
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("old"),
			Body: strings.NewReader("replacement"), ChecksumSHA256: aws.String(wrongSHA)})
		assert.Equal(t, "BadDigest", code(err))
		body, get := getString(t, c, "old")
		assert.Equal(t, "original", body, "a refused put changed the object")
		assert.Equal(t, orig, aws.ToString(get.ETag))

		if dir != "" {
			left, err := os.ReadDir(filepath.Join(dir, "tmp"))
			require.NoError(t, err)
			assert.Empty(t, left, "temporary files left by refused puts")
		}
	})
}

// TestStorageClass checks that an archived object refuses GET and that
// listings report each object's class.
func TestStorageClass(t *testing.T) {
	eachStorage(t, func(t *testing.T, c *s3.Client, dir string) {
		ctx := context.Background()
		putString(t, c, "hot", "h")
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("cold"),
			Body: strings.NewReader("c"), StorageClass: types.StorageClassGlacier})
		require.NoError(t, err)
		_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("cold")})
		assert.Equal(t, "InvalidObjectState", code(err))
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("cold")})
		require.NoError(t, err)
		assert.Equal(t, types.StorageClassGlacier, head.StorageClass)
		objs, _, _ := listAll(t, c, &s3.ListObjectsV2Input{})
		require.Len(t, objs, 2)
		assert.Equal(t, types.ObjectStorageClassGlacier, objs[0].StorageClass, "cold")
		assert.Equal(t, types.ObjectStorageClassStandard, objs[1].StorageClass, "hot")
	})
}

// TestDiskRangedGet reads ranges of an object on disk.
func TestDiskRangedGet(t *testing.T) {
	_, url := serve(t, locals3.Config{Dir: t.TempDir()})
	c := client(url, "us-east-1", "any", "any")
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("r"), Body: bytes.NewReader(data)})
	require.NoError(t, err)
	for _, r := range []struct {
		hdr        string
		start, end int
	}{{"bytes=0-0", 0, 1}, {"bytes=1000-300000", 1000, 300001}, {"bytes=-10", len(data) - 10, len(data)}, {"bytes=1048000-", 1048000, len(data)}} {
		out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("r"), Range: aws.String(r.hdr)})
		require.NoError(t, err, r.hdr)
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, data[r.start:r.end], b, r.hdr)
		assert.Equal(t, int64(r.end-r.start), aws.ToInt64(out.ContentLength), r.hdr)
	}
	_, err = c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("r"), Range: aws.String(fmt.Sprintf("bytes=%d-", len(data)))})
	assert.Equal(t, "InvalidRange", code(err))
}
