package s3store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"hash/crc32"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// TestListKeysXMLCannotCarry lists keys holding control characters that
// XML 1.0 cannot carry: the listing asks for URL encoding and decodes, so
// every key comes back byte for byte, in byte order, and StartAfter takes
// the raw key.
func TestListKeysXMLCannotCarry(t *testing.T) {
	e := start(t, "us-east-1")
	keys := []string{"c/\x01one", "c/a\x1fb", "c/plain", "c/sp ace+plus%2B", "c/\x7f"}
	for _, k := range keys {
		put(t, e, k, "x", store.PutOptions{})
	}
	sort.Strings(keys)
	var got []string
	after := ""
	for pages := 0; pages < 10; pages++ {
		p, err := e.st.List(e.ctx, store.ListOptions{Prefix: "c/", StartAfter: after, Limit: 2})
		require.NoError(t, err)
		for _, o := range p.Objects {
			got = append(got, o.Key)
			after = o.Key
		}
		if !p.Truncated {
			break
		}
	}
	assert.Equal(t, keys, got)
	for _, k := range got {
		_, err := e.st.Head(e.ctx, k)
		assert.NoError(t, err, "a listed key names its object: %q", k)
	}
}

func crc32c(b []byte) []byte {
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	h.Write(b)
	return h.Sum(nil)
}

// TestCompositeChecksumAndObjectParts: a multipart object uploaded with
// COMPOSITE CRC32C checksums reports the composite checksum with its part
// count, and ObjectParts lists each part with its own checksum, pinned by
// ETag.
func TestCompositeChecksumAndObjectParts(t *testing.T) {
	e := start(t, "us-east-1")
	c := e.st.Client()
	ctx := context.Background()
	p1, p2 := bytes.Repeat([]byte{1}, 5<<20), []byte("second part")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c, ChecksumType: types.ChecksumTypeComposite})
	require.NoError(t, err)
	var done []types.CompletedPart
	for i, p := range [][]byte{p1, p2} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c})
		require.NoError(t, err)
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1)), ChecksumCRC32C: out.ChecksumCRC32C})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	require.NoError(t, err)

	info, err := e.st.Head(e.ctx, "mp")
	require.NoError(t, err)
	want := base64.StdEncoding.EncodeToString(crc32c(append(crc32c(p1), crc32c(p2)...)))
	assert.Equal(t, []store.Checksum{{Algorithm: "CRC32C", Value: want, Parts: 2}}, info.Checksums)
	assert.Nil(t, info.ContentMD5, "a multipart ETag is no MD5")

	parts, err := e.st.ObjectParts(e.ctx, "mp", store.GetOptions{IfMatch: info.ETag})
	require.NoError(t, err)
	require.Len(t, parts, 2)
	assert.Equal(t, store.ObjectPart{Number: 1, Size: int64(len(p1)),
		Checksums: []store.Checksum{{Algorithm: "CRC32C", Value: base64.StdEncoding.EncodeToString(crc32c(p1))}}}, parts[0])
	assert.Equal(t, int64(len(p2)), parts[1].Size)
	_, err = e.st.ObjectParts(e.ctx, "mp", store.GetOptions{IfMatch: "0123"})
	assert.ErrorIs(t, err, store.ErrPreconditionFailed)

	put(t, e, "single", "one piece", store.PutOptions{})
	parts, err = e.st.ObjectParts(e.ctx, "single", store.GetOptions{})
	require.NoError(t, err)
	assert.Empty(t, parts, "an object stored in one piece has no parts")
}

// TestErrorsHideEndpointSecrets: the errors and hints of a store whose
// endpoint URL holds user info, a path and a query name the endpoint by
// scheme and host only.
func TestErrorsHideEndpointSecrets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	e := start(t, "us-east-1")
	for _, endpoint := range []string{
		"http://user:pw-s3cr3t@" + addr + "/path-s3cr3t?token=s3cr3t", // refused by the SDK's endpoint rules
		"http://" + addr + "/path-s3cr3t",                             // a network error holding the request URL
	} {
		st := e.store(t, s3store.Config{Endpoint: endpoint, MaxAttempts: 2})
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
		_, _, err = st.Get(ctx, "some/key", store.GetOptions{})
		cancel()
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "s3cr3t")
		assert.Contains(t, err.Error(), "http://"+addr)
		assert.True(t, strings.Contains(err.Error(), "some/key"), "the key still names the object: %s", err)
	}
	for _, ev := range e.obs.Events() {
		if ev.Err != nil {
			assert.NotContains(t, ev.Err.Error(), "s3cr3t", "retry events carry the redacted error")
		}
	}
}
