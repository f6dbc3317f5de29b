package locals3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/local/locals3"
)

func serve(t *testing.T, cfg locals3.Config) (*locals3.Server, string) {
	t.Helper()
	srv, err := locals3.New(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.CreateBucket("bkt"))
	url, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)
	return srv, url
}

func client(url, region, key, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      aws.NopRetryer{},
		DisableLogOutputChecksumValidationSkipped: true,
		RequestChecksumCalculation:                aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation:                aws.ResponseChecksumValidationWhenSupported,
	})
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSignatureIsVerified(t *testing.T) {
	_, url := serve(t, locals3.Config{Credentials: map[string]string{"AK": "SECRET"}})
	ctx := context.Background()
	good := client(url, "us-east-1", "AK", "SECRET")
	keys := []string{"plain", "with space", "per%cent", "plus+sign", "eq=ual", "ünï/cödé", "deep/a/b/c/d/e", "tilde~and*star"}
	for _, k := range keys {
		_, err := good.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k), Body: strings.NewReader(k)})
		require.NoError(t, err, k)
		out, err := good.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k)})
		require.NoError(t, err, k)
		b, _ := io.ReadAll(out.Body)
		out.Body.Close()
		assert.Equal(t, k, string(b))
	}
	list, err := good.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("p"), StartAfter: aws.String("per%cent")})
	require.NoError(t, err)
	require.Len(t, list.Contents, 2)

	_, err = client(url, "us-east-1", "AK", "WRONG").ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	assert.Equal(t, "SignatureDoesNotMatch", code(err))
	_, err = client(url, "us-east-1", "NOPE", "SECRET").ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	assert.Equal(t, "InvalidAccessKeyId", code(err))
	_, err = client(url, "eu-west-1", "AK", "SECRET").ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	assert.Equal(t, "AuthorizationHeaderMalformed", code(err))

	resp, err := http.Get(url + "/b/plain")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, string(body), "<Code>AccessDenied</Code>")

	// A signed request whose body was swapped for other bytes of equal
	// length fails: the payload hash is signed.
	req, err := http.NewRequest(http.MethodGet, url+"/bkt/plain", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00")
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestFaultsAndDeny(t *testing.T) {
	srv, url := serve(t, locals3.Config{})
	ctx := context.Background()
	c := client(url, "us-east-1", "any", "any")
	srv.Faults().Set(faults.Rule{Op: locals3.OpPut, Status: 503, Count: 1})
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x")})
	assert.Equal(t, "SlowDown", code(err))
	assert.True(t, retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool())
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x")})
	require.NoError(t, err)

	// Rules over HTTP, as separate processes set them.
	resp, err := http.Post(url+faults.AdminPath, "application/json", strings.NewReader(`[{"op":"get","status":500}]`))
	require.NoError(t, err)
	resp.Body.Close()
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	assert.Equal(t, "InternalError", code(err))
	req, _ := http.NewRequest(http.MethodDelete, url+faults.AdminPath, nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	// A bit flipped at rest is caught by the SDK's response checksum.
	srv.Faults().Set(faults.Rule{Op: locals3.OpGet, FlipBit: 3})
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
	require.NoError(t, err)
	flipped, err := io.ReadAll(out.Body)
	out.Body.Close()
	t.Logf("crc=%v type=%v body=%q", aws.ToString(out.ChecksumCRC32), out.ChecksumType, flipped)
	assert.ErrorContains(t, err, "checksum")
	srv.Faults().Clear()

	srv.Deny("k")
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	var re interface{ HTTPStatusCode() int }
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 403, re.HTTPStatusCode())

	hb, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("bkt")})
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", aws.ToString(hb.BucketRegion))
}

func TestDiskStoragePagingMultipartAndConditions(t *testing.T) {
	_, url := serve(t, locals3.Config{Dir: t.TempDir(), Region: "us-east-2"})
	ctx := context.Background()
	c := client(url, "us-east-2", "any", "any")
	for i := range 25 {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(fmt.Sprintf("d/%03d", i)), Body: strings.NewReader("x")})
		require.NoError(t, err)
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), MaxKeys: aws.Int32(10)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	assert.Equal(t, 3, pages)
	require.Len(t, keys, 25)
	assert.Equal(t, "d/024", keys[24])

	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("d/000"), Body: strings.NewReader("y"), IfNoneMatch: aws.String("*")})
	assert.Equal(t, "PreconditionFailed", code(err))

	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp")})
	require.NoError(t, err)
	part := bytes.Repeat([]byte{7}, 5<<20)
	var done []types.CompletedPart
	for n := int32(1); n <= 2; n++ {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(part)})
		require.NoError(t, err)
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: up.UploadId, MaxParts: aws.Int32(1)})
	require.NoError(t, err)
	require.Len(t, lp.Parts, 1)
	assert.True(t, aws.ToBool(lp.IsTruncated))
	lp, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: up.UploadId, PartNumberMarker: lp.NextPartNumberMarker})
	require.NoError(t, err)
	require.Len(t, lp.Parts, 1)
	assert.Equal(t, int32(2), aws.ToInt32(lp.Parts[0].PartNumber))
	cmp, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(aws.ToString(cmp.ETag), `-2"`))
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp")})
	require.NoError(t, err)
	assert.Equal(t, int64(10<<20), aws.ToInt64(head.ContentLength))
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), IfMatch: aws.String(`"0000"`)})
	assert.Equal(t, "PreconditionFailed", code(err))
}
