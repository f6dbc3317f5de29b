package localoci_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// multipartMD5 is the service's multipart checksum, computed independently.
func multipartMD5(parts ...[]byte) string {
	var raw []byte
	for _, p := range parts {
		sum := md5.Sum(p)
		raw = append(raw, sum[:]...)
	}
	sum := md5.Sum(raw)
	return fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(sum[:]), len(parts))
}

func (e *env) createUpload(t *testing.T, name string, mod func(*objectstorage.CreateMultipartUploadDetails)) string {
	t.Helper()
	d := objectstorage.CreateMultipartUploadDetails{Object: common.String(name)}
	if mod != nil {
		mod(&d)
	}
	resp, err := e.client.CreateMultipartUpload(context.Background(), objectstorage.CreateMultipartUploadRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), CreateMultipartUploadDetails: d,
	})
	require.NoError(t, err)
	assert.Equal(t, name, *resp.Object)
	assert.Equal(t, testBucket, *resp.Bucket)
	return *resp.UploadId
}

func (e *env) uploadPart(name, id string, n int, data []byte, md5sum string) (objectstorage.UploadPartResponse, error) {
	req := objectstorage.UploadPartRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String(name),
		UploadId: common.String(id), UploadPartNum: common.Int(n),
		ContentLength: common.Int64(int64(len(data))), UploadPartBody: body(data),
	}
	if md5sum != "" {
		req.ContentMD5 = common.String(md5sum)
	}
	return e.client.UploadPart(context.Background(), req)
}

func (e *env) listParts(t *testing.T, name, id string, limit int, page *string) objectstorage.ListMultipartUploadPartsResponse {
	t.Helper()
	resp, err := e.client.ListMultipartUploadParts(context.Background(), objectstorage.ListMultipartUploadPartsRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String(name),
		UploadId: common.String(id), Limit: common.Int(limit), Page: page,
	})
	require.NoError(t, err)
	return resp
}

func (e *env) commit(name, id string, parts map[int]string, mod func(*objectstorage.CommitMultipartUploadRequest)) (objectstorage.CommitMultipartUploadResponse, error) {
	var list []objectstorage.CommitMultipartUploadPartDetails
	for n := 1; n <= len(parts)+10; n++ {
		if etag, ok := parts[n]; ok {
			list = append(list, objectstorage.CommitMultipartUploadPartDetails{PartNum: common.Int(n), Etag: common.String(etag)})
		}
	}
	req := objectstorage.CommitMultipartUploadRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String(name),
		UploadId:                     common.String(id),
		CommitMultipartUploadDetails: objectstorage.CommitMultipartUploadDetails{PartsToCommit: list},
	}
	if mod != nil {
		mod(&req)
	}
	return e.client.CommitMultipartUpload(context.Background(), req)
}

func TestMultipart(t *testing.T) {
	for _, mode := range []string{"memory", "disk"} {
		t.Run(mode, func(t *testing.T) {
			dir := ""
			if mode == "disk" {
				dir = t.TempDir()
			}
			testMultipart(t, start(t, dir))
		})
	}
}

func testMultipart(t *testing.T, e *env) {
	ctx := context.Background()
	name := "big/объект 1+1=2.bin"
	id := e.createUpload(t, name, func(d *objectstorage.CreateMultipartUploadDetails) {
		d.ContentType = common.String("application/x-test")
		d.Metadata = map[string]string{"mig-id": "m1"}
	})

	parts := [][]byte{bytes.Repeat([]byte("a"), 1000), bytes.Repeat([]byte("b"), 700), []byte("tail")}
	etags := map[int]string{}
	for i, p := range parts {
		resp, err := e.uploadPart(name, id, i+1, p, md5b64(p))
		require.NoError(t, err)
		assert.Equal(t, md5b64(p), *resp.OpcContentMd5)
		assert.Regexp(t, uuidRE, *resp.ETag)
		etags[i+1] = *resp.ETag
	}

	// A part whose Content-MD5 does not match is refused and not recorded.
	_, err := e.uploadPart(name, id, 4, []byte("corrupt"), md5b64([]byte("other")))
	requireServiceError(t, err, http.StatusBadRequest, "UnmatchedContentMD5")

	// Parts list in pages, with opc-next-page.
	first := e.listParts(t, name, id, 2, nil)
	require.Len(t, first.Items, 2)
	require.NotNil(t, first.OpcNextPage)
	second := e.listParts(t, name, id, 2, first.OpcNextPage)
	require.Len(t, second.Items, 1)
	assert.Nil(t, second.OpcNextPage)
	listed := append(first.Items, second.Items...)
	for i, p := range listed {
		assert.Equal(t, i+1, *p.PartNumber)
		assert.Equal(t, etags[i+1], *p.Etag)
		assert.Equal(t, md5b64(parts[i]), *p.Md5)
		assert.Equal(t, int64(len(parts[i])), *p.Size)
	}

	ups, err := e.client.ListMultipartUploads(ctx, objectstorage.ListMultipartUploadsRequest{NamespaceName: &e.ns, BucketName: common.String(testBucket)})
	require.NoError(t, err)
	require.Len(t, ups.Items, 1)
	assert.Equal(t, id, *ups.Items[0].UploadId)
	assert.Equal(t, name, *ups.Items[0].Object)

	// A commit naming a wrong etag is refused; the upload stays open.
	_, err = e.commit(name, id, map[int]string{1: etags[1], 2: "wrong"}, nil)
	requireServiceError(t, err, http.StatusBadRequest, "InvalidUploadPart")

	resp, err := e.commit(name, id, etags, nil)
	require.NoError(t, err)
	want := multipartMD5(parts...)
	assert.Equal(t, want, *resp.OpcMultipartMd5)
	assert.Regexp(t, uuidRE, *resp.ETag)

	h, err := e.head(t, name)
	require.NoError(t, err)
	assert.Equal(t, want, *h.OpcMultipartMd5)
	assert.Nil(t, h.ContentMd5, "a multipart object has no content MD5")
	assert.Empty(t, h.RawResponse.Header.Get("opc-content-md5"))
	assert.Equal(t, int64(1704), *h.ContentLength)
	assert.Equal(t, "application/x-test", *h.ContentType)
	assert.Equal(t, "m1", h.OpcMeta["mig-id"])
	assert.Equal(t, *resp.ETag, *h.ETag)

	_, got, err := e.get(t, name, nil)
	require.NoError(t, err)
	assert.Equal(t, bytes.Join(parts, nil), got)

	lst := e.list(t, func(r *objectstorage.ListObjectsRequest) { r.Fields = common.String("name,md5,size") })
	require.Len(t, lst.Objects, 1)
	assert.Equal(t, want, *lst.Objects[0].Md5)

	// The upload is gone once committed.
	_, err = e.client.ListMultipartUploadParts(ctx, objectstorage.ListMultipartUploadPartsRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String(name), UploadId: common.String(id),
	})
	requireServiceError(t, err, http.StatusNotFound, "NoSuchUpload")

	// Commit with if-none-match: * fails over the existing object.
	id2 := e.createUpload(t, name, nil)
	p, err := e.uploadPart(name, id2, 1, []byte("x"), "")
	require.NoError(t, err)
	_, err = e.commit(name, id2, map[int]string{1: *p.ETag}, func(r *objectstorage.CommitMultipartUploadRequest) {
		r.IfNoneMatch = common.String("*")
	})
	requireServiceError(t, err, http.StatusPreconditionFailed, "IfNoneMatchFailed")

	// Abort discards the upload.
	_, err = e.client.AbortMultipartUpload(ctx, objectstorage.AbortMultipartUploadRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String(name), UploadId: common.String(id2),
	})
	require.NoError(t, err)
	_, err = e.uploadPart(name, id2, 2, []byte("x"), "")
	requireServiceError(t, err, http.StatusNotFound, "NoSuchUpload")
	_, err = e.client.AbortMultipartUpload(ctx, objectstorage.AbortMultipartUploadRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String(name), UploadId: common.String(id2),
	})
	requireServiceError(t, err, http.StatusNotFound, "NoSuchUpload")
	_, got, err = e.get(t, name, nil)
	require.NoError(t, err)
	assert.Equal(t, bytes.Join(parts, nil), got, "the aborted upload left the object alone")

	ups, err = e.client.ListMultipartUploads(ctx, objectstorage.ListMultipartUploadsRequest{NamespaceName: &e.ns, BucketName: common.String(testBucket)})
	require.NoError(t, err)
	assert.Empty(t, ups.Items)
}

func TestMultipartPartReplaceAndExclude(t *testing.T) {
	e := start(t, "")
	id := e.createUpload(t, "m", nil)
	p1, err := e.uploadPart("m", id, 1, []byte("first"), "")
	require.NoError(t, err)
	p1b, err := e.uploadPart("m", id, 1, []byte("FIRST"), "")
	require.NoError(t, err, "re-uploading a part replaces it")
	p2, err := e.uploadPart("m", id, 2, []byte("-second"), "")
	require.NoError(t, err)
	_, err = e.uploadPart("m", id, 3, []byte("-ignored"), "")
	require.NoError(t, err)

	_, err = e.commit("m", id, map[int]string{1: *p1.ETag, 2: *p2.ETag}, nil)
	requireServiceError(t, err, http.StatusBadRequest, "InvalidUploadPart")
	resp, err := e.commit("m", id, map[int]string{1: *p1b.ETag, 2: *p2.ETag}, nil)
	require.NoError(t, err, "parts left out of the commit are discarded")
	assert.Equal(t, multipartMD5([]byte("FIRST"), []byte("-second")), *resp.OpcMultipartMd5)
	_, got, err := e.get(t, "m", nil)
	require.NoError(t, err)
	assert.Equal(t, "FIRST-second", string(got))
}
