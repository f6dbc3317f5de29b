package engine_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

const partSize = 10 << 20 // OCI's minimum part size, so both directions use it

// direction is one way of copying: S3 → OCI (migration) or OCI → S3
// (rollback's reverse sync).
type direction struct {
	name                 string
	src, dst             store.Store
	srcFaults, dstFaults *faults.Injector
}

// directions starts both endpoints and returns the two directions, each
// with fresh buckets. obs receives the events of every store.
func directions(t *testing.T, obs observe.Observer) []direction {
	env := testenv.Start(t, testenv.Options{})
	s3a := env.S3Store(t, env.Bucket("src"), obs)
	ocia := env.OCIStore(t, env.Bucket("dst"), obs)
	ocib := env.OCIStore(t, env.Bucket("src"), obs)
	s3b := env.S3Store(t, env.Bucket("dst"), obs)
	return []direction{
		{"s3-to-oci", s3a, ocia, env.S3.Faults(), env.OCI.Faults()},
		{"oci-to-s3", ocib, s3b, env.OCI.Faults(), env.S3.Faults()},
	}
}

func newEngine(t *testing.T, obs observe.Observer, mod func(*engine.Config)) *engine.Engine {
	cfg := engine.Config{PartSize: partSize, PoolBytes: 128 << 20, Concurrency: 8, PartConcurrency: 3,
		Observer: obs, RetryBackoff: 1}
	if mod != nil {
		mod(&cfg)
	}
	e, err := engine.New(cfg)
	require.NoError(t, err)
	return e
}

// content is deterministic pseudo-random data for a key.
func content(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n - n%8; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func put(t *testing.T, s store.Store, key string, data []byte, md store.Metadata) store.ObjectInfo {
	t.Helper()
	_, err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), store.PutOptions{Metadata: md})
	require.NoError(t, err, "seed %s", key)
	info, err := s.Head(context.Background(), key)
	require.NoError(t, err)
	return info
}

func listAll(t *testing.T, s store.Store, prefix string) []store.ObjectInfo {
	t.Helper()
	out, err := store.ListAll(context.Background(), s, prefix)
	require.NoError(t, err)
	return out
}

func readAll(t *testing.T, s store.Store, key string) []byte {
	t.Helper()
	rc, _, err := s.Get(context.Background(), key, store.GetOptions{})
	require.NoError(t, err, "get %s from %s", key, s)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

// TestCopyBatchBothDirections copies objects of every interesting size,
// with metadata, in both directions; checks every byte and record; then
// copies again and checks that everything is skipped without a byte sent.
func TestCopyBatchBothDirections(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			e := newEngine(t, nil, nil)
			sizes := map[string]int{
				"u/empty": 0, "u/one": 1, "u/small": 100 << 10,
				"u/threshold": partSize, "u/threshold+1": partSize + 1, "u/multi": 2*partSize + 12345,
				"u/deep/dir/ü ñ %+=.bin": 4096,
			}
			data := map[string][]byte{}
			md := store.Metadata{ContentType: "application/x-test", CacheControl: "max-age=60", ContentLanguage: "en",
				ContentDisposition: "attachment", User: map[string]string{"owner": "user-42"}}
			seed := uint64(1)
			for k, n := range sizes {
				data[k] = content(seed, n)
				seed++
				put(t, d.src, k, data[k], md)
			}
			objs := listAll(t, d.src, "u/")
			require.Len(t, objs, len(sizes))

			// Count the destination's HEADs: a rule that only adds 1ns of
			// latency fires on every HEAD.
			d.dstFaults.Set(faults.Rule{Op: "head", Latency: 1})
			t.Cleanup(d.dstFaults.Clear)
			var seen []string
			res := e.CopyBatch(context.Background(), d.src, d.dst, objs, engine.BatchOptions{MigrationID: "mig-test",
				OnResult: func(r engine.Result) { seen = append(seen, r.Key) }})
			assert.Zero(t, d.dstFaults.Fired("head"), "one listing of an empty destination replaces a HEAD per object")
			require.Len(t, seen, len(objs), "OnResult once per object")
			for _, r := range res {
				require.Equal(t, engine.Copied, r.Outcome, "%s: %s", r.Key, r.Error)
				want := data[r.Key]
				assert.Equal(t, sha(want), r.SHA256, r.Key)
				assert.Equal(t, int64(len(want)), r.Size)
				got := readAll(t, d.dst, r.Key)
				assert.Equal(t, sha(want), sha(got), "destination bytes of %s", r.Key)
				if len(want) > partSize {
					assert.Equal(t, engine.DestCheckMultipart, r.DestCheck, r.Key)
					assert.Greater(t, r.Parts, 1, r.Key)
				} else {
					assert.Equal(t, engine.DestCheckContentMD5, r.DestCheck, r.Key)
				}
				assert.NotEqual(t, "", r.SourceCheck)
				info, err := d.dst.Head(context.Background(), r.Key)
				require.NoError(t, err)
				assert.Equal(t, md.ContentType, info.Metadata.ContentType, r.Key)
				assert.Equal(t, md.CacheControl, info.Metadata.CacheControl, r.Key)
				assert.Equal(t, "user-42", info.Metadata.User["owner"], r.Key)
				assert.Equal(t, r.SourceETag, info.Metadata.User[store.MetaSourceETag], r.Key)
				assert.Equal(t, "mig-test", info.Metadata.User[store.MetaMigrationID], r.Key)
			}
			// Single-part sources vouch for their MD5 on both clouds.
			for _, r := range res {
				if r.Size <= partSize {
					assert.Equal(t, engine.SourceCheckETagMD5, r.SourceCheck, r.Key)
				}
			}

			heads := d.dstFaults.Fired("head")
			again := e.CopyBatch(context.Background(), d.src, d.dst, objs, engine.BatchOptions{})
			assert.Equal(t, len(objs), d.dstFaults.Fired("head")-heads, "objects the listing shows are HEADed for provenance")
			for _, r := range again {
				assert.Equal(t, engine.Skipped, r.Outcome, "%s: %s", r.Key, r.Error)
				assert.Zero(t, r.BytesSent, r.Key)
			}

			checks := e.VerifyBatch(context.Background(), d.dst, res, engine.Full)
			for _, c := range checks {
				assert.True(t, c.OK, "%s: %s", c.Key, c.Problem)
			}
		})
	}
}

// TestMultipartResumeAfterPartFailure fails a part after two parts are
// done, then resumes from the checkpoint: the same upload continues, only
// the remaining parts are sent, and the final SHA-256 is right.
func TestMultipartResumeAfterPartFailure(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			e := newEngine(t, nil, func(c *engine.Config) { c.Attempts = 1; c.PartConcurrency = 1 })
			data := content(7, 5*partSize+999)
			obj := put(t, d.src, "big/obj", data, store.Metadata{})
			t.Cleanup(d.dstFaults.Clear)

			var last engine.Checkpoint
			r := e.Copy(context.Background(), d.src, d.dst, obj, engine.CopyOptions{OnCheckpoint: func(c engine.Checkpoint) {
				last = c
				if c.PartsDone == 2 {
					d.dstFaults.Set(faults.Rule{Op: "upload-part", Status: 500})
				}
			}})
			require.Equal(t, engine.Failed, r.Outcome)
			require.Equal(t, store.Retryable, r.ErrorClass, r.Error)
			require.Equal(t, 2, last.PartsDone)
			require.NotEmpty(t, last.UploadID)
			_, err := d.dst.Head(context.Background(), obj.Key)
			require.ErrorIs(t, err, store.ErrNotFound, "a failed upload is never an object")

			d.dstFaults.Clear()
			var resumed []engine.Checkpoint
			r2 := e.Copy(context.Background(), d.src, d.dst, obj, engine.CopyOptions{Resume: &last,
				OnCheckpoint: func(c engine.Checkpoint) { resumed = append(resumed, c) }})
			require.Equal(t, engine.Copied, r2.Outcome, r2.Error)
			assert.Equal(t, sha(data), r2.SHA256)
			assert.Equal(t, sha(data), sha(readAll(t, d.dst, obj.Key)))
			assert.Equal(t, int64(len(data))-2*partSize, r2.BytesSent, "only the parts after the checkpoint are sent")
			require.NotEmpty(t, resumed)
			assert.Equal(t, last.UploadID, resumed[0].UploadID, "the same upload continues")
			assert.Equal(t, 3, resumed[0].PartsDone)
		})
	}
}

// TestMultipartResumeOfFailedCommit fails the commit of an object whose
// last part is short, after every part is uploaded, then resumes from the
// checkpoint: the upload is committed as it is, no part sent again.
func TestMultipartResumeOfFailedCommit(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			e := newEngine(t, nil, func(c *engine.Config) { c.Attempts = 1 })
			data := content(9, 2*partSize+partSize/2)
			obj := put(t, d.src, "big/short-tail", data, store.Metadata{})
			t.Cleanup(d.dstFaults.Clear)
			d.dstFaults.Set(faults.Rule{Op: "commit-multipart", Status: 503}, faults.Rule{Op: "complete-multipart", Status: 503})
			var last engine.Checkpoint
			r := e.Copy(context.Background(), d.src, d.dst, obj, engine.CopyOptions{OnCheckpoint: func(c engine.Checkpoint) { last = c }})
			require.Equal(t, engine.Failed, r.Outcome)
			require.Equal(t, 3, last.PartsDone, "every part is uploaded")

			d.dstFaults.Clear()
			r2 := e.Copy(context.Background(), d.src, d.dst, obj, engine.CopyOptions{Resume: &last})
			require.Equal(t, engine.Copied, r2.Outcome, r2.Error)
			assert.Zero(t, r2.BytesSent, "no part is sent again")
			assert.Equal(t, sha(data), r2.SHA256)
			assert.Equal(t, sha(data), sha(readAll(t, d.dst, obj.Key)))
		})
	}
}

// TestSourceChangedDuringResume interrupts a multipart copy, changes the
// source, and resumes: the change is detected, the stale upload aborted,
// and the new content copied whole — never spliced.
func TestSourceChangedDuringResume(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			rec := &observe.Recorder{}
			e := newEngine(t, rec, func(c *engine.Config) { c.PartConcurrency = 1 })
			old := content(11, 4*partSize)
			obj := put(t, d.src, "chg/obj", old, store.Metadata{})

			ctx, cancel := context.WithCancel(context.Background())
			var last engine.Checkpoint
			r := e.Copy(ctx, d.src, d.dst, obj, engine.CopyOptions{OnCheckpoint: func(c engine.Checkpoint) {
				last = c
				if c.PartsDone == 2 {
					cancel() // the worker dies here
				}
			}})
			require.Equal(t, engine.Failed, r.Outcome)
			require.Equal(t, 2, last.PartsDone)
			parts, err := d.dst.ListParts(context.Background(), obj.Key, last.UploadID)
			require.NoError(t, err, "a cancelled copy keeps its upload for the checkpoint")
			require.GreaterOrEqual(t, len(parts), 2)

			newer := content(12, 4*partSize)
			fresh := put(t, d.src, obj.Key, newer, store.Metadata{})
			require.NotEqual(t, obj.ETag, fresh.ETag)

			r2 := e.Copy(context.Background(), d.src, d.dst, fresh, engine.CopyOptions{Resume: &last})
			require.Equal(t, engine.Copied, r2.Outcome, r2.Error)
			assert.Equal(t, sha(newer), r2.SHA256)
			assert.Equal(t, sha(newer), sha(readAll(t, d.dst, obj.Key)))
			assert.Equal(t, int64(len(newer)), r2.BytesSent, "copied afresh")
			assert.Positive(t, rec.Count(observe.Mismatch), "the change is reported")
			_, err = d.dst.ListParts(context.Background(), obj.Key, last.UploadID)
			assert.ErrorIs(t, err, store.ErrNotFound, "the stale upload is aborted")

			// Resuming with the stale listing (old ETag) is caught by the pin.
			r3 := e.Copy(context.Background(), d.src, d.dst, obj, engine.CopyOptions{})
			require.Equal(t, engine.Skipped, r3.Outcome, "refreshed to the current version, which is already there: %s", r3.Error)
		})
	}
}

// TestBitFlips: a bit flipped in the source read is detected and the object
// is not copied; a bit flipped at rest in the destination passes quick
// verification (which is blind to it) and fails full verification.
func TestBitFlips(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			rec := &observe.Recorder{}
			e := newEngine(t, rec, nil)
			data := content(21, 300<<10)
			obj := put(t, d.src, "flip/in-transit", data, store.Metadata{})
			d.srcFaults.Set(faults.Rule{Op: "get", KeyPrefix: "flip/in-transit", FlipBit: 1000})
			t.Cleanup(d.srcFaults.Clear)
			r := e.Copy(context.Background(), d.src, d.dst, obj, engine.CopyOptions{})
			d.srcFaults.Clear()
			assert.Equal(t, engine.Failed, r.Outcome)
			assert.Equal(t, store.Permanent, r.ErrorClass, "a mismatch that persists is permanent")
			assert.Contains(t, r.Error, "mismatch")
			assert.Positive(t, rec.Count(observe.Mismatch))
			_, err := d.dst.Head(context.Background(), obj.Key)
			assert.ErrorIs(t, err, store.ErrNotFound, "nothing was written")

			// A flip that happens once is retried and the copy succeeds.
			d.srcFaults.Set(faults.Rule{Op: "get", KeyPrefix: "flip/in-transit", FlipBit: 1000, Count: 1})
			r = e.Copy(context.Background(), d.src, d.dst, obj, engine.CopyOptions{})
			d.srcFaults.Clear()
			require.Equal(t, engine.Copied, r.Outcome, r.Error)

			// At rest in the destination.
			d.dstFaults.Set(faults.Rule{Op: "get", KeyPrefix: "flip/in-transit", FlipBit: 77})
			t.Cleanup(d.dstFaults.Clear)
			q := e.Verify(context.Background(), d.dst, r, engine.Quick)
			assert.True(t, q.OK, "quick verification is blind to corruption at rest: %s", q.Problem)
			f := e.Verify(context.Background(), d.dst, r, engine.Full)
			assert.False(t, f.OK, "full verification re-reads and must catch the flip")
			assert.NotEmpty(t, f.Problem)
			assert.Empty(t, f.Class, "a mismatch, not an error: %s", f.Problem)
			d.dstFaults.Clear()
			f = e.Verify(context.Background(), d.dst, r, engine.Full)
			assert.True(t, f.OK, f.Problem)
		})
	}
}

// TestThrottlingStorm answers a quarter of the destination's writes with
// throttling; the SDK retries, and what it gives up on fails retryably, to
// be retried by the batch's next attempt (as Temporal retries a batch
// activity): every object arrives.
func TestThrottlingStorm(t *testing.T) {
	rec := &observe.Recorder{}
	for _, d := range directions(t, rec) {
		t.Run(d.name, func(t *testing.T) {
			e := newEngine(t, rec, nil)
			for i := 0; i < 20; i++ {
				put(t, d.src, "storm/"+string(rune('a'+i%26))+strings.Repeat("x", i), content(uint64(i), 2048), store.Metadata{})
			}
			status := 503
			if strings.HasPrefix(d.name, "s3") {
				status = 429 // OCI's TooManyRequests
			}
			d.dstFaults.Set(faults.Rule{Op: "put", Status: status, Rate: 0.25})
			t.Cleanup(d.dstFaults.Clear)
			before := rec.Count(observe.Throttled)
			objs := listAll(t, d.src, "storm/")
			res := e.CopyBatch(context.Background(), d.src, d.dst, objs, engine.BatchOptions{})
			done := map[string]engine.Result{}
			for _, r := range res {
				if r.Done() {
					done[r.Key] = r
				}
			}
			res = e.CopyBatch(context.Background(), d.src, d.dst, objs, engine.BatchOptions{Done: done})
			for _, r := range res {
				require.Equal(t, engine.Copied, r.Outcome, "%s: %s", r.Key, r.Error)
			}
			assert.Greater(t, rec.Count(observe.Throttled), before, "throttling is observed")
			assert.Positive(t, rec.Count(observe.Retry))
		})
	}
}

// TestOutcomes covers source-gone, unsupported names, archived objects and
// filters: each ends in its own outcome and none fails the batch.
func TestOutcomes(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, env.Bucket("src"), nil)
	dst := env.OCIStore(t, env.Bucket("dst"), nil)
	e := newEngine(t, nil, nil)
	ctx := context.Background()

	put(t, src, "o/gone", []byte("soon deleted"), store.Metadata{})
	put(t, src, "o/line\nfeed", []byte("bad name"), store.Metadata{})
	put(t, src, "o/ok", []byte("fine"), store.Metadata{})
	put(t, src, "o/skip.tmp", []byte("filtered"), store.Metadata{})
	_, err := src.Put(ctx, "o/cold", bytes.NewReader([]byte("frozen")), 6, store.PutOptions{StorageTier: "GLACIER"})
	require.NoError(t, err)
	objs := listAll(t, src, "o/")
	require.Len(t, objs, 5)
	require.NoError(t, src.Delete(ctx, "o/gone"))

	res := e.CopyBatch(ctx, src, dst, objs, engine.BatchOptions{Filter: func(o store.ObjectInfo) (bool, string) {
		return strings.HasSuffix(o.Key, ".tmp"), "exclude *.tmp"
	}})
	got := map[string]engine.Outcome{}
	for _, r := range res {
		got[r.Key] = r.Outcome
	}
	assert.Equal(t, map[string]engine.Outcome{
		"o/gone": engine.SourceGone, "o/line\nfeed": engine.UnsupportedName, "o/ok": engine.Copied,
		"o/skip.tmp": engine.Excluded, "o/cold": engine.Archived,
	}, got)
	_, err = dst.Head(ctx, "o/cold")
	assert.True(t, errors.Is(err, store.ErrNotFound))
}

// TestDroppedConnectionMidBody cuts the source's response body once, in a
// single-part object and in a multipart one: the single PUT retries the
// object, the multipart stream reopens where it stopped (pinned to the same
// ETag), and both arrive intact.
func TestDroppedConnectionMidBody(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			rec := &observe.Recorder{}
			e := newEngine(t, rec, nil)
			small := content(31, 512<<10)
			big := content(32, 3*partSize+77)
			so := put(t, d.src, "drop/small", small, store.Metadata{})
			bo := put(t, d.src, "drop/big", big, store.Metadata{})
			t.Cleanup(d.srcFaults.Clear)

			d.srcFaults.Set(faults.Rule{Op: "get", KeyPrefix: "drop/small", DropAfter: 100 << 10, Count: 1})
			r := e.Copy(context.Background(), d.src, d.dst, so, engine.CopyOptions{})
			require.Equal(t, engine.Copied, r.Outcome, r.Error)
			assert.Equal(t, 1, d.srcFaults.Fired("get"), "the connection was cut")
			assert.Equal(t, sha(small), sha(readAll(t, d.dst, so.Key)))

			d.srcFaults.Set(faults.Rule{Op: "get", KeyPrefix: "drop/big", DropAfter: partSize + 12345, Count: 1})
			before := rec.Count(observe.Retry)
			r = e.Copy(context.Background(), d.src, d.dst, bo, engine.CopyOptions{})
			require.Equal(t, engine.Copied, r.Outcome, r.Error)
			assert.Greater(t, rec.Count(observe.Retry), before, "the stream was reopened")
			assert.Equal(t, int64(len(big)), r.BytesSent, "no part was sent twice")
			assert.Equal(t, sha(big), r.SHA256)
			assert.Equal(t, sha(big), sha(readAll(t, d.dst, bo.Key)))
		})
	}
}
