package engine_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// s3Source is an S3 source and an OCI destination, with the source's SDK
// client to write objects with checksums and encryption as applications
// do.
type s3Source struct {
	env *testenv.Env
	src *s3store.Store
	dst store.Store
	c   *s3.Client
}

func newS3Source(t *testing.T) s3Source {
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, env.Bucket("src"), nil)
	return s3Source{env: env, src: src, dst: env.OCIStore(t, env.Bucket("dst"), nil), c: src.Client()}
}

// whenRequired makes the SDK send no checksum it is not obliged to.
func whenRequired(o *s3.Options) {
	o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
}

// putKMS writes an SSE-KMS object (whose ETag is no MD5) in one PUT; alg
// is the checksum the SDK sends with it ("" for none).
func (s s3Source) putKMS(t *testing.T, key string, data []byte, alg types.ChecksumAlgorithm) store.ObjectInfo {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(s.src.Bucket()), Key: aws.String(key), Body: bytes.NewReader(data),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, ChecksumAlgorithm: alg}
	var opts []func(*s3.Options)
	if alg == "" {
		opts = append(opts, whenRequired)
	}
	_, err := s.c.PutObject(context.Background(), in, opts...)
	require.NoError(t, err)
	info, err := s.src.Head(context.Background(), key)
	require.NoError(t, err)
	require.Nil(t, info.ContentMD5, "an SSE-KMS ETag vouches for no MD5")
	return info
}

// putParts writes a multipart object in the given parts; alg and typ are
// its checksum algorithm and type ("" for an upload without checksums).
func (s s3Source) putParts(t *testing.T, key string, alg types.ChecksumAlgorithm, typ types.ChecksumType, parts ...[]byte) store.ObjectInfo {
	t.Helper()
	ctx := context.Background()
	b := aws.String(s.src.Bucket())
	var opts []func(*s3.Options)
	if alg == "" {
		opts = append(opts, whenRequired)
	}
	up, err := s.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String(key), ChecksumAlgorithm: alg, ChecksumType: typ})
	require.NoError(t, err)
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := s.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: alg}, opts...)
		require.NoError(t, err)
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1)),
			ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME,
			ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256})
	}
	in := &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String(key), UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}
	if typ == types.ChecksumTypeFullObject {
		in.ChecksumType = typ
	}
	_, err = s.c.CompleteMultipartUpload(ctx, in, opts...)
	require.NoError(t, err)
	info, err := s.src.Head(ctx, key)
	require.NoError(t, err)
	require.Nil(t, info.ContentMD5, "a multipart ETag vouches for no MD5")
	return info
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// sourceCase is a source object without an MD5 ETag and how its read must
// be checked.
type sourceCase struct {
	name   string
	method string
	data   []byte
	obj    store.ObjectInfo
}

// sourceCases writes one object of each kind: single-part SSE-KMS objects
// with a CRC32 (the SDK's default) or a CRC64NVME checksum, multipart
// objects with full-object CRC64NVME or CRC32 checksums, composite CRC32C
// and SHA-256 ones (one larger than the engine's part, whose parts lie
// elsewhere than the engine's, one copied in a single PUT), and one with
// no checksum at all.
func sourceCases(t *testing.T, s s3Source) []sourceCase {
	five := func(seed uint64) []byte { return content(seed, 5<<20) }
	var cs []sourceCase
	add := func(name, method string, data []byte, obj store.ObjectInfo) {
		cs = append(cs, sourceCase{name, method, data, obj})
	}
	d := content(71, 300<<10)
	add("kms-crc32", "checksum-crc32", d, s.putKMS(t, "sc/kms-crc32", d, types.ChecksumAlgorithmCrc32))
	d = content(72, 200<<10)
	add("kms-crc64nvme", "checksum-crc64nvme", d, s.putKMS(t, "sc/kms-crc64nvme", d, types.ChecksumAlgorithmCrc64nvme))
	p := [][]byte{content(73, 6<<20), content(74, 7<<20)}
	add("multipart-full-crc64nvme", "checksum-crc64nvme", join(p...),
		s.putParts(t, "sc/mp-crc64nvme", types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeFullObject, p...))
	p = [][]byte{content(75, 6<<20), content(76, 6<<20)}
	add("multipart-full-crc32", "checksum-crc32", join(p...),
		s.putParts(t, "sc/mp-crc32", types.ChecksumAlgorithmCrc32, types.ChecksumTypeFullObject, p...))
	p = [][]byte{five(77), five(78), content(79, 3<<20+5)}
	add("multipart-composite-crc32c", "checksum-crc32c-composite", join(p...),
		s.putParts(t, "sc/mp-composite-crc32c", types.ChecksumAlgorithmCrc32c, types.ChecksumTypeComposite, p...))
	p = [][]byte{five(80), content(81, 1000)}
	add("small-composite-sha256", "checksum-sha256-composite", join(p...),
		s.putParts(t, "sc/small-composite-sha256", types.ChecksumAlgorithmSha256, types.ChecksumTypeComposite, p...))
	p = [][]byte{five(82), content(83, 6<<20)}
	add("multipart-unchecked", engine.SourceCheckNone, join(p...), s.putParts(t, "sc/mp-none", "", "", p...))
	return cs
}

// TestSourceReadCheckedWithoutMD5 copies sources that vouch for no MD5:
// each read is checked against the checksum the source carries (computed
// while streaming, part by part for a composite one) and the method is
// recorded; only the object with no checksum is copied unchecked.
func TestSourceReadCheckedWithoutMD5(t *testing.T) {
	s := newS3Source(t)
	e := newEngine(t, nil, nil)
	for _, c := range sourceCases(t, s) {
		t.Run(c.name, func(t *testing.T) {
			r := e.Copy(context.Background(), s.src, s.dst, c.obj, engine.CopyOptions{MigrationID: "mig-sc"})
			require.Equal(t, engine.Copied, r.Outcome, r.Error)
			assert.Equal(t, c.method, r.SourceCheck)
			assert.Equal(t, sha(c.data), r.SHA256)
			assert.Equal(t, sha(c.data), sha(readAll(t, s.dst, c.obj.Key)))
		})
	}
}

// TestSourceCorruptionCaughtWithoutMD5 flips a bit in every source read
// (past the first 6 MiB, inside a later part, for the multipart ones): the
// checksum the source carries catches it, nothing is written, and the
// record is a permanent failure. Only the source without any checksum lets
// the corrupted bytes through, which is why it counts as unchecked.
func TestSourceCorruptionCaughtWithoutMD5(t *testing.T) {
	s := newS3Source(t)
	e := newEngine(t, nil, nil)
	t.Cleanup(s.env.S3.Faults().Clear)
	for _, c := range sourceCases(t, s) {
		t.Run(c.name, func(t *testing.T) {
			bit := int64(8*(6<<20) + 3)
			if len(c.data) < 6<<20 {
				bit = int64(8*(len(c.data)/2) + 1)
			}
			s.env.S3.Faults().Set(faults.Rule{Op: "get", KeyPrefix: c.obj.Key, FlipBit: bit})
			defer s.env.S3.Faults().Clear()
			r := e.Copy(context.Background(), s.src, s.dst, c.obj, engine.CopyOptions{MigrationID: "mig-flip"})
			if c.method == engine.SourceCheckNone {
				assert.Equal(t, engine.Copied, r.Outcome, "nothing can catch it: %s", r.Error)
				assert.NotEqual(t, sha(c.data), r.SHA256)
				return
			}
			assert.Equal(t, engine.Failed, r.Outcome, "the flipped bit must be caught")
			assert.Equal(t, store.Permanent, r.ErrorClass, r.Error)
			assert.Contains(t, r.Error, "mismatch")
			_, err := s.dst.Head(context.Background(), c.obj.Key)
			assert.ErrorIs(t, err, store.ErrNotFound, "nothing was written")
		})
	}
}

// TestRequireSourceCheck: with the plan's requireSourceCheck, an object
// whose read cannot be checked (multipart without checksums, SSE-KMS
// without a checksum) fails permanently, naming why, before any byte is
// read or written; a checkable one is copied. Without it the unchecked
// objects are copied with source check "none".
func TestRequireSourceCheck(t *testing.T) {
	s := newS3Source(t)
	e := newEngine(t, nil, nil)
	mp := s.putParts(t, "req/multipart", "", "", content(91, 5<<20), content(92, 6<<20))
	kms := s.putKMS(t, "req/kms", content(93, 1000), "")
	ok := put(t, s.src, "req/plain", content(94, 1000), store.Metadata{})
	objs := []store.ObjectInfo{mp, kms, ok}

	res := e.CopyBatch(context.Background(), s.src, s.dst, objs, engine.BatchOptions{MigrationID: "mig-req", RequireSourceCheck: true})
	for _, r := range res[:2] {
		assert.Equal(t, engine.Failed, r.Outcome, r.Key)
		assert.Equal(t, store.Permanent, r.ErrorClass, r.Key)
		assert.Contains(t, r.Error, `"`+r.Key+`"`)
		assert.Contains(t, r.Error, "verification.requireSourceCheck")
		assert.Contains(t, r.Error, "no MD5", "the reason says what the source lacks")
		assert.Zero(t, r.BytesSent)
		_, err := s.dst.Head(context.Background(), r.Key)
		assert.ErrorIs(t, err, store.ErrNotFound)
	}
	assert.Equal(t, engine.Copied, res[2].Outcome, res[2].Error)
	assert.Equal(t, engine.SourceCheckETagMD5, res[2].SourceCheck)

	res = e.CopyBatch(context.Background(), s.src, s.dst, objs[:2], engine.BatchOptions{MigrationID: "mig-req"})
	for _, r := range res {
		assert.Equal(t, engine.Copied, r.Outcome, r.Error)
		assert.Equal(t, engine.SourceCheckNone, r.SourceCheck, r.Key)
	}
}

// TestCompositeCheckResumes interrupts the copy of a composite-checksum
// source after one destination part and resumes from the checkpoint: the
// part checks continue where they stood (the source's parts and the
// engine's do not line up) and the record says the composite was checked.
func TestCompositeCheckResumes(t *testing.T) {
	s := newS3Source(t)
	e := newEngine(t, nil, func(c *engine.Config) { c.Attempts = 1; c.PartConcurrency = 1 })
	p := [][]byte{content(95, 7<<20), content(96, 7<<20), content(97, 7<<20), content(98, 2<<20)}
	obj := s.putParts(t, "res/composite", types.ChecksumAlgorithmCrc32c, types.ChecksumTypeComposite, p...)
	data := join(p...)
	t.Cleanup(s.env.OCI.Faults().Clear)
	var last engine.Checkpoint
	r := e.Copy(context.Background(), s.src, s.dst, obj, engine.CopyOptions{OnCheckpoint: func(c engine.Checkpoint) {
		last = c
		if c.PartsDone == 1 {
			s.env.OCI.Faults().Set(faults.Rule{Op: "upload-part", Status: 500})
		}
	}})
	require.Equal(t, engine.Failed, r.Outcome)
	require.Equal(t, 1, last.PartsDone)
	require.NotNil(t, last.Hash.Parts, "the checkpoint carries the part checks' state")
	s.env.OCI.Faults().Clear()

	r = e.Copy(context.Background(), s.src, s.dst, obj, engine.CopyOptions{Resume: &last})
	require.Equal(t, engine.Copied, r.Outcome, r.Error)
	assert.Equal(t, "checksum-crc32c-composite", r.SourceCheck)
	assert.Equal(t, sha(data), r.SHA256)
	assert.Equal(t, int64(len(data))-partSize, r.BytesSent, "only the parts after the checkpoint are sent")
}
