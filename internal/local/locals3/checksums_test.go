package locals3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"hash/crc32"
	"hash/crc64"
	"net/url"
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

// nvme is CRC-64/NVME as S3 and the AWS SDK compute it.
var nvme = crc64.MakeTable(0x9a6c9329ac4bc9b5)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func crc64NVME(b []byte) string {
	h := crc64.New(nvme)
	h.Write(b)
	return b64(h.Sum(nil))
}

func crc32cOf(b []byte) string {
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	h.Write(b)
	return b64(h.Sum(nil))
}

// TestCRC64NVMEPolynomial pins the CRC-64/NVME parameters to the catalogue
// check value and to the AWS SDK's test vector.
func TestCRC64NVMEPolynomial(t *testing.T) {
	assert.Equal(t, uint64(0xae8b14860a799888), crc64.Checksum([]byte("123456789"), nvme))
	assert.Equal(t, "jSnVw/bqjr4=", crc64NVME([]byte("hello world")))
}

// TestPutCRC64NVMEIsVerified stores and returns a CRC64NVME checksum, and
// refuses a body that does not match it, as the other algorithms.
func TestPutCRC64NVMEIsVerified(t *testing.T) {
	eachStorage(t, func(t *testing.T, c *s3.Client, dir string) {
		ctx := context.Background()
		body := []byte("the quick brown fox")
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader(body),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc64nvme})
		require.NoError(t, err)
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
		require.NoError(t, err)
		assert.Equal(t, crc64NVME(body), aws.ToString(head.ChecksumCRC64NVME))
		assert.Equal(t, types.ChecksumTypeFullObject, head.ChecksumType)

		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader([]byte("other bytes")),
			ChecksumCRC64NVME: aws.String(crc64NVME(body))})
		assert.Equal(t, "BadDigest", code(err), "a CRC64NVME that does not match the body is refused")
		got, _ := getString(t, c, "k")
		assert.Equal(t, string(body), got, "the refused write left the object as it was")
	})
}

// uploadParts uploads parts through the SDK, which computes each part's
// checksum with alg, and completes the upload listing them; full, if set,
// is the full-object checksum the complete request asserts.
func uploadParts(t *testing.T, c *s3.Client, key string, alg types.ChecksumAlgorithm, typ types.ChecksumType, full *string, parts ...[]byte) (*s3.CompleteMultipartUploadOutput, error) {
	t.Helper()
	ctx := context.Background()
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key),
		ChecksumAlgorithm: alg, ChecksumType: typ})
	require.NoError(t, err)
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: alg})
		require.NoError(t, err)
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1)),
			ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME,
			ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256})
	}
	in := &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}
	if full != nil {
		in.ChecksumType = types.ChecksumTypeFullObject
		switch alg {
		case types.ChecksumAlgorithmCrc64nvme:
			in.ChecksumCRC64NVME = full
		case types.ChecksumAlgorithmCrc32c:
			in.ChecksumCRC32C = full
		}
	}
	return c.CompleteMultipartUpload(ctx, in)
}

// TestMultipartChecksumTypes uploads multipart objects with per-part
// checksums of both types: a COMPOSITE CRC32C, reported as the checksum of
// the part checksums with "-N" and listed per part by GetObjectAttributes,
// and a FULL_OBJECT CRC64NVME, reported as the checksum of the content.
func TestMultipartChecksumTypes(t *testing.T) {
	eachStorage(t, func(t *testing.T, c *s3.Client, dir string) {
		ctx := context.Background()
		p1, p2 := bytes.Repeat([]byte("a"), 5<<20), []byte("tail of the object")
		whole := append(append([]byte(nil), p1...), p2...)

		_, err := uploadParts(t, c, "composite", types.ChecksumAlgorithmCrc32c, types.ChecksumTypeComposite, nil, p1, p2)
		require.NoError(t, err)
		raw1, _ := base64.StdEncoding.DecodeString(crc32cOf(p1))
		raw2, _ := base64.StdEncoding.DecodeString(crc32cOf(p2))
		composite := crc32cOf(append(raw1, raw2...))
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("composite"), ChecksumMode: types.ChecksumModeEnabled})
		require.NoError(t, err)
		assert.Equal(t, composite+"-2", aws.ToString(head.ChecksumCRC32C))
		assert.Equal(t, types.ChecksumTypeComposite, head.ChecksumType)
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("composite"), ChecksumMode: types.ChecksumModeEnabled})
		require.NoError(t, err, "the SDK does not try to validate a composite checksum")
		out.Body.Close()

		attrs, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("bkt"), Key: aws.String("composite"),
			ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesChecksum, types.ObjectAttributesObjectParts, types.ObjectAttributesObjectSize},
			MaxParts:         aws.Int32(1)})
		require.NoError(t, err)
		assert.Equal(t, strings.Trim(aws.ToString(head.ETag), `"`), strings.Trim(aws.ToString(attrs.ETag), `"`))
		assert.Equal(t, int64(len(whole)), aws.ToInt64(attrs.ObjectSize))
		require.NotNil(t, attrs.Checksum)
		assert.Equal(t, composite, aws.ToString(attrs.Checksum.ChecksumCRC32C))
		assert.Equal(t, types.ChecksumTypeComposite, attrs.Checksum.ChecksumType)
		require.NotNil(t, attrs.ObjectParts)
		assert.Equal(t, int32(2), aws.ToInt32(attrs.ObjectParts.TotalPartsCount))
		require.Len(t, attrs.ObjectParts.Parts, 1, "a page of one part")
		assert.True(t, aws.ToBool(attrs.ObjectParts.IsTruncated))
		assert.Equal(t, crc32cOf(p1), aws.ToString(attrs.ObjectParts.Parts[0].ChecksumCRC32C))
		assert.Equal(t, int64(len(p1)), aws.ToInt64(attrs.ObjectParts.Parts[0].Size))
		next, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("bkt"), Key: aws.String("composite"),
			ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectParts}, PartNumberMarker: attrs.ObjectParts.NextPartNumberMarker})
		require.NoError(t, err)
		require.Len(t, next.ObjectParts.Parts, 1)
		assert.Equal(t, int32(2), aws.ToInt32(next.ObjectParts.Parts[0].PartNumber))
		assert.Equal(t, crc32cOf(p2), aws.ToString(next.ObjectParts.Parts[0].ChecksumCRC32C))
		assert.False(t, aws.ToBool(next.ObjectParts.IsTruncated))

		_, err = uploadParts(t, c, "full", types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeFullObject, aws.String(crc64NVME(whole)), p1, p2)
		require.NoError(t, err)
		head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("full"), ChecksumMode: types.ChecksumModeEnabled})
		require.NoError(t, err)
		assert.Equal(t, crc64NVME(whole), aws.ToString(head.ChecksumCRC64NVME))
		assert.Equal(t, types.ChecksumTypeFullObject, head.ChecksumType)
		got, _ := getString(t, c, "full")
		assert.Equal(t, sha256.Sum256(whole), sha256.Sum256([]byte(got)))

		_, err = uploadParts(t, c, "full-wrong", types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeFullObject, aws.String(crc64NVME(p1)), p1, p2)
		assert.Equal(t, "BadDigest", code(err), "a full-object checksum the content does not have is refused")

		// A part without the upload's checksum is refused, as S3 does.
		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("strict"),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
		require.NoError(t, err)
		_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("strict"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader(p2), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		assert.Equal(t, "InvalidRequest", code(err))
		_, err = c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("bad"),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumType: types.ChecksumTypeFullObject})
		assert.Equal(t, "InvalidRequest", code(err), "SHA256 has no full-object form")
	})
}

// TestListEncodingTypeURL lists keys that XML 1.0 cannot carry (control
// characters) with encoding-type=url through the real SDK: each key
// decodes to its bytes, pages chain in byte order, and start-after takes
// the raw key.
func TestListEncodingTypeURL(t *testing.T) {
	eachStorage(t, func(t *testing.T, c *s3.Client, dir string) {
		ctx := context.Background()
		keys := []string{"ctl/\x01start", "ctl/a\x1fb", "ctl/plain", "ctl/sp ace+plus%25", "ctl/ü/\x7fdel", "other/x"}
		for _, k := range keys {
			putString(t, c, k, "body of "+k)
		}
		want := append([]string(nil), keys[:5]...)
		sort.Strings(want)
		var got []string
		in := &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("ctl/"), MaxKeys: aws.Int32(2), EncodingType: types.EncodingTypeUrl}
		for pages := 0; ; pages++ {
			require.Less(t, pages, 10, "the listing ends")
			out, err := c.ListObjectsV2(ctx, in)
			require.NoError(t, err)
			assert.Equal(t, types.EncodingTypeUrl, out.EncodingType)
			for _, o := range out.Contents {
				k, err := url.QueryUnescape(aws.ToString(o.Key))
				require.NoError(t, err)
				got = append(got, k)
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			in.ContinuationToken = out.NextContinuationToken
		}
		assert.Equal(t, want, got)

		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("ctl/"),
			StartAfter: aws.String("ctl/\x01start"), EncodingType: types.EncodingTypeUrl})
		require.NoError(t, err)
		require.NotEmpty(t, out.Contents)
		first, _ := url.QueryUnescape(aws.ToString(out.Contents[0].Key))
		assert.Equal(t, want[1], first, "start-after is the raw key, compared in byte order")
		assert.Equal(t, "ctl/%01start", aws.ToString(out.StartAfter))

		// Delimited, and V1.
		v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("bkt"), Prefix: aws.String("ctl/"), Delimiter: aws.String("/"),
			EncodingType: types.EncodingTypeUrl})
		require.NoError(t, err)
		require.Len(t, v1.CommonPrefixes, 1)
		cp, _ := url.QueryUnescape(aws.ToString(v1.CommonPrefixes[0].Prefix))
		assert.Equal(t, "ctl/ü/", cp)
		assert.Len(t, v1.Contents, 4)

		_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nope"), EncodingType: types.EncodingTypeUrl})
		assert.Equal(t, "NoSuchBucket", code(err))
	})
	_ = locals3.OpList
}
