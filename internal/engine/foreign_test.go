package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
)

// TestForeignDestinationObjectsAreNotOverwritten: destination objects the
// migration did not write, one the application wrote (no provenance, small
// and multipart-sized) and one another migration wrote from the same
// source bytes, are left untouched by default: each record is a permanent
// failure naming the key, the writer and the plan setting. With the
// overwrite policy they are copied over; with no migration id the engine
// behaves as it always did.
func TestForeignDestinationObjectsAreNotOverwritten(t *testing.T) {
	for _, d := range directions(t, nil) {
		t.Run(d.name, func(t *testing.T) {
			e := newEngine(t, nil, nil)
			ctx := context.Background()
			src := map[string][]byte{"f/app": content(61, 2048), "f/app-big": content(62, partSize+100), "f/other-mig": content(63, 1024)}
			for k, b := range src {
				put(t, d.src, k, b, store.Metadata{})
			}
			objs := listAll(t, d.src, "f/")
			appBytes := []byte("the application's live object")
			put(t, d.dst, "f/app", appBytes, store.Metadata{})
			put(t, d.dst, "f/app-big", appBytes, store.Metadata{})
			// Another migration copied f/other-mig already.
			r0 := e.CopyBatch(ctx, d.src, d.dst, []store.ObjectInfo{objs[2]}, engine.BatchOptions{MigrationID: "mig-old"})
			require.Equal(t, engine.Copied, r0[0].Outcome, r0[0].Error)

			res := e.CopyBatch(ctx, d.src, d.dst, objs, engine.BatchOptions{MigrationID: "mig-new"})
			for _, r := range res {
				require.Equal(t, engine.Failed, r.Outcome, "%s must not be touched", r.Key)
				assert.Equal(t, store.Permanent, r.ErrorClass, r.Key)
				assert.Contains(t, r.Error, `"`+r.Key+`"`)
				assert.Contains(t, r.Error, "destination.foreignObjects: overwrite")
				assert.Zero(t, r.BytesSent, r.Key)
			}
			assert.Contains(t, res[0].Error, "no migration provenance")
			assert.Contains(t, res[2].Error, `migration "mig-old"`)
			assert.Equal(t, appBytes, readAll(t, d.dst, "f/app"), "the application's object is untouched")
			assert.Equal(t, appBytes, readAll(t, d.dst, "f/app-big"))
			info, err := d.dst.Head(ctx, "f/other-mig")
			require.NoError(t, err)
			assert.Equal(t, "mig-old", info.Metadata.User[store.MetaMigrationID], "the other migration's object is untouched")

			// The policy protects the store it is scoped to, only.
			res = e.CopyBatch(ctx, d.src, d.dst, objs, engine.BatchOptions{MigrationID: "mig-new", ForeignScope: d.dst.String()})
			assert.Equal(t, engine.Failed, res[0].Outcome, "scoped to this destination: %s", res[0].Error)
			res = e.CopyBatch(ctx, d.src, d.dst, objs[:1], engine.BatchOptions{MigrationID: "mig-new", ForeignScope: "s3://elsewhere"})
			require.Equal(t, engine.Copied, res[0].Outcome, "a store the policy does not protect is written: %s", res[0].Error)
			put(t, d.dst, "f/app", appBytes, store.Metadata{}) // the application writes it again

			res = e.CopyBatch(ctx, d.src, d.dst, objs, engine.BatchOptions{MigrationID: "mig-new", ForeignObjects: engine.ForeignOverwrite})
			for _, r := range res {
				require.Equal(t, engine.Copied, r.Outcome, "%s: %s", r.Key, r.Error)
				assert.Equal(t, sha(src[r.Key]), sha(readAll(t, d.dst, r.Key)), r.Key)
			}

			// The engine on its own (no migration id): overwrite what
			// differs, skip what its provenance says is identical.
			put(t, d.dst, "f/app", appBytes, store.Metadata{})
			res = e.CopyBatch(ctx, d.src, d.dst, objs, engine.BatchOptions{})
			assert.Equal(t, engine.Copied, res[0].Outcome, res[0].Error)
			assert.Equal(t, engine.Skipped, res[1].Outcome, res[1].Error)
			assert.Equal(t, engine.Skipped, res[2].Outcome, res[2].Error)
		})
	}
}
