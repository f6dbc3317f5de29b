package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/reporttest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

const root = "_migrations/m1/"

func seeded(t *testing.T) (store.Store, []report.ShardInfo) {
	env := testenv.Start(t, testenv.Options{})
	st := env.OCIStore(t, env.Bucket("rep"), nil)
	ms, err := manifest.New(st, root, func(r string) bool { return r == testenv.OCIRegion })
	require.NoError(t, err)
	one := reporttest.Seed(t, ms, "m1", "users-1-aaaa", "users/1/")

	// A rolled-back shard with a reverse sync and the routing target's
	// own history.
	ctx := context.Background()
	_, err = ms.WriteManifest(ctx, &manifest.Manifest{Kind: manifest.KindBatch, MigrationID: "m1", ShardID: "users-2-bbbb",
		Prefix: "users/2/", Seq: 1, Entries: []manifest.Entry{{Result: engine.Result{Key: "users/2/x", Size: 7, Outcome: engine.Copied}}}})
	require.NoError(t, err)
	// Parts of a reverse sync still in progress, and a record of an
	// activity in flight.
	for _, k := range []string{"reverse-sync-p0002.json", "reverse-sync-p0001.json", "partial/batch-00002.json"} {
		require.NoError(t, ms.WriteJSON(ctx, manifest.ShardDir(root, "users-2-bbbb")+k, []manifest.Entry{}))
	}
	require.NoError(t, ms.WriteJSON(ctx, manifest.RecordKey(root, "users-2-bbbb", manifest.ReverseSyncName), []manifest.Entry{
		{Result: engine.Result{Key: "users/2/new", Size: 3, Outcome: engine.Copied, SHA256: "s", DestCheck: "content-md5"}},
		{Result: engine.Result{Key: "users/2/bad", Size: 3, Outcome: engine.Failed, Error: "denied"}},
	}))
	t0 := reporttest.T0
	two := report.ShardInfo{ShardStatus: workflows.ShardStatus{ShardID: "users-2-bbbb", Prefix: "users/2/", State: "RolledBack",
		Transitions: []report.Transition{
			{From: "Pending", To: "Copying", At: t0, Actor: "workflow"},
			{From: "Soaking", To: "RollingBack", At: t0.Add(time.Hour), Actor: "carol", Reason: "INC-9 latency", Action: "rollback"},
			{From: "RollingBack", To: "RolledBack", At: t0.Add(2 * time.Hour), Actor: "carol", Reason: "rolled back to the source: INC-9 latency"},
		}},
		Routes: []routing.HistoryEntry{
			{Kind: routing.EventRegister, To: routing.StateSource, Version: 0, At: t0},
			{Kind: routing.EventSet, From: routing.StateSource, To: routing.StateReadOnly, Version: 1, OperationID: "freeze-1", Actor: "workflow", Reason: "freeze before cutover", At: t0.Add(time.Minute)},
			{Kind: routing.EventSet, From: routing.StateReadOnly, To: routing.StateDestination, Version: 2, OperationID: "cutover-1", Actor: "workflow", Reason: "cutover", At: t0.Add(2 * time.Minute)},
		}}
	// A shard that has not started: no records at all.
	three := report.ShardInfo{ShardStatus: workflows.ShardStatus{ShardID: "users-3-cccc", Prefix: "users/3/", State: "Pending"}}
	return st, []report.ShardInfo{one, two, three}
}

func TestBuildCountsEveryObject(t *testing.T) {
	st, shards := seeded(t)
	info := report.MigrationInfoFromPlan(plan.Example())
	r, err := report.Build(context.Background(), st, root, info, shards)
	require.NoError(t, err)
	require.Len(t, r.Shards, 3)

	s := r.Shards[0]
	assert.Equal(t, int64(8), s.Objects)
	assert.Equal(t, map[string]int64{"copied": 3, "skipped": 1, "failed": 1, "source-gone": 1, "unsupported-name": 1, "archived": 1}, s.Outcomes)
	assert.Equal(t, map[string]int64{manifest.DeletedRemoved: 1}, s.Deleted)
	assert.Equal(t, int64(11+70<<20+80), s.Bytes, "present objects only: the deleted one is gone")
	assert.Equal(t, 2, s.Manifests.Batches)
	assert.Equal(t, 1, s.Manifests.Recopies)
	assert.Equal(t, 1, s.Manifests.Deltas)
	assert.Equal(t, map[string]int64{"etag-md5": 1, "provenance": 1, "none": 1, "checksum-sha256": 1}, s.Verification.SourceChecks)
	assert.Equal(t, map[string]int64{"content-md5": 2, "multipart-md5": 1}, s.Verification.DestChecks)
	require.Len(t, s.Verification.Runs, 1)
	assert.Equal(t, report.VerifyRun{Mode: "quick", Checked: 3, Mismatches: 1, Record: root + "users-1-aaaa/verify-quick.json"}, s.Verification.Runs[0])
	assert.Equal(t, map[string]report.VerifyCounts{
		"quick": {Checked: 3, OK: 2, Mismatch: 1},
		"final": {Checked: 3, OK: 3},
	}, s.Verification.ByVerification)
	require.NotNil(t, s.Verification.Final)
	assert.True(t, s.Verification.Final.OK)
	assert.Equal(t, int64(3), s.Verification.Final.Objects)

	require.Len(t, s.Mismatches.Items, 1)
	assert.Equal(t, "users/1/g", s.Mismatches.Items[0].Key)
	require.Len(t, s.Failed.Items, 1)
	assert.Equal(t, "users/1/c", s.Failed.Items[0].Key)
	assert.Contains(t, s.Failed.Items[0].Reason, "access denied")
	assert.Equal(t, "permanent", s.Failed.Items[0].Class)
	require.Len(t, s.SourceGone.Items, 1)
	assert.NotEmpty(t, s.SourceGone.Items[0].Reason)
	assert.Equal(t, int64(1), s.Unsupported.Count)
	assert.Equal(t, int64(1), s.Archived.Count)

	require.Len(t, s.OperatorActions, 2)
	assert.Equal(t, "alice", s.OperatorActions[0].Actor)
	assert.Equal(t, "approve", s.OperatorActions[1].Action)
	assert.Equal(t, reporttest.T0, s.Timings.Started)
	assert.Equal(t, reporttest.T0.Add(10*time.Minute), s.Timings.Finished)
	assert.Equal(t, 6*time.Minute, s.Timings.InState["Soaking"])
	assert.Equal(t, 40*time.Millisecond, s.Timings.CopyTime, "a, b, g and h recorded durations")

	// Routing changes derived from the transitions: read-only at the
	// approval's freeze (by bob), destination at cutover.
	require.Len(t, s.RoutingChanges, 2)
	assert.Equal(t, "read-only", s.RoutingChanges[0].To)
	assert.Equal(t, "bob", s.RoutingChanges[0].Actor)
	assert.Equal(t, "destination", s.RoutingChanges[1].To)
	assert.Equal(t, "transitions", s.RoutingChanges[1].Source)

	require.NotNil(t, s.Purge)
	assert.Equal(t, int64(5), s.Purge.Total)
	assert.Equal(t, report.PurgedCopy{Name: "backup-sg", Store: "s3://backup", Versions: 1, DeleteMarkers: 1}, s.Purge.Copies[1])

	two := r.Shards[1]
	require.NotNil(t, two.ReverseSync)
	assert.Equal(t, report.ReverseSync{Objects: 2, Copied: 1, Verified: 1, Failed: 1}, *two.ReverseSync)
	require.Len(t, two.RoutingChanges, 3)
	assert.Equal(t, "routing-target", two.RoutingChanges[2].Source)
	assert.Equal(t, "cutover-1", two.RoutingChanges[2].OperationID)
	assert.Nil(t, two.Verification.Final)

	// Each shard links to its manifests and records, with parts, and
	// says how to list them.
	dir := root + "users-1-aaaa/"
	sm := s.Manifests
	assert.Equal(t, dir, sm.Folder)
	assert.Equal(t, "oci://acme/users", sm.Bucket)
	assert.Equal(t, 7, sm.Objects)
	assert.Equal(t, []report.ManifestRun{
		{Kind: "batch", Seq: 1, Keys: []string{dir + "batch-00001.json"}},
		{Kind: "batch", Seq: 2, Keys: []string{dir + "batch-00002.json"}},
		{Kind: "recopy", Seq: 1, Keys: []string{dir + "recopy-00001.json"}},
		{Kind: "delta", Seq: 1, Keys: []string{dir + "delta-00001.json"}},
	}, sm.Runs)
	assert.Equal(t, []report.RecordRef{
		{Name: "final-verify.json", Key: dir + "final-verify.json"},
		{Name: "purge.json", Key: dir + "purge.json"},
		{Name: "verify-quick.json", Key: dir + "verify-quick.json"},
	}, sm.Records)
	assert.Equal(t, "starter report us-users-to-oci --shard users-1-aaaa --objects", sm.ListObjects)
	assert.Equal(t, "oci os object list --namespace acme --bucket-name users --prefix "+dir+" --all --region us-ashburn-1", sm.ListKeys)
	dir2 := root + "users-2-bbbb/"
	assert.Equal(t, []report.RecordRef{{Name: "reverse-sync.json", Key: dir2 + "reverse-sync.json",
		Parts: []string{dir2 + "reverse-sync-p0001.json", dir2 + "reverse-sync-p0002.json"}}}, two.Manifests.Records)
	assert.Equal(t, 1, two.Manifests.InFlight)

	three := r.Shards[2]
	assert.Zero(t, three.Objects)
	assert.Equal(t, "Pending", three.State)

	assert.Equal(t, 3, r.Totals.Shards)
	assert.Equal(t, int64(9), r.Totals.Objects)
	assert.Equal(t, int64(1), r.Totals.Failed)
	assert.Equal(t, 1, r.Totals.FinalVerified)
	assert.Equal(t, map[string]int{"Complete": 1, "RolledBack": 1, "Pending": 1}, r.Totals.ByState)
}

func TestWriters(t *testing.T) {
	st, shards := seeded(t)
	r, err := report.Build(context.Background(), st, root, report.MigrationInfoFromPlan(plan.Example()), shards)
	require.NoError(t, err)

	var js bytes.Buffer
	require.NoError(t, r.WriteJSON(&js))
	var back report.Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, r.Totals, back.Totals)
	assert.Equal(t, r.Shards[0].Failed, back.Shards[0].Failed)

	var md bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&md))
	page := md.String()
	for _, want := range []string{
		"# Migration report: US user data: AWS us-east-1 to OCI us-ashburn-1 (us-users-to-oci)",
		"| source | s3://acme-users-us (us-east-1) |",
		"| backup copy backup-singapore | s3://acme-users-backup-sg (ap-southeast-1) |",
		"| destination | oci://acme/users (us-ashburn-1) |",
		"| [users-1-aaaa](#shard-users-1-aaaa) | `users/1/` | Complete | 8 |",
		"## Shard users-1-aaaa",
		"Final full verification: passed",
		"**Failed objects: 1.**",
		"| `users/1/c` | 30 | get users/1/c: access denied (grant s3:GetObject on the prefix) (permanent) |",
		"| `\"users/1/e\\n\"` | 5 |", // a line feed in a key cannot break the table, and shows quoted
		"| 2026-11-29T10:03:00Z | approve | bob | approved in CAB-7 | AwaitingApproval → Frozen |",
		"**Reverse sync.** 2 objects",
		"| backup-sg | s3://backup | 0 | 1 | 1 |",
		"| verification | checked | ok | mismatch | missing |",
		"| final | 3 | 3 | 0 | 0 |",
		"| quick | 3 | 2 | 1 | 0 |",
		"**Manifests.** 7 objects under `_migrations/m1/users-1-aaaa/` in oci://acme/users",
		"`starter report us-users-to-oci --shard users-1-aaaa --objects`",
		"| batch 2 | `batch-00002.json` |",
		"| reverse-sync.json | `reverse-sync.json` … `reverse-sync-p0002.json` (3 objects) |",
	} {
		assert.Contains(t, page, want)
	}
}

func TestBuildRefusesBadInput(t *testing.T) {
	st, _ := seeded(t)
	_, err := report.Build(context.Background(), st, "no-slash", report.MigrationInfo{}, nil)
	assert.Error(t, err)
	_, err = report.Build(context.Background(), st, root, report.MigrationInfo{}, []report.ShardInfo{{}})
	assert.ErrorContains(t, err, "no id")
}

func TestEachObjectTellsHowEachWasChecked(t *testing.T) {
	st, shards := seeded(t)
	var got []report.Object
	require.NoError(t, report.EachObject(context.Background(), st, root, shards[0].ShardID, func(o report.Object) error {
		got = append(got, o)
		return nil
	}))
	require.Len(t, got, 8, "every object of the merged manifests, the deleted one included")
	byKey := map[string]report.Object{}
	for i, o := range got {
		if i > 0 {
			assert.Less(t, got[i-1].Key, o.Key, "key order")
		}
		assert.Equal(t, "users-1-aaaa", o.ShardID)
		byKey[o.Key] = o
	}
	a := byKey["users/1/a"]
	assert.Equal(t, report.Object{ShardID: "users-1-aaaa", Key: "users/1/a", Size: 11, Outcome: "copied", SourceCheck: "etag-md5",
		DestCheck: "content-md5", SHA256: "sha-a", MD5: "md5-a", SourceETag: "e-a"}, a, "the delta round's record wins")
	g := byKey["users/1/g"]
	assert.Equal(t, "none", g.SourceCheck)
	assert.Equal(t, "multipart-md5", g.DestCheck)
	assert.Equal(t, 5, g.Parts)
	assert.Equal(t, []report.ObjectProblem{{Record: "verify-quick.json", Problem: "sha256 differs from the one recorded at write time"}}, g.Problems)
	assert.Equal(t, "deleted", byKey["users/1/b"].Deleted)
	assert.Equal(t, "provenance", byKey["users/1/b"].SourceCheck)
	c := byKey["users/1/c"]
	assert.Equal(t, "failed", c.Outcome)
	assert.Equal(t, "permanent", c.ErrorClass)
	assert.Contains(t, c.Error, "access denied")

	stop := errors.New("stop")
	n := 0
	err := report.EachObject(context.Background(), st, root, shards[0].ShardID, func(report.Object) error { n++; return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)
}
