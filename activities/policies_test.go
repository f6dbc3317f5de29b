package activities_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
)

func (f *fixture) copyBatch(t *testing.T) activities.CopyBatchResult {
	t.Helper()
	v, err := f.actEnv().ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 100, StartAt: time.Now()})
	require.NoError(t, err)
	var res activities.CopyBatchResult
	require.NoError(t, v.Get(&res))
	return res
}

// TestCopyBatchLeavesForeignDestinationObjects: an object the application
// wrote at the destination under the shard is left untouched by default
// and its key fails the batch's object; with destination.foreignObjects:
// overwrite it is copied over.
func TestCopyBatchLeavesForeignDestinationObjects(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 3, 1000)
	live := []byte("the application's live object")
	put(t, f.dst, keys[1], live)

	res := f.copyBatch(t)
	assert.EqualValues(t, 2, res.Counts.Copied)
	assert.EqualValues(t, 1, res.Counts.Failed)
	assert.Equal(t, []string{keys[1]}, res.FailedKeys)
	rc, _, err := f.dst.Get(context.Background(), keys[1], store.GetOptions{})
	require.NoError(t, err)
	var got bytes.Buffer
	_, _ = got.ReadFrom(rc)
	rc.Close()
	assert.Equal(t, live, got.Bytes(), "the application's object is untouched")

	g := newFixtureOn(t, f.env, f.src.Bucket(), func(p *plan.Plan) { p.Destination.ForeignObjects = plan.ForeignOverwrite })
	put(t, g.dst, keys[1], live)
	res = g.copyBatch(t)
	assert.EqualValues(t, 3, res.Counts.Copied)
	assert.Zero(t, res.Counts.Failed)
}

// TestCopyBatchRequireSourceCheck: a multipart source object without any
// checksum is copied unchecked and counted in SourceUnchecked; under
// verification.requireSourceCheck it fails instead.
func TestCopyBatchRequireSourceCheck(t *testing.T) {
	f := newFixture(t)
	f.seed(t, 1, 100)
	ctx := context.Background()
	c := f.src.Client()
	noChecksums := func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired }
	key := aws.String(shardPrefix + "multipart")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(f.src.Bucket()), Key: key})
	require.NoError(t, err)
	var done []types.CompletedPart
	for i, p := range [][]byte{randomBytes(t, 5<<20), randomBytes(t, 1000)} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(f.src.Bucket()), Key: key, UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)}, noChecksums)
		require.NoError(t, err)
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(f.src.Bucket()), Key: key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	require.NoError(t, err)

	res := f.copyBatch(t)
	assert.EqualValues(t, 2, res.Counts.Copied)
	assert.EqualValues(t, 1, res.Counts.SourceUnchecked, "the multipart object without checksums is counted")

	g := newFixtureOn(t, f.env, f.src.Bucket(), func(p *plan.Plan) { p.Verification.RequireSourceCheck = true })
	res = g.copyBatch(t)
	assert.EqualValues(t, 1, res.Counts.Copied)
	assert.EqualValues(t, 1, res.Counts.Failed)
	assert.Equal(t, []string{*key}, res.FailedKeys)
	assert.Zero(t, res.Counts.SourceUnchecked)

	sum := activities.Counts{SourceUnchecked: 2}.Add(activities.Counts{SourceUnchecked: 3})
	assert.EqualValues(t, 5, sum.SourceUnchecked)
}
