package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
)

// BatchProgress is CopyBatch's heartbeat: what a retried attempt needs to
// skip finished objects and resume multipart uploads by part. It is kept
// well under Temporal's payload limit: records go to partial manifest
// chunks in the manifest store when they grow large, and only the chunk
// keys are heartbeated.
type BatchProgress struct {
	Batch int `json:"batch"`
	// End is the last key of the first attempt's listing, so that a retry
	// copies the same range.
	End string `json:"end,omitempty"`
	// Chunks are keys of partial records already written.
	Chunks []string `json:"chunks,omitempty"`
	// Done are the finished records not yet in a chunk.
	Done []engine.Result `json:"done,omitempty"`
	// Resume are the checkpoints of multipart uploads in flight.
	Resume []engine.Checkpoint `json:"resume,omitempty"`
	// InFlight are keys started but not finished (for BytesResent).
	InFlight []string `json:"inFlight,omitempty"`
}

// maxErrorText bounds an error text kept in a heartbeat.
const maxErrorText = 300

// compact trims a record for the heartbeat.
func compact(r engine.Result) engine.Result {
	if len(r.Error) > maxErrorText {
		r.Error = r.Error[:maxErrorText] + "…"
	}
	r.Duration = 0
	return r
}

// progress tracks a batch and heartbeats it (CopyBatch; the other long
// activities use tracker).
type progress struct {
	ctx      context.Context
	man      *manifest.Store
	shardID  string
	batch    int
	end      string
	maxBytes int
	every    time.Duration

	mu       sync.Mutex
	chunks   []string
	pending  []engine.Result
	pendSize int
	resume   map[string]engine.Checkpoint
	inFlight map[string]struct{}
	last     time.Time
	err      error // a failed chunk write
}

func (p *progress) started(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight[key] = struct{}{}
}

func (p *progress) finished(r engine.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inFlight, r.Key)
	if !r.Done() {
		return // a retryable failure is redone by the next attempt, resuming its upload
	}
	delete(p.resume, r.Key)
	r = compact(r)
	b, _ := json.Marshal(r)
	p.pending = append(p.pending, r)
	p.pendSize += len(b) + 1
	if p.pendSize > p.maxBytes/2 {
		p.flushLocked()
	}
	p.maybeBeatLocked(false)
}

func (p *progress) checkpoint(c engine.Checkpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resume[c.Key] = c
	p.maybeBeatLocked(true)
}

// flushLocked writes the pending records to a new chunk.
func (p *progress) flushLocked() {
	if len(p.pending) == 0 || p.err != nil {
		return
	}
	key := fmt.Sprintf("%spartial/batch-%05d-%04d.json", manifest.ShardDir(p.man.Root(), p.shardID), p.batch, len(p.chunks))
	if err := p.man.WriteJSON(p.ctx, key, p.pending); err != nil {
		p.err = err // keep the records in the heartbeat; the batch fails at the end
		return
	}
	p.chunks = append(p.chunks, key)
	p.pending, p.pendSize = nil, 0
}

func (p *progress) snapshotLocked() BatchProgress {
	bp := BatchProgress{Batch: p.batch, End: p.end, Chunks: append([]string(nil), p.chunks...), Done: append([]engine.Result(nil), p.pending...)}
	for _, c := range p.resume {
		bp.Resume = append(bp.Resume, c)
	}
	for k := range p.inFlight {
		bp.InFlight = append(bp.InFlight, k)
	}
	return bp
}

func (p *progress) maybeBeatLocked(force bool) {
	if !force && time.Since(p.last) < p.every {
		return
	}
	p.beatLocked()
}

func (p *progress) beatLocked() {
	p.last = time.Now()
	if activity.IsActivity(p.ctx) {
		activity.RecordHeartbeat(p.ctx, p.snapshotLocked())
	}
}

// beat heartbeats now.
func (p *progress) beat() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.beatLocked()
}

// restore reads an earlier attempt's progress: the finished records by
// key, and the checkpoints of uploads in flight.
func restore(ctx context.Context, man *manifest.Store, bp BatchProgress) (map[string]engine.Result, map[string]engine.Checkpoint, error) {
	done := map[string]engine.Result{}
	for _, k := range bp.Chunks {
		var rs []engine.Result
		if err := man.ReadJSON(ctx, k, &rs); err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			done[r.Key] = r
		}
	}
	for _, r := range bp.Done {
		done[r.Key] = r
	}
	resume := map[string]engine.Checkpoint{}
	for _, c := range bp.Resume {
		if _, ok := done[c.Key]; !ok {
			resume[c.Key] = c
		}
	}
	return done, resume, nil
}
