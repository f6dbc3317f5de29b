package filestore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// TestCopyBatchFromDirectoryToOCI copies a shard of a plain directory
// tree, named by a plan's primary {kind: file, root: …}, to the OCI
// destination on the local endpoint, through the worker's PlanStores.
func TestCopyBatchFromDirectoryToOCI(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	dst := env.Bucket("dst")
	require.NoError(t, env.OCI.CreateBucket(dst))

	// Files as any program writes them; the store has written none.
	root := t.TempDir()
	files := map[string][]byte{"s/a.txt": []byte("small file\n"), "s/sub/big.bin": make([]byte, 3<<20+17), "other/c": []byte("not in the shard")}
	_, err := rand.Read(files["s/sub/big.bin"])
	require.NoError(t, err)
	for k, b := range files {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(k)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, k), b, 0o644))
	}

	doc := fmt.Sprintf(`id: from-dir
sources:
  primary: {kind: file, root: %q}
destination:
  namespace: %s
  region: us-ashburn-1
  bucket: %s
  endpoint: %s
  auth: {configFile: %q, profile: %s}
shards: {prefixes: [s/]}
limits: {partSize: 1048576}
cutover:
  target: {kind: file, path: %q}
residency:
  allowedRegions: [us-ashburn-1]
`, root, env.OCI.Namespace(), dst, env.OCIURL, env.OCICreds.ConfigPath, env.OCICreds.Profile, filepath.Join(t.TempDir(), "routes.json"))
	p, err := plan.Parse("from-dir.yaml", []byte(doc))
	require.NoError(t, err)

	eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 16 << 20, Concurrency: 4})
	require.NoError(t, err)
	plans := activities.NewPlanCache(nil)
	plans.Add(p)
	acts, err := activities.New(activities.Config{Plans: plans, Stores: activities.PlanStores{}, Routing: &activities.PlanRouting{}, Engine: eng})
	require.NoError(t, err)
	var suite testsuite.WorkflowTestSuite
	aenv := suite.NewTestActivityEnvironment()
	aenv.RegisterActivity(acts)
	ref := activities.ShardRef{MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), ShardID: plan.ShardID("s/"), Prefix: "s/"}
	v, err := aenv.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{Shard: ref, Batch: 1, Limit: 100, StartAt: time.Now()})
	require.NoError(t, err)
	var res activities.CopyBatchResult
	require.NoError(t, v.Get(&res))
	assert.True(t, res.Done)
	assert.EqualValues(t, 2, res.Counts.Copied)
	assert.Empty(t, res.FailedKeys)

	oci, err := ocistore.New(context.Background(), testenv.OCIConfig(env.OCIURL, env.OCICreds, dst, nil))
	require.NoError(t, err)
	for _, k := range []string{"s/a.txt", "s/sub/big.bin"} {
		rc, info, err := oci.Get(context.Background(), k, store.GetOptions{})
		require.NoError(t, err, k)
		got, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		assert.True(t, bytes.Equal(files[k], got), "%s arrived as it is on disk", k)
		assert.Equal(t, p.ID, info.Metadata.User[store.MetaMigrationID], "%s carries the migration's provenance", k)
	}
	_, err = oci.Head(context.Background(), "other/c")
	assert.ErrorIs(t, err, store.ErrNotFound, "only the shard is copied")
}
