package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// openManifests opens the manifest store read-only: its residency check
// refuses every write.
func openManifests(st store.Store, root string) (*manifest.Store, error) {
	ms, err := manifest.New(st, root, func(string) bool { return false })
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return ms, nil
}

func buildShard(ctx context.Context, ms *manifest.Store, mi MigrationInfo, si ShardInfo) (*ShardReport, error) {
	sr := &ShardReport{ShardID: si.ShardID, Prefix: si.Prefix, State: string(si.State), LastError: si.LastError,
		Status: si.Counts, Outcomes: map[string]int64{},
		Verification: Verification{SourceChecks: map[string]int64{}, DestChecks: map[string]int64{}, ByVerification: map[string]VerifyCounts{}},
		Route:        RouteNow{State: string(si.RouteState), Version: si.RouteVersion, OperationID: si.RouteOp}}

	keys, err := ms.ListKeys(ctx, manifest.ShardDir(ms.Root(), si.ShardID))
	if err != nil {
		return nil, err
	}
	refs, err := ms.ShardManifests(ctx, si.ShardID)
	if err != nil {
		return nil, err
	}
	sr.Manifests = shardManifests(ms.Root(), mi, si.ShardID, keys, refs)
	if err := sr.addEntries(ctx, ms); err != nil {
		return nil, err
	}
	if err := sr.addRecords(ctx, ms, keys); err != nil {
		return nil, err
	}
	sr.addHistory(si)
	return sr, nil
}

// addEntries counts the shard's merged manifest view, streamed: memory
// holds one entry per stream, never the shard's entries.
func (sr *ShardReport) addEntries(ctx context.Context, ms *manifest.Store) error {
	r, err := ms.Open(ctx, sr.ShardID, manifest.ReadOptions{})
	if err != nil {
		return err
	}
	for {
		e, ok, err := r.Next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		sr.addEntry(e)
	}
}

// addRecords reads the shard's records (verifications, final
// verifications, reverse sync, purge) among its manifest keys. The final
// verification of the latest freeze is the proof; an earlier freeze's
// refusal was repaired or superseded.
func (sr *ShardReport) addRecords(ctx context.Context, ms *manifest.Store, keys []string) error {
	lastFreeze := -1
	var finalProblems []ObjectIssue
	for _, k := range keys {
		base := path.Base(k)
		freeze, isFinal := manifest.FinalVerifyFreeze(base)
		var err error
		switch {
		case strings.HasPrefix(base, "verify-") && strings.HasSuffix(base, ".json"):
			err = sr.addVerify(ctx, ms, k)
		case isFinal && freeze >= lastFreeze:
			lastFreeze = freeze
			finalProblems, err = sr.addFinalVerify(ctx, ms, k)
		case base == manifest.ReverseSyncName:
			err = sr.addReverseSync(ctx, ms, k)
		case base == manifest.PurgeName:
			err = sr.addPurge(ctx, ms, k)
		}
		if err != nil {
			return err
		}
	}
	for _, p := range finalProblems {
		sr.Mismatches.add(p)
	}
	slices.SortFunc(sr.Verification.Runs, func(a, b VerifyRun) int { return strings.Compare(a.Mode, b.Mode) })
	return nil
}

// addVerify adds one verification record (quick or full).
func (sr *ShardReport) addVerify(ctx context.Context, ms *manifest.Store, k string) error {
	var rec manifest.VerifyRecord
	if err := ms.ReadJSON(ctx, k, &rec); err != nil {
		return err
	}
	sr.Verification.Runs = append(sr.Verification.Runs, VerifyRun{Mode: rec.Mode, Checked: rec.Checked, Mismatches: rec.Mismatches, Record: k})
	sr.Verification.ByVerification[rec.Mode] = VerifyCounts{Checked: rec.Checked, OK: max(0, rec.Checked-rec.Mismatches), Mismatch: rec.Mismatches}
	for _, p := range rec.Problems {
		sr.Mismatches.add(ObjectIssue{Key: p.Key, Reason: p.Problem, Where: path.Base(k)})
	}
	return nil
}

// addFinalVerify takes a final verification record as the shard's proof
// (replacing an earlier freeze's) and returns its problems.
func (sr *ShardReport) addFinalVerify(ctx context.Context, ms *manifest.Store, k string) ([]ObjectIssue, error) {
	var rec manifest.FinalVerifyRecord
	if err := ms.ReadJSON(ctx, k, &rec); err != nil {
		return nil, err
	}
	res := rec.Result
	sr.Verification.Final = &FinalVerify{OK: res.OK, FrozenAt: rec.FrozenAt, Objects: res.Objects,
		Missing: res.Missing, Extra: res.Extra, Mismatched: res.Mismatched,
		ModifiedAfterFreeze: res.ModifiedAfter, KeptDeleted: max(len(rec.KeptDeleted), int(rec.KeptDeletedCount))}
	// Every object of the final listing is checked once: missing,
	// mismatched, modified after the freeze, or equal.
	sr.Verification.ByVerification[finalVerification] = VerifyCounts{Checked: res.Objects,
		OK:       max(0, res.Objects-res.Missing-res.Mismatched-res.ModifiedAfter),
		Mismatch: res.Mismatched + res.ModifiedAfter, Missing: res.Missing}
	var problems []ObjectIssue
	for _, p := range rec.Problems {
		problems = append(problems, ObjectIssue{Key: p.Key, Reason: p.Problem, Where: path.Base(k)})
	}
	return problems, nil
}

// addReverseSync adds the reverse sync's record, or counts its entries
// where an older version wrote them whole in its place.
func (sr *ShardReport) addReverseSync(ctx context.Context, ms *manifest.Store, k string) error {
	var raw json.RawMessage
	if err := ms.ReadJSON(ctx, k, &raw); err != nil {
		return err
	}
	rs := &ReverseSync{}
	sr.ReverseSync = rs
	if rec := (manifest.ReverseSyncRecord{}); json.Unmarshal(raw, &rec) == nil {
		r := rec.Result // its entries are in parts
		rs.Objects, rs.Copied, rs.Verified, rs.Failed = r.Copied+r.Failed+r.Deleted, r.Copied, r.Verified, r.Failed
		return nil
	}
	var es []manifest.Entry
	if err := json.Unmarshal(raw, &es); err != nil {
		return fmt.Errorf("report: decode %s: %w", k, err)
	}
	for _, e := range es {
		rs.Objects++
		switch {
		case e.Outcome == engine.Failed:
			rs.Failed++
		case e.Verifiable():
			rs.Copied++
			if e.DestCheck != "" || e.SHA256 != "" {
				rs.Verified++
			}
		}
	}
	return nil
}

// addPurge adds the purge record: per source copy, what was deleted.
func (sr *ShardReport) addPurge(ctx context.Context, ms *manifest.Store, k string) error {
	var rec manifest.PurgeRecord
	if err := ms.ReadJSON(ctx, k, &rec); err != nil {
		return err
	}
	p := &Purge{}
	for _, c := range rec.Copies {
		pc := PurgedCopy{Name: c.Name, Store: c.Store, Objects: c.Objects, Versions: c.Versions, DeleteMarkers: c.DeleteMarkers}
		p.Total += c.Objects + c.Versions + c.DeleteMarkers
		for _, d := range c.Deleted { // listed in the record by older versions
			switch {
			case d.DeleteMarker:
				pc.DeleteMarkers++
			case d.VersionID != "":
				pc.Versions++
			default:
				pc.Objects++
			}
			p.Total++
		}
		p.Copies = append(p.Copies, pc)
	}
	sr.Purge = p
	return nil
}

// addHistory adds the shard's transitions, the operators' actions among
// them, its timings and its routing changes (from the target's history
// when it keeps one, else from the transitions).
func (sr *ShardReport) addHistory(si ShardInfo) {
	sr.Transitions = si.Transitions
	for _, t := range si.Transitions {
		if t.Action != "" || (t.Actor != "" && t.Actor != SystemActor) {
			sr.OperatorActions = append(sr.OperatorActions, t)
		}
	}
	sr.Timings = timings(si)
	sr.Timings.CopyTime = sr.copyTime
	if len(si.Routes) > 0 {
		sr.RoutingChanges = routeFromHistory(si.Routes)
	} else {
		sr.RoutingChanges = routeFromTransitions(si.Transitions)
	}
}

// finalVerification is the key of the final verification in
// Verification.ByVerification.
const finalVerification = "final"

// addEntry counts one entry of the shard's merged view.
func (sr *ShardReport) addEntry(e manifest.Entry) {
	sr.Objects++
	sr.Outcomes[string(e.Outcome)]++
	sr.BytesSent += e.BytesSent
	sr.copyTime += e.Duration
	if e.Deleted != "" {
		if sr.Deleted == nil {
			sr.Deleted = map[string]int64{}
		}
		sr.Deleted[e.Deleted]++
	}
	if e.Present() {
		sr.Bytes += e.Size
	}
	if e.SourceCheck != "" {
		sr.Verification.SourceChecks[e.SourceCheck]++
	}
	if e.DestCheck != "" {
		sr.Verification.DestChecks[e.DestCheck]++
	}
	issue := ObjectIssue{Key: e.Key, Size: e.Size, Reason: e.Error, Class: string(e.ErrorClass)}
	switch e.Outcome {
	case engine.Failed:
		if issue.Reason == "" {
			issue.Reason = "failed (no reason recorded)"
		}
		sr.Failed.add(issue)
	case engine.SourceGone:
		if issue.Reason == "" {
			issue.Reason = "deleted at the source before it could be read"
		}
		sr.SourceGone.add(issue)
	case engine.UnsupportedName:
		if issue.Reason == "" {
			issue.Reason = "the key holds a character the destination cannot store (LF, CR or NUL)"
		}
		sr.Unsupported.add(issue)
	case engine.Archived:
		if issue.Reason == "" {
			issue.Reason = "in a cold storage class; restore it at the source, then retry the shard"
		}
		sr.Archived.add(issue)
	}

}

// timings derives a shard's moments and time per state from its
// transitions.
func timings(si ShardInfo) Timings {
	t := Timings{FrozenAt: si.FrozenAt, CutoverAt: si.CutoverAt, SoakUntil: si.SoakUntil}
	var changes []Transition
	for _, tr := range si.Transitions {
		if tr.From != tr.To || tr.Action == "" {
			changes = append(changes, tr)
		}
	}
	if len(changes) == 0 {
		return t
	}
	t.Started = changes[0].At
	t.InState = map[string]time.Duration{}
	for i, tr := range changes {
		if i+1 < len(changes) {
			t.InState[string(tr.To)] += changes[i+1].At.Sub(tr.At)
		}
		switch tr.To {
		case "Frozen":
			if t.FrozenAt.IsZero() {
				t.FrozenAt = tr.At
			}
		case "CutOver":
			if t.CutoverAt.IsZero() {
				t.CutoverAt = tr.At
			}
		case "Complete", "RolledBack", "Cancelled":
			t.Finished = tr.At
		}
	}
	return t
}

// routeTargets are the routing states the workflow sets on entering a
// shard state.
var routeTargets = map[string]string{
	"Frozen":     "read-only",
	"CutOver":    "destination",
	"RolledBack": "source",
}

// routeFromTransitions derives routing changes from state changes: the
// freeze sets read-only, cutover the destination, and leaving a freeze
// (or rolling back) the source.
func routeFromTransitions(ts []Transition) []RoutingChange {
	var out []RoutingChange
	cur := "source"
	for _, tr := range ts {
		if tr.From == tr.To {
			continue
		}
		to, ok := routeTargets[string(tr.To)]
		if !ok && tr.From == "Frozen" && tr.To != "Soaking" {
			to, ok = "source", true // a freeze that ended without cutover
		}
		if tr.To == "RollingBack" {
			to, ok = "read-only", true // the destination is frozen for the reverse sync
		}
		if !ok || to == cur {
			continue
		}
		out = append(out, RoutingChange{At: tr.At, From: cur, To: to, Actor: tr.Actor, Reason: tr.Reason, Source: "transitions"})
		cur = to
	}
	return out
}

var errNoShard = errors.New("report: no such shard")

// Shard returns the report of the shard with id, or an error.
func (r *Report) Shard(id string) (*ShardReport, error) {
	for _, s := range r.Shards {
		if s.ShardID == id {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", errNoShard, id)
}
