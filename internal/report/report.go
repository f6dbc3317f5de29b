package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

// MaxListed bounds each per-shard object list (failed, source-gone,
// mismatches, …) in a report; Omitted counts the rest. The manifests in
// the evidence bundle hold every object.
const MaxListed = 1000

// Report is a migration's report.
type Report struct {
	GeneratedAt time.Time      `json:"generatedAt"`
	Migration   MigrationInfo  `json:"migration"`
	Totals      Totals         `json:"totals"`
	Shards      []*ShardReport `json:"shards"`
}

// Totals sum the shards.
type Totals struct {
	Shards    int              `json:"shards"`
	ByState   map[string]int   `json:"byState"`
	Objects   int64            `json:"objects"`
	Bytes     int64            `json:"bytes"`
	BytesSent int64            `json:"bytesSent"`
	Outcomes  map[string]int64 `json:"outcomes"`
	// SourceChecks sums the shards' counts by source check method.
	SourceChecks map[string]int64 `json:"sourceChecks"`
	Mismatches   int64            `json:"mismatches"`
	Failed       int64            `json:"failed"`
	SourceGone   int64            `json:"sourceGone"`
	// FinalVerified counts shards whose final full verification passed.
	FinalVerified int `json:"finalVerified"`
}

// ShardReport is one shard's part of the report.
type ShardReport struct {
	ShardID   string `json:"shardId"`
	Prefix    string `json:"prefix"`
	State     string `json:"state"`
	LastError string `json:"lastError,omitempty"`

	// Objects and Bytes count the shard's objects over its merged
	// manifests (the latest entry per key); Outcomes count them by
	// outcome, Deleted by deletion mark.
	Objects   int64            `json:"objects"`
	Bytes     int64            `json:"bytes"`
	BytesSent int64            `json:"bytesSent"`
	Outcomes  map[string]int64 `json:"outcomes"`
	Deleted   map[string]int64 `json:"deleted,omitempty"`
	// Status is what the workflow counted (re-sends included).
	Status activities.Counts `json:"status"`
	// Manifests links the shard to its stored manifests and records, and
	// says how to list them and every object they record.
	Manifests ShardManifests `json:"manifests"`

	Verification Verification `json:"verification"`

	Mismatches  ObjectList `json:"mismatches"`
	Failed      ObjectList `json:"failed"`
	SourceGone  ObjectList `json:"sourceGone"`
	Unsupported ObjectList `json:"unsupportedName"`
	Archived    ObjectList `json:"archived"`

	Timings         Timings         `json:"timings"`
	OperatorActions []Transition    `json:"operatorActions,omitempty"`
	Transitions     []Transition    `json:"transitions,omitempty"`
	RoutingChanges  []RoutingChange `json:"routingChanges,omitempty"`
	Route           RouteNow        `json:"route"`

	ReverseSync *ReverseSync `json:"reverseSync,omitempty"`
	Purge       *Purge       `json:"purge,omitempty"`

	copyTime time.Duration
}

// ShardManifests is where a shard's manifests and records are, what
// they are, and how to read them. The per-object view (each object's
// source check, destination check, hashes and outcome) stays in the
// manifests; ListObjects prints it.
type ShardManifests struct {
	// Batches, Recopies and Deltas count the shard's manifests by kind
	// (one per batch or round, however many parts it has).
	Batches  int `json:"batches"`
	Recopies int `json:"recopies"`
	Deltas   int `json:"deltas"`
	// Bucket is the manifest bucket ("oci://namespace/bucket") and Folder
	// the key prefix of the shard's manifests and records in it.
	Bucket string `json:"bucket"`
	Folder string `json:"folder"`
	// Objects counts every object under Folder.
	Objects int `json:"objects"`
	// Runs are the batch, re-copy and delta manifests, in the order the
	// merged view reads them, each with its objects (its parts).
	Runs []ManifestRun `json:"runs"`
	// Records are the verification, final verification, reverse sync and
	// purge records, each with its parts.
	Records []RecordRef `json:"records"`
	// InFlight counts the records of activities in flight (partial/…).
	InFlight int `json:"inFlight,omitempty"`
	// ListObjects is a command line that prints every object of the
	// shard, one per line, with how it was checked; ListKeys one that
	// lists the manifest objects in the bucket.
	ListObjects string `json:"listObjects"`
	ListKeys    string `json:"listKeys"`
}

// ManifestRun is one batch or round's manifest.
type ManifestRun struct {
	// Kind is batch, recopy or delta; Seq its number.
	Kind string `json:"kind"`
	Seq  int    `json:"seq"`
	// Keys are its objects: the one of a manifest written whole, or its
	// parts in part order.
	Keys []string `json:"keys"`
}

// RecordRef is one record of a shard and its parts.
type RecordRef struct {
	// Name is the record's name, such as "verify-quick.json",
	// "final-verify.json", "reverse-sync.json" or "purge.json".
	Name string `json:"name"`
	// Key is the record's object; "" when only its parts exist (the
	// activity writing it has not finished).
	Key string `json:"key,omitempty"`
	// Parts are its parts' objects (…-pNNNN.json), in part order.
	Parts []string `json:"parts,omitempty"`
}

// Verification tells how the shard's objects were verified.
type Verification struct {
	// SourceChecks counts objects by how the source read was checked
	// (etag-md5, checksum-crc64nvme, checksum-crc32c-composite,
	// provenance, none, …) over the merged manifests.
	SourceChecks map[string]int64 `json:"sourceChecks"`
	// DestChecks counts objects by how the destination checked the write
	// (content-md5, multipart-md5, rehash).
	DestChecks map[string]int64 `json:"destChecks"`
	// ByVerification counts the objects checked at the destination after
	// the copy, by verification: "quick" and "full" (the stored
	// verification runs) and "final" (the full verification of the
	// latest freeze, over the final source listing).
	ByVerification map[string]VerifyCounts `json:"byVerification"`
	// Runs are the stored verification records (verify-<mode>.json).
	Runs []VerifyRun `json:"runs,omitempty"`
	// Final is the full verification before cutover (final-verify.json),
	// nil when the shard has not reached it.
	Final *FinalVerify `json:"final,omitempty"`
}

// VerifyCounts are the outcomes of one verification's checks.
type VerifyCounts struct {
	Checked int64 `json:"checked"`
	// OK passed; Mismatch did not (a different hash or size, or modified
	// at the source after the freeze); Missing were not at the
	// destination (final verification only).
	OK       int64 `json:"ok"`
	Mismatch int64 `json:"mismatch"`
	Missing  int64 `json:"missing"`
}

// VerifyRun is one verification record.
type VerifyRun struct {
	Mode       string `json:"mode"`
	Checked    int64  `json:"checked"`
	Mismatches int64  `json:"mismatches"`
	// Record is the record's key.
	Record string `json:"record"`
}

// FinalVerify is the final full verification's result.
type FinalVerify struct {
	OK                  bool   `json:"ok"`
	FrozenAt            string `json:"frozenAt,omitempty"`
	Objects             int64  `json:"objects"`
	Missing             int64  `json:"missing"`
	Extra               int64  `json:"extra"`
	Mismatched          int64  `json:"mismatched"`
	ModifiedAfterFreeze int64  `json:"modifiedAfterFreeze"`
	KeptDeleted         int    `json:"keptDeleted"`
}

// ObjectList is a bounded list of objects with the reason for each.
type ObjectList struct {
	Count   int64         `json:"count"`
	Items   []ObjectIssue `json:"items,omitempty"`
	Omitted int64         `json:"omitted,omitempty"`
}

func (l *ObjectList) add(o ObjectIssue) {
	l.Count++
	if len(l.Items) < MaxListed {
		l.Items = append(l.Items, o)
	} else {
		l.Omitted++
	}
}

// ObjectIssue is one object and what happened to it.
type ObjectIssue struct {
	Key    string `json:"key"`
	Size   int64  `json:"size,omitempty"`
	Reason string `json:"reason"`
	// Class is "retryable" or "permanent" for failures.
	Class string `json:"class,omitempty"`
	// Where names the record that reported it (batch, final-verify, …).
	Where string `json:"where,omitempty"`
}

// Timings are a shard's moments and the time spent per state, from its
// transitions.
type Timings struct {
	Started   time.Time `json:"started,omitzero"`
	FrozenAt  time.Time `json:"frozenAt,omitzero"`
	CutoverAt time.Time `json:"cutoverAt,omitzero"`
	SoakUntil time.Time `json:"soakUntil,omitzero"`
	Finished  time.Time `json:"finished,omitzero"`
	// InState is the time spent in each state (as far as the kept
	// transitions show), in nanoseconds in JSON.
	InState map[string]time.Duration `json:"inStateNs,omitempty"`
	// CopyTime sums the per-object copy durations of the manifests.
	CopyTime time.Duration `json:"copyTimeNs"`
}

// RoutingChange is one change of the shard's route.
type RoutingChange struct {
	At          time.Time `json:"at"`
	From        string    `json:"from,omitempty"`
	To          string    `json:"to"`
	Version     int64     `json:"version,omitempty"`
	OperationID string    `json:"operationId,omitempty"`
	Location    string    `json:"location,omitempty"`
	Actor       string    `json:"actor"`
	Reason      string    `json:"reason,omitempty"`
	// Source is "routing-target" (the target's own history) or
	// "transitions" (derived from the shard's state changes).
	Source string `json:"source"`
}

// RouteNow is the shard's last known route.
type RouteNow struct {
	State       string `json:"state,omitempty"`
	Version     int64  `json:"version"`
	OperationID string `json:"operationId,omitempty"`
}

// ReverseSync summarizes a rollback's reverse sync (reverse-sync.json).
type ReverseSync struct {
	Objects  int64 `json:"objects"`
	Copied   int64 `json:"copied"`
	Verified int64 `json:"verified"`
	Failed   int64 `json:"failed"`
}

// Purge summarizes purge.json.
type Purge struct {
	Copies []PurgedCopy `json:"copies"`
	Total  int64        `json:"total"`
}

// PurgedCopy counts what was deleted from one source copy.
type PurgedCopy struct {
	Name          string `json:"name"`
	Store         string `json:"store"`
	Objects       int64  `json:"objects"`
	Versions      int64  `json:"versions"`
	DeleteMarkers int64  `json:"deleteMarkers"`
}

// Build reads every shard's manifests and records under root in st (the
// manifest store: destination.manifestBucket, prefix
// destination.manifestPrefix) and builds the report. shards are the
// shards' status, in the order to report them. A shard whose records are
// missing is reported from its status alone; an unreadable record is an
// error.
func Build(ctx context.Context, st store.Store, root string, migration MigrationInfo, shards []ShardInfo) (*Report, error) {
	ms, err := openManifests(st, root)
	if err != nil {
		return nil, err
	}
	r := &Report{GeneratedAt: time.Now().UTC().Truncate(time.Second), Migration: migration,
		Totals: Totals{ByState: map[string]int{}, Outcomes: map[string]int64{}, SourceChecks: map[string]int64{}}}
	for _, si := range shards {
		if si.ShardID == "" {
			return nil, errors.New("report: a shard has no id")
		}
		sr, err := buildShard(ctx, ms, migration, si)
		if err != nil {
			return nil, fmt.Errorf("report: shard %s: %w", si.ShardID, err)
		}
		r.Shards = append(r.Shards, sr)
		r.Totals.add(sr)
	}
	return r, nil
}

func (t *Totals) add(s *ShardReport) {
	t.Shards++
	t.ByState[s.State]++
	t.Objects += s.Objects
	t.Bytes += s.Bytes
	t.BytesSent += s.BytesSent
	for k, v := range s.Outcomes {
		t.Outcomes[k] += v
	}
	for k, v := range s.Verification.SourceChecks {
		t.SourceChecks[k] += v
	}
	t.Mismatches += s.Mismatches.Count
	t.Failed += s.Failed.Count
	t.SourceGone += s.SourceGone.Count
	if s.Verification.Final != nil && s.Verification.Final.OK {
		t.FinalVerified++
	}
}

// routeFromHistory turns a routing target's history into routing changes.
func routeFromHistory(h []routing.HistoryEntry) []RoutingChange {
	var out []RoutingChange
	for _, e := range h {
		out = append(out, RoutingChange{At: e.At, From: string(e.From), To: string(e.To), Version: e.Version,
			OperationID: e.OperationID, Location: e.Location, Actor: e.Actor, Reason: kindReason(e), Source: "routing-target"})
	}
	return out
}

func kindReason(e routing.HistoryEntry) string {
	switch e.Kind {
	case routing.EventSet, "":
		return e.Reason
	}
	if e.Reason == "" {
		return e.Kind
	}
	return e.Kind + ": " + e.Reason
}
