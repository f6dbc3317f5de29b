//go:build chaos

package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

// manual makes the plan wait for approval after catching up, so that a
// scenario injects its fault at a known point.
func manual(p *plan.Plan) { p.Cutover.Approval = plan.ApprovalManual }

// awaitAndApprove waits until every shard awaits approval, runs between,
// then approves every shard.
func (r *run) awaitAndApprove(between func()) {
	r.waitShards("every shard awaiting approval", 15*time.Minute, func(st map[string]workflows.ShardStatus) bool {
		return allIn(st, workflows.AwaitingApproval)
	})
	if between != nil {
		between()
	}
	ctx := context.Background()
	for _, s := range r.shards {
		h, err := r.c.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.ShardWorkflowID(r.p.ID, s.ID),
			UpdateName: workflows.UpdateApprove, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.OperatorRequest{Actor: "chaos", Reason: fmt.Sprintf("scenario %d", r.o.n)}}})
		require.NoError(r.t, err, "approve %s", s.ID)
		require.NoError(r.t, h.Get(ctx, nil), "approve %s", s.ID)
	}
}

// cutOverApproving waits until every shard is cut over, approving every
// shard that awaits approval again (a freeze that did not cut over, after a
// repair or a timeout, asks for approval anew).
func (r *run) cutOverApproving(timeout time.Duration) map[string]workflows.ShardStatus {
	ctx := context.Background()
	approvals := 0
	st := r.waitShards("every shard cut over (approving again as asked)", timeout, func(st map[string]workflows.ShardStatus) bool {
		for id, s := range st {
			switch s.State {
			case workflows.Failed:
				r.t.Fatalf("scenario %d (seed %d): shard %s failed: %s", r.o.n, r.c.seed, id, s.LastError)
			case workflows.AwaitingApproval:
				h, err := r.c.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.ShardWorkflowID(r.p.ID, id),
					UpdateName: workflows.UpdateApprove, WaitForStage: client.WorkflowUpdateStageCompleted,
					Args: []any{workflows.OperatorRequest{Actor: "chaos", Reason: "approve again"}}})
				if err == nil && h.Get(ctx, nil) == nil {
					approvals++
				}
			}
		}
		return allIn(st, workflows.Soaking)
	})
	r.t.Logf("%d approvals asked again", approvals)
	return st
}

// TestChaos05BitFlipAtRest flips one bit in the stored bytes of objects
// already at the destination (the endpoint's blob files on disk: corruption
// at rest, which the write-time checksums cannot see) before the final
// verification. The full verification must refuse the cutover, re-copy
// them, and cut over with every copy equal.
func TestChaos05BitFlipAtRest(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 5, large: 2, edit: manual}, 2500, 100))
	r.start()
	var flipped []string
	r.awaitAndApprove(func() {
		for i, s := range r.shards {
			keys := []string{keyOf(s.Prefix, r.rng.IntN(r.o.perShard))}
			if i < r.o.large {
				keys = append(keys, s.Prefix+"user-00042/avatar-original.bin")
			}
			for _, k := range keys {
				require.NoError(t, flipAtRest(filepath.Join(c.dir, "oci"), r.sides.dst, k, r.rng.Int64N(r.sizes[k]*8)))
				flipped = append(flipped, k)
			}
		}
		rep, err := r.sides.compare(context.Background(), under(r.shards[0].Prefix))
		require.NoError(t, err)
		require.NotEmpty(t, rep.Mismatched, "the flip shows to an independent reader")
	})
	t.Logf("flipped one bit at rest in %d objects: %v", len(flipped), head(flipped))
	began := time.Now()
	st := r.cutOverApproving(pick(c, 30*time.Minute, 8*time.Minute))
	repairs := 0
	for _, s := range st {
		repairs += s.Freezes - 1
	}
	assert.Positive(t, repairs, "a final verification refused a cutover and a repair followed")
	r.finish(verdict{name: "bit flipped at rest at the destination before verification", recover: time.Since(began),
		note: fmt.Sprintf("%d objects corrupted, %d extra freezes", len(flipped), repairs)})
}

// flipAtRest flips bit of the stored object key of bucket in the local OCI
// endpoint's directory.
func flipAtRest(dir, bucket, key string, bit int64) error {
	recs, err := filepath.Glob(filepath.Join(dir, "records", "*", "*.json"))
	if err != nil {
		return err
	}
	for _, f := range recs {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var rec struct {
			Bucket, Name, Blob string
		}
		if json.Unmarshal(data, &rec) != nil || rec.Bucket != bucket || rec.Name != key || rec.Blob == "" {
			continue
		}
		bf, err := os.OpenFile(filepath.Join(dir, "blobs", rec.Blob), os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer bf.Close()
		b := make([]byte, 1)
		if _, err := bf.ReadAt(b, bit/8); err != nil {
			return fmt.Errorf("read blob of %s: %w", key, err)
		}
		b[0] ^= 1 << (bit % 8)
		_, err = bf.WriteAt(b, bit/8)
		return err
	}
	return fmt.Errorf("no record of %s in %s", key, dir)
}

// TestChaos08RoutingTargetDownAtCutover cuts PostgreSQL off (its proxy
// stops accepting and drops every connection) once the shards are frozen,
// before their cutover, for 2 minutes (45 s in the short form). The shards
// stay Frozen and keep retrying to return routing; the map holds no half
// state; when PostgreSQL returns, every shard cuts over.
func TestChaos08RoutingTargetDownAtCutover(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 8, edit: func(p *plan.Plan) {
		manual(p)
		p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(10 * time.Second), MaxDuration: plan.Duration(30 * time.Second)}
	}}, 1000, 60))
	r.start()
	outage := pick(c, 2*time.Minute, 45*time.Second)
	var during map[string]workflows.ShardStatus
	r.awaitAndApprove(nil)
	r.waitShards("a shard frozen", 2*time.Minute, func(st map[string]workflows.ShardStatus) bool { return anyIn(st, workflows.Frozen) })
	c.pgProxy.Stop()
	began := time.Now()
	t.Logf("PostgreSQL cut off for %s", outage)
	time.Sleep(outage)
	var err error
	during, err = r.statuses(context.Background())
	require.NoError(t, err)
	t.Logf("at the end of the outage: %s", describeStates(during))
	// Frozen (returning routing, retried), CutOver (its cutover's route
	// change retried), or Soaking if it cut over before the outage: every
	// read-only shard has a workflow driving it.
	frozen := 0
	for id, s := range during {
		assert.Contains(t, []workflows.ShardState{workflows.Frozen, workflows.CutOver, workflows.Soaking}, s.State, "shard %s during the outage", id)
		if s.State == workflows.Frozen || s.State == workflows.CutOver {
			frozen++
		}
	}
	assert.Positive(t, frozen, "shards were frozen when the routing target went down")
	require.NoError(t, c.pgProxy.Start())
	r.cutOverApproving(pick(c, 20*time.Minute, 8*time.Minute))
	r.finish(verdict{name: "routing target (PostgreSQL) down at cutover", recover: time.Since(began) - outage,
		note: fmt.Sprintf("outage %s; %d shards Frozen or CutOver and retrying during it", outage, frozen)})
}

// TestChaos07DestinationUnreachable stops the destination's proxy (new
// connections refused, open ones dropped) for 2 minutes (30 s in the short
// form) in the middle of copying.
func TestChaos07DestinationUnreachable(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 7, large: 2}, 2500, 150))
	r.start()
	r.underWay(0.2)
	outage := pick(c, 2*time.Minute, 30*time.Second)
	c.ociProxy.Stop()
	time.Sleep(outage)
	require.NoError(t, c.ociProxy.Start())
	back := time.Now()
	before := int64(-1)
	r.waitShards("progress after the outage", 10*time.Minute, func(st map[string]workflows.ShardStatus) bool {
		if before < 0 {
			before = copied(st)
			return false
		}
		return copied(st) > before || allIn(st, workflows.Soaking)
	})
	recover := time.Since(back)
	r.cutOver(pick(c, 30*time.Minute, 8*time.Minute))
	r.finish(verdict{name: "destination unreachable", recover: recover, note: fmt.Sprintf("outage %s", outage)})
}

// TestChaos04DestinationErrorsAndResets answers 10% of the destination's
// writes with 500 and cuts 40% of its connections after 6 MiB of upload
// (mid-part of a 10 MiB part) for 60 s (20 s in the short form).
func TestChaos04DestinationErrorsAndResets(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 4, large: 6}, 2500, 100))
	r.start()
	r.underWay(0.01)
	period := pick(c, 60*time.Second, 20*time.Second)
	require.NoError(t, httpFaults(c.ociURL, "POST", []map[string]any{{"op": "put", "status": 500, "rate": 0.1}, {"op": "upload-part", "status": 500, "rate": 0.1}}))
	require.NoError(t, addToxic(c.ociProxy, "cut-mid-part", "limit_data", "upstream", 0.4, map[string]any{"bytes": 6 << 20}))
	time.Sleep(period)
	fired, _, err := faultStats(c.ociURL)
	require.NoError(t, err)
	c.resetFaults()
	t.Logf("destination faults over %s: %v", period, fired)
	ended := time.Now()
	r.cutOver(pick(c, 30*time.Minute, 8*time.Minute))
	r.finish(verdict{name: "destination 500s and connections reset mid-part", recover: time.Since(ended),
		note: fmt.Sprintf("500s fired %v in %s", fired, period)})
}

// TestChaos06SourceChangesWhileCopying runs an application that, while
// each shard's route is at the source, overwrites, deletes and creates
// source objects: during copying and during catching up. The destination
// must end equal to the final source.
func TestChaos06SourceChangesWhileCopying(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 6, edit: func(p *plan.Plan) {
		threshold := 40
		p.Delta = plan.DeltaPolicy{MaxRounds: 20, Threshold: &threshold, Deletes: plan.DeletesDelete}
		p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(3 * time.Second), MaxDuration: plan.Duration(2 * time.Minute)}
	}}, 2500, 150))
	r.start()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var changes changeCounts
	wg.Add(1)
	go func() { defer wg.Done(); r.writer(ctx, &changes) }()
	r.cutOver(pick(c, 30*time.Minute, 10*time.Minute))
	cancel()
	wg.Wait()
	t.Logf("source changes while routed at the source: %+v", changes)
	assert.Positive(t, changes.Overwritten+changes.Deleted, "the application changed the source")
	r.finish(verdict{name: "source changed and deleted while copying and catching up",
		note: fmt.Sprintf("%d overwritten, %d deleted, %d created at the source", changes.Overwritten, changes.Deleted, changes.Created)})
}

type changeCounts struct{ Overwritten, Deleted, Created int }

// writer is the application: every 100 ms it picks a shard and, only if
// the shard map routes it to the source (or has no row yet), changes one
// of its source objects.
func (r *run) writer(ctx context.Context, n *changeCounts) {
	conn, err := pgx.Connect(ctx, r.c.pgDSN)
	if err != nil {
		r.t.Errorf("application: %v", err)
		return
	}
	defer conn.Close(context.Background())
	v := uint64(10)
	for ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		s := r.shards[r.rng.IntN(len(r.shards))]
		var state string
		err := conn.QueryRow(ctx, "SELECT state FROM "+pgx.Identifier{r.table}.Sanitize()+" WHERE shard = $1", s.ID).Scan(&state)
		if err != nil && err != pgx.ErrNoRows {
			continue // no table yet: nothing started
		}
		if err == nil && state != "source" {
			continue
		}
		key := keyOf(s.Prefix, r.rng.IntN(r.o.perShard))
		v++
		switch r.rng.IntN(3) {
		case 0:
			if r.putSource(key, randomBytes(key, 600+r.rng.IntN(3000), v)) == nil {
				n.Overwritten++
			}
		case 1:
			if _, err := r.sides.s3.DeleteObject(ctx, deleteInput(r.sides.src, key)); err == nil {
				n.Deleted++
			}
		default:
			key = fmt.Sprintf("%suser-app-%d/profile.json", s.Prefix, v)
			if r.putSource(key, randomBytes(key, 800, v)) == nil {
				n.Created++
			}
		}
	}
}
