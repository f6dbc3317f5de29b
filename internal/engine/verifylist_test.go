package engine_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/store"
)

// TestQuickVerifyByListing: a quick verification of a batch lists the
// destination instead of HEADing each object, and still catches an object
// rewritten or deleted since the copy (those are HEADed to decide).
func TestQuickVerifyByListing(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			e := newEngine(t, nil, nil)
			for i := range 30 {
				put(t, d.src, fmt.Sprintf("q/%03d", i), content(uint64(i+1), 1000+i), store.Metadata{})
			}
			res := e.CopyBatch(context.Background(), d.src, d.dst, listAll(t, d.src, "q/"), engine.BatchOptions{})
			for _, r := range res {
				require.Equal(t, engine.Copied, r.Outcome, "%s: %s", r.Key, r.Error)
			}

			d.dstFaults.Set(faults.Rule{Op: "head", Latency: 1})
			t.Cleanup(d.dstFaults.Clear)
			for _, c := range e.VerifyBatch(context.Background(), d.dst, res, engine.Quick) {
				assert.True(t, c.OK, "%s: %s", c.Key, c.Problem)
			}
			assert.Zero(t, d.dstFaults.Fired("head"), "the listing proves every record")

			// Rewrite one object (new ETag and MD5) and delete another.
			put(t, d.dst, "q/007", content(99, 1007), store.Metadata{})
			require.NoError(t, d.dst.Delete(context.Background(), "q/011"))
			heads := d.dstFaults.Fired("head")
			checks := e.VerifyBatch(context.Background(), d.dst, res, engine.Quick)
			bad := map[string]engine.Check{}
			for _, c := range checks {
				if !c.OK {
					bad[c.Key] = c
				}
			}
			require.Len(t, bad, 2, "exactly the rewritten and the deleted object fail")
			assert.Contains(t, bad["q/007"].Problem, "at write time")
			assert.True(t, bad["q/011"].Missing)
			assert.Equal(t, 2, d.dstFaults.Fired("head")-heads, "only the two the listing could not prove are HEADed")
		})
	}
}
