package activities_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/acttest"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

func (f *fixture) preflight(t *testing.T) activities.PreflightResult {
	t.Helper()
	b, err := json.Marshal(f.plan)
	require.NoError(t, err)
	v, err := f.actEnv().ExecuteActivity(activities.PreflightName, activities.PreflightInput{PlanJSON: b})
	require.NoError(t, err)
	var res activities.PreflightResult
	require.NoError(t, v.Get(&res))
	return res
}

func TestPreflight(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Shards.Prefixes = []string{"s/", "t/"} })
	f.seed(t, 3, 100)
	put(t, f.src, "t/x", []byte("12345"))

	res := f.preflight(t)
	assert.Empty(t, res.Problems)
	assert.Equal(t, testenv.OCIRegion, res.DestinationRegion)
	require.Len(t, res.Shards, 2)
	assert.Equal(t, activities.ShardSize{ShardID: plan.ShardID("s/"), Objects: 3, Bytes: 300}, res.Shards[0])
	assert.Equal(t, activities.ShardSize{ShardID: plan.ShardID("t/"), Objects: 1, Bytes: 5}, res.Shards[1])

	// The plan is stored, and a loader finds it by migration id.
	loaded, err := acttest.StorePlanLoader{Store: f.dst}.LoadPlan(context.Background(), f.plan.ID)
	require.NoError(t, err)
	assert.Equal(t, f.plan.Fingerprint(), loaded.Fingerprint())
	_, err = f.dst.Head(context.Background(), f.plan.Destination.ManifestPrefix+"_preflight-probe")
	assert.ErrorIs(t, err, store.ErrNotFound, "the probe is removed")

	// A replication policy out of the allowed regions is a problem.
	prov, err := common.ConfigurationProviderFromFileWithProfile(f.env.OCICreds.ConfigPath, f.env.OCICreds.Profile, "")
	require.NoError(t, err)
	client, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(prov)
	require.NoError(t, err)
	client.Host = f.env.OCIURL
	_, err = client.CreateReplicationPolicy(context.Background(), objectstorage.CreateReplicationPolicyRequest{
		NamespaceName: common.String(f.dst.Namespace()), BucketName: common.String(f.dst.Bucket()),
		CreateReplicationPolicyDetails: objectstorage.CreateReplicationPolicyDetails{
			Name: common.String("to-frankfurt"), DestinationRegionName: common.String("eu-frankfurt-1"), DestinationBucketName: common.String("copy")},
	})
	require.NoError(t, err)
	res = f.preflight(t)
	require.Len(t, res.Problems, 1)
	assert.Contains(t, res.Problems[0], "eu-frankfurt-1")
}

// TestPreflightNamesKeysTheDestinationCannotStore: pre-flight counts each
// shard's keys OCI cannot store and names the first few, exactly, in
// listing order; a key the plan's filters exclude is not counted, and
// keys OCI holds (a tab, a 1,024-byte key) are not either.
func TestPreflightNamesKeysTheDestinationCannotStore(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Sources.Primary.Filters.Exclude = []string{"s/excluded*"} })
	bad := []string{"s/a\nb", "s/b\rc", "s/c\x00d", "s/d\r\n", "s/e\n", "s/f\n"}
	for _, k := range append(bad, "s/excluded\n", "s/tab\tok", "s/"+strings.Repeat("é", 511)) {
		put(t, f.src, k, []byte("x"))
	}
	res := f.preflight(t)
	assert.Empty(t, res.Problems, "unsupported names are for the operator to see, not a reason to refuse the plan")
	require.Len(t, res.Shards, 1)
	assert.Equal(t, int64(len(bad)+3), res.Shards[0].Objects)
	assert.Equal(t, int64(len(bad)), res.Shards[0].UnsupportedNames)
	assert.Equal(t, bad[:5], res.Shards[0].UnsupportedExamples)
}

func TestPreflightRefusesDisallowedRegion(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Residency.AllowedRegions = []string{"eu-frankfurt-1"} })
	f.plan.Destination.Settings.(*ocistore.Settings).Region = "eu-frankfurt-1" // the label lies; the endpoint answers for us-ashburn-1
	res := f.preflight(t)
	joined := strings.Join(res.Problems, "\n")
	assert.Contains(t, joined, "us-ashburn-1")
	assert.Equal(t, testenv.OCIRegion, res.DestinationRegion)
	_, err := f.dst.Head(context.Background(), f.plan.Destination.ManifestPrefix+manifest.PlanName)
	assert.ErrorIs(t, err, store.ErrNotFound, "nothing is written to a disallowed region")
}

func TestReverseSyncKeepsWritesAfterCutover(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 3, 500)
	f.copyAll(t, 10)
	cutoverAt := time.Now()
	time.Sleep(1100 * time.Millisecond) // mtimes have one-second resolution
	put(t, f.dst, "s/written-after-cutover", []byte("new at the destination"))
	put(t, f.dst, keys[1], []byte("changed at the destination"))

	v, err := f.actEnv().ExecuteActivity(activities.ReverseSyncName, activities.ReverseSyncInput{Shard: f.ref, CutoverAt: cutoverAt})
	require.NoError(t, err)
	var res activities.ReverseSyncResult
	require.NoError(t, v.Get(&res))
	assert.EqualValues(t, 2, res.Copied)
	assert.EqualValues(t, 2, res.Verified)
	assert.Zero(t, res.Failed)
	for key, want := range map[string]string{"s/written-after-cutover": "new at the destination", keys[1]: "changed at the destination"} {
		rc, _, err := f.src.Get(context.Background(), key, store.GetOptions{})
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = buf.ReadFrom(rc)
		rc.Close()
		require.NoError(t, err)
		assert.Equal(t, want, buf.String())
	}
}

func TestPurgeDeletesAllVersionsAfterReverification(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	bucket := env.Bucket("src")
	require.NoError(t, env.S3.CreateBucket(bucket))
	require.NoError(t, env.S3.EnableVersioning(bucket))
	f := newFixtureOn(t, env, bucket, func(p *planT) { p.Purge.Enabled = true })
	keys := f.seed(t, 2, 300)
	put(t, f.src, keys[0], randomBytes(t, 300)) // a second version
	f.copyAll(t, 10)
	put(t, f.src, "other/keep", []byte("outside the shard"))

	// A corrupt copy at the destination (the migration's own: it keeps its
	// provenance) blocks the purge.
	info, err := f.dst.Head(context.Background(), keys[1])
	require.NoError(t, err)
	_, err = f.dst.Put(context.Background(), keys[1], bytes.NewReader([]byte("bad")), 3, store.PutOptions{Metadata: info.Metadata})
	require.NoError(t, err)
	_, err = f.actEnv().ExecuteActivity(activities.PurgeName, f.ref)
	requireAppErr(t, err, activities.ErrTypeInput, true)
	_, err = f.src.Head(context.Background(), keys[1])
	require.NoError(t, err, "nothing is purged before proof")

	// Repaired, the purge removes every version.
	v, err := f.actEnv().ExecuteActivity(activities.RecopyName, activities.RecopyInput{Shard: f.ref, Keys: []string{keys[1]}, Round: 1})
	require.NoError(t, err)
	v, err = f.actEnv().ExecuteActivity(activities.PurgeName, f.ref)
	require.NoError(t, err)
	var res activities.PurgeResult
	require.NoError(t, v.Get(&res))
	assert.EqualValues(t, 3, res.Deleted, "two versions of k00 and one of k01")
	page, err := f.src.List(context.Background(), store.ListOptions{Prefix: "s/"})
	require.NoError(t, err)
	assert.Empty(t, page.Objects)
	_, err = f.src.Head(context.Background(), "other/keep")
	assert.NoError(t, err, "other prefixes are untouched")
	var rec manifest.PurgeRecord
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	require.NoError(t, ms.ReadJSON(context.Background(), res.RecordKey, &rec))
	require.Len(t, rec.Copies, 1)
	// The record counts per copy; the keys and versions are in its parts.
	assert.EqualValues(t, 3, rec.Copies[0].Versions+rec.Copies[0].Objects+rec.Copies[0].DeleteMarkers)
	var deleted []manifest.DeletedObject
	for n := range rec.Parts {
		var part manifest.PurgePart
		require.NoError(t, ms.ReadJSON(context.Background(), manifest.PartKey(f.plan.Destination.ManifestPrefix, f.ref.ShardID, "purge", n), &part))
		assert.Equal(t, "primary", part.Copy)
		deleted = append(deleted, part.Deleted...)
	}
	assert.Len(t, deleted, 3)
}

func TestAbortUploads(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.dst.CreateMultipart(ctx, "s/big", store.PutOptions{})
	require.NoError(t, err)
	_, err = f.dst.CreateMultipart(ctx, "other/big", store.PutOptions{})
	require.NoError(t, err)
	v, err := f.actEnv().ExecuteActivity(activities.AbortUploadsName, f.ref)
	require.NoError(t, err)
	var res activities.AbortUploadsResult
	require.NoError(t, v.Get(&res))
	assert.True(t, res.Supported)
	assert.EqualValues(t, 1, res.Aborted)
	left, err := f.dst.ListUploads(ctx, "")
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, "other/big", left[0].Key)
}

func TestRoutingThroughFileTarget(t *testing.T) {
	f := newFixture(t)
	path := t.TempDir() + "/routes.json"
	f.plan.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: path}}
	rt := &activities.PlanRouting{}
	target, err := rt.Target(context.Background(), f.plan)
	require.NoError(t, err)
	_, ok := target.(*fileroute.Target)
	assert.True(t, ok)
	again, err := rt.Target(context.Background(), f.plan)
	require.NoError(t, err)
	assert.Same(t, target, again, "one target per migration")
}
