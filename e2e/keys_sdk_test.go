package e2e_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// The key test reads and writes both endpoints through the vendors' SDKs
// directly, not through the product's stores, so that what it checks is
// independent of the code under test.

// rawS3 is an aws-sdk-go-v2 client of one bucket of the local S3 endpoint.
type rawS3 struct {
	c      *s3.Client
	bucket string
}

func newRawS3(env *testenv.Env, bucket string) *rawS3 {
	c := s3.New(s3.Options{
		Region: testenv.S3Region, BaseEndpoint: aws.String(env.S3URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(testenv.S3AccessKey, testenv.S3SecretKey, ""),
		Retryer:     aws.NopRetryer{}, DisableLogOutputChecksumValidationSkipped: true,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	return &rawS3{c: c, bucket: bucket}
}

func (r *rawS3) put(t *testing.T, key string, data []byte) {
	t.Helper()
	_, err := r.c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &r.bucket, Key: aws.String(key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))})
	require.NoError(t, err, "S3 put %q", key)
}

// putMultipart uploads data as a multipart upload of parts of partSize.
func (r *rawS3) putMultipart(t *testing.T, key string, data []byte, partSize int) {
	t.Helper()
	ctx := context.Background()
	up, err := r.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &r.bucket, Key: aws.String(key)})
	require.NoError(t, err, "S3 create multipart %q", key)
	var parts []s3types.CompletedPart
	for n, off := int32(1), 0; off < len(data); n, off = n+1, off+partSize {
		chunk := data[off:min(off+partSize, len(data))]
		out, err := r.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &r.bucket, Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(chunk), ContentLength: aws.Int64(int64(len(chunk)))})
		require.NoError(t, err, "S3 upload part %d of %q", n, key)
		parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
	}
	_, err = r.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &r.bucket, Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
	require.NoError(t, err, "S3 complete multipart %q", key)
}

func (r *rawS3) delete(t *testing.T, key string) {
	t.Helper()
	_, err := r.c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &r.bucket, Key: aws.String(key)})
	require.NoError(t, err, "S3 delete %q", key)
}

// hashes lists every object under prefix (URL-encoded listing, decoded
// here) and returns the SHA-256 of each one's bytes by key.
func (r *rawS3) hashes(t *testing.T, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	in := &s3.ListObjectsV2Input{Bucket: &r.bucket, Prefix: aws.String(prefix), EncodingType: s3types.EncodingTypeUrl}
	for {
		page, err := r.c.ListObjectsV2(ctx, in)
		require.NoError(t, err, "S3 list %q", prefix)
		require.Equal(t, s3types.EncodingTypeUrl, page.EncodingType, "the listing is URL-encoded")
		for _, o := range page.Contents {
			key, err := url.QueryUnescape(aws.ToString(o.Key))
			require.NoError(t, err, "S3 listed key %q", aws.ToString(o.Key))
			_, dup := out[key]
			require.False(t, dup, "S3 lists %q twice", key)
			obj, err := r.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &r.bucket, Key: aws.String(key)})
			require.NoError(t, err, "S3 get %q", key)
			out[key] = sha(t, obj.Body)
			require.Equal(t, aws.ToInt64(o.Size), aws.ToInt64(obj.ContentLength), "S3 size of %q", key)
		}
		if !aws.ToBool(page.IsTruncated) {
			return out
		}
		in.ContinuationToken = page.NextContinuationToken
	}
}

// rawOCI is an oci-go-sdk client of one bucket of the local OCI endpoint.
type rawOCI struct {
	c          objectstorage.ObjectStorageClient
	ns, bucket string
}

func newRawOCI(t *testing.T, env *testenv.Env, bucket string) *rawOCI {
	t.Helper()
	prov, err := common.ConfigurationProviderFromFileWithProfile(env.OCICreds.ConfigPath, env.OCICreds.Profile, "")
	require.NoError(t, err)
	c, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(prov)
	require.NoError(t, err)
	noRetry := common.NoRetryPolicy()
	c.SetCustomClientConfiguration(common.CustomClientConfiguration{RetryPolicy: &noRetry})
	c.Host = env.OCIURL
	return &rawOCI{c: c, ns: env.OCI.Namespace(), bucket: bucket}
}

func (r *rawOCI) put(t *testing.T, key string, data []byte) {
	t.Helper()
	_, err := r.c.PutObject(context.Background(), objectstorage.PutObjectRequest{NamespaceName: &r.ns, BucketName: &r.bucket,
		ObjectName: common.String(key), ContentLength: common.Int64(int64(len(data))), PutObjectBody: io.NopCloser(bytes.NewReader(data))})
	require.NoError(t, err, "OCI put %q", key)
}

// hashes lists every object under prefix and returns the SHA-256 of each
// one's bytes by key.
func (r *rawOCI) hashes(t *testing.T, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	req := objectstorage.ListObjectsRequest{NamespaceName: &r.ns, BucketName: &r.bucket, Prefix: common.String(prefix),
		Fields: common.String("name,size"), Limit: common.Int(1000)}
	for {
		page, err := r.c.ListObjects(ctx, req)
		require.NoError(t, err, "OCI list %q", prefix)
		for _, o := range page.Objects {
			key := aws.ToString(o.Name)
			_, dup := out[key]
			require.False(t, dup, "OCI lists %q twice", key)
			obj, err := r.c.GetObject(ctx, objectstorage.GetObjectRequest{NamespaceName: &r.ns, BucketName: &r.bucket, ObjectName: common.String(key)})
			require.NoError(t, err, "OCI get %q", key)
			out[key] = sha(t, obj.Content)
			require.Equal(t, aws.ToInt64(o.Size), aws.ToInt64(obj.ContentLength), "OCI size of %q", key)
		}
		if page.NextStartWith == nil || *page.NextStartWith == "" {
			return out
		}
		req.Start = page.NextStartWith
	}
}

func sha(t *testing.T, rc io.ReadCloser) string {
	t.Helper()
	defer rc.Close()
	h := sha256.New()
	_, err := io.Copy(h, rc)
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

func shaOf(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// content is deterministic, distinct bytes for a key and a generation.
func content(key string, gen, size int) []byte {
	var b bytes.Buffer
	for b.Len() < size {
		fmt.Fprintf(&b, "%q generation %d\n", key, gen)
	}
	return b.Bytes()[:size]
}
