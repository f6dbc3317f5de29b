package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.temporal.io/sdk/activity"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// Progress is the heartbeat of the long activities (DeltaRound,
// FinalVerify, ReverseSync, Recopy, Purge): what a retried attempt needs
// to resume after the last finished key instead of starting over. The
// activity works through keys in order, chunk by chunk; at the end of a
// chunk its records are written (as a part of the run's records) and the
// watermark advances. It stays well under Temporal's payload limit:
// records of the chunk in flight spill to partial objects in the manifest
// store when they grow large.
type Progress struct {
	// Run names the work these details belong to (e.g. "delta-00003");
	// details of another run are ignored.
	Run string `json:"run"`
	// Phase orders the steps of an activity that has several (Purge: 0
	// re-verifies, 1+i deletes source copy i). The watermark is of this
	// phase.
	Phase int `json:"phase,omitempty"`
	// Watermark: every key at or before it is finished in this phase, and
	// its record is in the first Parts parts.
	Watermark string `json:"watermark,omitempty"`
	// VersionMarker continues a listing of versions after Watermark
	// (Purge of a versioned bucket).
	VersionMarker string `json:"versionMarker,omitempty"`
	// Parts is how many parts of the run's records are written
	// (<run>-p0000.json …).
	Parts int `json:"parts,omitempty"`
	// Done are records of the chunk in flight that are finished, and
	// Spills the keys of partial objects holding more of them.
	Done   []engine.Result `json:"done,omitempty"`
	Spills []string        `json:"spills,omitempty"`
	// Checks are verifications of the chunk in flight that are finished
	// (as many as fit; the others are redone).
	Checks []engine.Check `json:"checks,omitempty"`
	// Resume are the checkpoints of multipart uploads in flight, and
	// InFlight the keys started but not finished.
	Resume   []engine.Checkpoint `json:"resume,omitempty"`
	InFlight []string            `json:"inFlight,omitempty"`
	// Counts are the running counts of the keys at or before the
	// watermark, and Tally the activity's own counters.
	Counts Counts           `json:"counts"`
	Tally  map[string]int64 `json:"tally,omitempty"`
	// Problems are the first few keys that failed (bounded).
	Problems []manifest.Problem `json:"problems,omitempty"`
	// Purged counts what Purge deleted per source copy.
	Purged []manifest.PurgedCopy `json:"purged,omitempty"`
}

// tracker holds a long activity's Progress, takes the engine's callbacks
// for the chunk in flight, and heartbeats it all from a background
// goroutine, every beatEvery, whatever the activity is doing.
type tracker struct {
	ctx      context.Context
	man      *manifest.Store
	shardID  string
	maxBytes int

	mu        sync.Mutex
	p         Progress // the committed state (Done, Spills, Checks, Resume, InFlight unused)
	pending   []engine.Result
	pendSize  int
	spills    []string
	checks    []engine.Check
	checkSize int
	resume    map[string]engine.Checkpoint
	inFlight  map[string]struct{}
	spillErr  error

	// From the earlier attempt.
	retry       bool
	prevDone    map[string]engine.Result
	prevChecks  map[string]engine.Check
	prevResume  map[string]engine.Checkpoint
	usedResume  map[string]bool
	wasInFlight map[string]bool
	oldSpills   []string

	stop func()
}

// track starts tracking run: it restores the earlier attempt's progress
// if the activity has heartbeat details of the same run, and starts the
// background heartbeat. Call t.close when the activity returns.
func (a *Activities) track(ctx context.Context, s *session, shardID, run string) (*tracker, error) {
	t := &tracker{ctx: ctx, man: s.man, shardID: shardID, maxBytes: a.hbMax,
		p:      Progress{Run: run, Tally: map[string]int64{}},
		resume: map[string]engine.Checkpoint{}, inFlight: map[string]struct{}{},
		prevDone: map[string]engine.Result{}, prevChecks: map[string]engine.Check{},
		prevResume: map[string]engine.Checkpoint{}, usedResume: map[string]bool{}, wasInFlight: map[string]bool{}}
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		var prev Progress
		if err := activity.GetHeartbeatDetails(ctx, &prev); err == nil && prev.Run == run {
			if err := t.restore(ctx, prev); err != nil {
				return nil, activityError(err)
			}
		}
	}
	t.beat()
	t.stop = startBeats(ctx, a.beatEvery(ctx), t.beat)
	return t, nil
}

// restore takes over an earlier attempt's progress.
func (t *tracker) restore(ctx context.Context, prev Progress) error {
	t.retry = true
	t.p = Progress{Run: prev.Run, Phase: prev.Phase, Watermark: prev.Watermark, VersionMarker: prev.VersionMarker,
		Parts: prev.Parts, Counts: prev.Counts, Tally: prev.Tally, Problems: prev.Problems, Purged: prev.Purged}
	if t.p.Tally == nil {
		t.p.Tally = map[string]int64{}
	}
	for _, k := range prev.Spills {
		var rs []engine.Result
		err := t.man.ReadJSON(ctx, k, &rs)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted after its chunk was written; the chunk's part holds the records
		}
		if err != nil {
			return fmt.Errorf("read the partial records of %s: %w", prev.Run, err)
		}
		for _, r := range rs {
			t.prevDone[r.Key] = r
		}
	}
	t.oldSpills = prev.Spills
	for _, r := range prev.Done {
		t.prevDone[r.Key] = r
	}
	for _, c := range prev.Checks {
		t.prevChecks[c.Key] = c
	}
	for _, c := range prev.Resume {
		if _, ok := t.prevDone[c.Key]; !ok {
			t.prevResume[c.Key] = c
			t.wasInFlight[c.Key] = true
		}
	}
	for _, k := range prev.InFlight {
		t.wasInFlight[k] = true
	}
	// Keep them in this attempt's heartbeat until their chunk is written.
	keys := make([]string, 0, len(t.prevDone))
	for k := range t.prevDone {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.addLocked(t.prevDone[k])
	}
	for _, c := range prev.Checks {
		t.checkedLocked(c)
	}
	return nil
}

// close stops the background heartbeat and sends a last one.
func (t *tracker) close() {
	t.stop()
	t.beat()
}

// state returns a copy of the committed state.
func (t *tracker) state() Progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.p
	p.Tally = cloneTally(t.p.Tally)
	return p
}

func cloneTally(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// snapshotLocked is the heartbeat: the committed state and the chunk in
// flight.
func (t *tracker) snapshotLocked() Progress {
	p := t.p
	p.Tally = cloneTally(t.p.Tally)
	p.Problems = slices.Clone(t.p.Problems)
	p.Purged = slices.Clone(t.p.Purged)
	p.Done = slices.Clone(t.pending)
	p.Spills = slices.Clone(t.spills) // the earlier attempt's records are in pending or t.spills again
	p.Checks = slices.Clone(t.checks)
	for _, c := range t.resume {
		p.Resume = append(p.Resume, c)
	}
	for k, c := range t.prevResume {
		if _, ok := t.resume[k]; !ok && !t.usedResume[k] {
			p.Resume = append(p.Resume, c)
		}
	}
	for k := range t.inFlight {
		p.InFlight = append(p.InFlight, k)
	}
	slices.SortFunc(p.Resume, func(a, b engine.Checkpoint) int { return strings.Compare(a.Key, b.Key) })
	slices.Sort(p.InFlight)
	return p
}

// beat heartbeats now.
func (t *tracker) beat() {
	t.mu.Lock()
	p := t.snapshotLocked()
	t.mu.Unlock()
	if activity.IsActivity(t.ctx) {
		activity.RecordHeartbeat(t.ctx, p)
	}
}

// started notes that the copy of key began.
func (t *tracker) started(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inFlight[key] = struct{}{}
}

// finished takes the record of a finished object (engine.OnResult).
func (t *tracker) finished(r engine.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.inFlight, r.Key)
	if r.Done() {
		delete(t.resume, r.Key) // a retryable failure keeps its upload for the retry to resume
		t.addLocked(r)
	}
}

// addLocked keeps a finished record for the heartbeat, spilling the
// records to a partial object when they outgrow half the budget.
func (t *tracker) addLocked(r engine.Result) {
	r = compact(r)
	b, _ := json.Marshal(r)
	t.pending = append(t.pending, r)
	t.pendSize += len(b) + 1
	if t.pendSize <= t.maxBytes/2 || t.spillErr != nil {
		return
	}
	key := fmt.Sprintf("%spartial/%s-s%04d.json", manifest.ShardDir(t.man.Root(), t.shardID), t.p.Run, len(t.spills)+len(t.oldSpills))
	if err := t.man.WriteJSON(t.ctx, key, t.pending); err != nil {
		t.spillErr = err // the records stay in the heartbeat; the activity fails at the chunk's end
		return
	}
	t.spills = append(t.spills, key)
	t.pending, t.pendSize = nil, 0
}

// checkpoint takes a multipart upload's progress (engine.OnCheckpoint).
func (t *tracker) checkpoint(c engine.Checkpoint) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.resume[c.Key] = c
}

// checked keeps a finished verification of the chunk in flight, as long
// as the heartbeat has room for it.
func (t *tracker) checked(c engine.Check) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.checkedLocked(c)
}

func (t *tracker) checkedLocked(c engine.Check) {
	if len(c.Problem) > maxErrorText {
		c.Problem = c.Problem[:maxErrorText] + "…"
	}
	b, _ := json.Marshal(c)
	if t.checkSize+len(b) > t.maxBytes/4 {
		return // redone by a retry
	}
	t.checks = append(t.checks, c)
	t.checkSize += len(b) + 1
}

// prevCheck returns an earlier attempt's finished verification of key.
func (t *tracker) prevCheck(key string) (engine.Check, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.prevChecks[key]
	return c, ok
}

// copyOptions adds to opts what a chunk of objs needs to resume: the
// records an earlier attempt finished, the checkpoints of its uploads,
// and the callbacks that track this attempt.
func (t *tracker) copyOptions(opts engine.BatchOptions, objs []store.ObjectInfo) engine.BatchOptions {
	t.mu.Lock()
	defer t.mu.Unlock()
	opts.Done, opts.Resume = map[string]engine.Result{}, map[string]engine.Checkpoint{}
	for _, o := range objs {
		if r, ok := t.prevDone[o.Key]; ok && r.Done() {
			opts.Done[o.Key] = r
			continue
		}
		if c, ok := t.prevResume[o.Key]; ok {
			opts.Resume[o.Key] = c
			t.usedResume[o.Key] = true
			t.resume[o.Key] = c // until the copy moves it on or finishes
		}
	}
	opts.Filter = func(o store.ObjectInfo) (bool, string) {
		t.started(o.Key)
		return false, ""
	}
	opts.OnResult, opts.OnCheckpoint = t.finished, t.checkpoint
	return opts
}

// resent returns the bytes of r sent again because an earlier attempt had
// r's object in flight.
func (t *tracker) resent(r engine.Result) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, wasDone := t.prevDone[r.Key]; !wasDone && t.wasInFlight[r.Key] {
		return r.BytesSent
	}
	return 0
}

// commit ends a chunk: update changes the committed state (counters,
// parts) under the tracker's lock, the watermark moves to watermark, and
// the chunk's finished records, checks and partial objects are dropped.
// It heartbeats the new state. It fails if a partial object could not be
// written (the chunk's records were kept in the heartbeat instead).
func (t *tracker) commit(watermark string, update func(p *Progress)) error {
	t.mu.Lock()
	if err := t.spillErr; err != nil {
		t.mu.Unlock()
		return fmt.Errorf("write partial records of %s: %w", t.p.Run, err)
	}
	if update != nil {
		update(&t.p)
	}
	t.p.Watermark = watermark
	spills := append(t.oldSpills, t.spills...)
	t.oldSpills, t.spills = nil, nil
	t.pending, t.pendSize = nil, 0
	t.checks, t.checkSize = nil, 0
	for k := range t.prevDone {
		if k <= watermark {
			delete(t.prevDone, k)
		}
	}
	for k := range t.prevChecks {
		if k <= watermark {
			delete(t.prevChecks, k)
		}
	}
	// Records of the earlier attempt beyond this chunk stay tracked.
	keys := make([]string, 0, len(t.prevDone))
	for k := range t.prevDone {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.addLocked(t.prevDone[k])
	}
	for _, c := range t.prevChecks {
		t.checkedLocked(c)
	}
	t.mu.Unlock()
	t.beat()
	for _, k := range spills {
		_ = t.man.Delete(t.ctx, k) // best effort: the chunk's part holds the records
	}
	return nil
}

// leftoverUploads returns the checkpoints of uploads that no copy of this
// attempt resumed or finished: uploads an earlier attempt started for
// objects this attempt did not copy again.
func (t *tracker) leftoverUploads() []engine.Checkpoint {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []engine.Checkpoint
	for k, c := range t.prevResume {
		if !t.usedResume[k] {
			out = append(out, c)
		}
	}
	return out
}

// openUploads returns the checkpoints of every upload still open: this
// attempt's and the earlier attempt's not resumed.
func (t *tracker) openUploads() []engine.Checkpoint {
	out := t.leftoverUploads()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.resume {
		out = append(out, c)
	}
	return out
}

// finishedBefore reports whether an earlier attempt finished key.
func (t *tracker) finishedBefore(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.prevDone[key]
	return ok && r.Done()
}
