package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
)

// TestRerunSkipsMultipartWithItsSHA256 re-runs a copy into a destination
// that holds the objects already, in both directions: every Skipped record
// carries the SHA-256 of the source's bytes, the multipart one (whose
// provenance was fixed before any hash existed) from a hash of the
// destination object, the single-part one from its provenance. Quick and
// full verification then pass on the skipped records.
func TestRerunSkipsMultipartWithItsSHA256(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			e := newEngine(t, nil, nil)
			big, small := content(51, 2*partSize+333), content(52, 4096)
			put(t, d.src, "rerun/big", big, store.Metadata{})
			put(t, d.src, "rerun/small", small, store.Metadata{})
			objs := listAll(t, d.src, "rerun/")
			opts := engine.BatchOptions{MigrationID: "mig-rerun"}
			for _, r := range e.CopyBatch(context.Background(), d.src, d.dst, objs, opts) {
				require.Equal(t, engine.Copied, r.Outcome, "%s: %s", r.Key, r.Error)
			}

			again := e.CopyBatch(context.Background(), d.src, d.dst, objs, opts)
			want := map[string]string{"rerun/big": sha(big), "rerun/small": sha(small)}
			for _, r := range again {
				require.Equal(t, engine.Skipped, r.Outcome, "%s: %s", r.Key, r.Error)
				assert.Equal(t, want[r.Key], r.SHA256, "%s: a skip records the SHA-256 of the source's bytes", r.Key)
				assert.Equal(t, engine.SourceCheckProvenance, r.SourceCheck, r.Key)
				assert.Zero(t, r.BytesSent, r.Key)
				for _, mode := range []engine.Mode{engine.Quick, engine.Full} {
					c := e.Verify(context.Background(), d.dst, r, mode)
					assert.True(t, c.OK, "%s %s: %s", r.Key, mode, c.Problem)
				}
			}
			assert.Equal(t, engine.DestCheckRehash, again[0].DestCheck, "the multipart object was hashed at skip time")
			assert.Empty(t, again[1].DestCheck, "the single-part object's provenance carries its SHA-256")
		})
	}
}

// TestCrashAfterMultipartCompletionSkipsWithSHA256: a worker completes a
// multipart upload and dies before its record is kept, so the retry holds
// only the last checkpoint (every part done). The retry finds the object
// at the destination and skips it, with the SHA-256 of the source's bytes
// and without sending a byte.
func TestCrashAfterMultipartCompletionSkipsWithSHA256(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			e := newEngine(t, nil, nil)
			data := content(53, 3*partSize+17)
			obj := put(t, d.src, "crash/obj", data, store.Metadata{})
			var last engine.Checkpoint
			lost := e.Copy(context.Background(), d.src, d.dst, obj, engine.CopyOptions{MigrationID: "mig-crash",
				OnCheckpoint: func(c engine.Checkpoint) { last = c }})
			require.Equal(t, engine.Copied, lost.Outcome, lost.Error)
			require.Equal(t, 4, last.PartsDone, "the last checkpoint has every part")

			res := e.CopyBatch(context.Background(), d.src, d.dst, []store.ObjectInfo{obj}, engine.BatchOptions{
				MigrationID: "mig-crash", Resume: map[string]engine.Checkpoint{obj.Key: last}})
			require.Len(t, res, 1)
			r := res[0]
			require.Equal(t, engine.Skipped, r.Outcome, r.Error)
			assert.Equal(t, sha(data), r.SHA256)
			assert.NotEmpty(t, r.MD5)
			assert.Zero(t, r.BytesSent)
			c := e.Verify(context.Background(), d.dst, r, engine.Full)
			assert.True(t, c.OK, c.Problem)
		})
	}
}
