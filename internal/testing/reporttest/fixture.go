// Package reporttest seeds a manifest store with a realistic shard history
// (batches, a re-copy, a delta round, verification records, the final
// verification, a reverse sync and a purge) for tests of the report and
// the evidence bundle.
package reporttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/workflows"
)

// T0 is the seeded shard's first transition.
var T0 = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// Seed writes the history of one shard (CutOver, then soaked and purged)
// under ms and returns its status as the workflows would report it.
// The shard's objects: users/1/a (copied, etag-md5), users/1/b (skipped),
// users/1/c (failed), users/1/d (source-gone), users/1/e\n (unsupported
// name), users/1/f (archived), users/1/g (copied multipart, re-copied
// after a mismatch), users/1/h (new in the delta round), users/1/a
// modified in the delta round, and users/1/b deleted in it.
func Seed(t testing.TB, ms *manifest.Store, migrationID, shardID, prefix string) report.ShardInfo {
	t.Helper()
	ctx := context.Background()
	ok := func(key string, size int64, sc, dc string) manifest.Entry {
		return manifest.Entry{Result: engine.Result{Key: prefix + key, Size: size, SourceETag: "e-" + key,
			MD5: "md5-" + key, SHA256: "sha-" + key, SourceCheck: sc, DestCheck: dc, Outcome: engine.Copied,
			BytesSent: size, Duration: 10 * time.Millisecond}}
	}
	write := func(m *manifest.Manifest) {
		m.MigrationID, m.ShardID, m.Prefix, m.Written = migrationID, shardID, prefix, T0
		_, err := ms.WriteManifest(ctx, m)
		require.NoError(t, err)
	}
	skipped := ok("b", 20, engine.SourceCheckProvenance, "")
	skipped.Outcome, skipped.BytesSent = engine.Skipped, 0
	write(&manifest.Manifest{Kind: manifest.KindBatch, Seq: 1, NextCursor: prefix + "d", StartAt: T0, Entries: []manifest.Entry{
		ok("a", 10, engine.SourceCheckETagMD5, engine.DestCheckContentMD5),
		skipped,
		{Result: engine.Result{Key: prefix + "c", Size: 30, Outcome: engine.Failed, ErrorClass: store.Permanent,
			Error: "get users/1/c: access denied (grant s3:GetObject on the prefix)"}},
		{Result: engine.Result{Key: prefix + "d", Size: 40, Outcome: engine.SourceGone}},
	}})
	multipart := ok("g", 70<<20, engine.SourceCheckNone, engine.DestCheckMultipart)
	multipart.Parts = 5
	write(&manifest.Manifest{Kind: manifest.KindBatch, Seq: 2, Cursor: prefix + "d", StartAt: T0, Entries: []manifest.Entry{
		{Result: engine.Result{Key: prefix + "e\n", Size: 5, Outcome: engine.UnsupportedName}},
		{Result: engine.Result{Key: prefix + "f", Size: 60, Outcome: engine.Archived}},
		multipart,
	}})
	write(&manifest.Manifest{Kind: manifest.KindRecopy, Seq: 1, Entries: []manifest.Entry{multipart}})
	removed := skipped
	removed.Deleted = manifest.DeletedRemoved
	modified := ok("a", 11, engine.SourceCheckETagMD5, engine.DestCheckContentMD5)
	write(&manifest.Manifest{Kind: manifest.KindDelta, Seq: 1, Entries: []manifest.Entry{
		modified, removed, ok("h", 80, "checksum-sha256", engine.DestCheckContentMD5)}})

	root := ms.Root()
	require.NoError(t, ms.WriteJSON(ctx, manifest.VerifyKey(root, shardID, "quick"), manifest.VerifyRecord{
		MigrationID: migrationID, ShardID: shardID, Mode: "quick", Checked: 3, Mismatches: 1,
		Problems: []manifest.Problem{{Key: prefix + "g", Problem: "sha256 differs from the one recorded at write time"}}}))
	require.NoError(t, ms.WriteJSON(ctx, manifest.RecordKey(root, shardID, manifest.FinalVerifyName), manifest.FinalVerifyRecord{
		MigrationID: migrationID, ShardID: shardID, Prefix: prefix, FrozenAt: T0.Add(3 * time.Minute).Format(time.RFC3339),
		Result: manifest.FinalVerifyCounts{OK: true, Objects: 3}}))
	require.NoError(t, ms.WriteJSON(ctx, manifest.RecordKey(root, shardID, manifest.PurgeName), manifest.PurgeRecord{
		MigrationID: migrationID, ShardID: shardID, Prefix: prefix, Copies: []manifest.PurgedCopy{
			{Name: "primary", Store: "s3://src", Deleted: []manifest.DeletedObject{{Key: prefix + "a"}, {Key: prefix + "g"}, {Key: prefix + "h"}}},
			{Name: "backup-sg", Store: "s3://backup", Deleted: []manifest.DeletedObject{
				{Key: prefix + "a", VersionID: "v1"}, {Key: prefix + "a", VersionID: "v2", DeleteMarker: true}}},
		}}))

	at := func(m int) time.Time { return T0.Add(time.Duration(m) * time.Minute) }
	return report.ShardInfo{ShardStatus: workflows.ShardStatus{
		ShardID: shardID, Prefix: prefix, State: "Complete",
		CopyProgress: workflows.CopyProgress{Counts: activities.Counts{Objects: 8, Bytes: 70<<20 + 171, Copied: 4, Skipped: 1, Failed: 1, SourceGone: 1},
			Batches: 2, Recopies: 1},
		CatchUp:    workflows.CatchUp{DeltaRounds: 1},
		RouteSeen:  workflows.RouteSeen{RouteState: routing.StateDestination, RouteVersion: 2, RouteOp: "cutover-1"},
		Milestones: workflows.Milestones{Freezes: 1, FrozenAt: at(3), CutoverAt: at(4), SoakUntil: at(10), Purged: 5},
		Transitions: []report.Transition{
			{From: "Pending", To: "Copying", At: at(0), Actor: "workflow", Reason: "started"},
			{From: "Copying", To: "Copying", At: at(1), Actor: "alice", Reason: "OPS-12 slow down", Action: "set-batch-size"},
			{From: "Copying", To: "Verifying", At: at(1), Actor: "workflow", Reason: "copy done"},
			{From: "Verifying", To: "CatchingUp", At: at(2), Actor: "workflow", Reason: "verified"},
			{From: "CatchingUp", To: "AwaitingApproval", At: at(2), Actor: "workflow", Reason: "settled"},
			{From: "AwaitingApproval", To: "Frozen", At: at(3), Actor: "bob", Reason: "approved in CAB-7", Action: "approve"},
			{From: "Frozen", To: "CutOver", At: at(4), Actor: "workflow", Reason: "final verification passed: 3 objects"},
			{From: "CutOver", To: "Soaking", At: at(4), Actor: "workflow", Reason: "soaking"},
			{From: "Soaking", To: "Complete", At: at(10), Actor: "workflow", Reason: "purged"},
		},
		TransitionCount: 9,
	}}
}
