//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

// pick returns the full or the short form's value.
func pick[T any](c *cluster, full, short T) T {
	if c.full {
		return full
	}
	return short
}

// jitter is a random duration in [lo, hi).
func (r *run) jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.rng.Int64N(int64(hi-lo)))
}

// underWay waits until the shards have counted frac of the objects.
func (r *run) underWay(frac float64) {
	want := int64(frac * float64(len(r.sizes)))
	r.waitShards(fmt.Sprintf("%d objects copied", want), 10*time.Minute, func(st map[string]workflows.ShardStatus) bool {
		return copied(st) >= want
	})
}

// TestChaos01WorkerKills SIGKILLs a random worker at random moments, 20
// times in one migration (5 in the short form), starting it again each
// time. Waste stays within one batch per activity slot per kill.
func TestChaos01WorkerKills(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 1, large: 4, workers: 2, bytesPerSecond: pick[int64](c, 2<<20, 1<<20)}, 2500, 150))
	kills := pick(c, 20, 5)
	r.start()
	r.underWay(0.02)
	ctx := context.Background()
	for r.kills < kills {
		time.Sleep(r.jitter(pick(c, 2*time.Second, time.Second), pick(c, 8*time.Second, 3*time.Second)))
		if st, err := r.statuses(ctx); err == nil && allIn(st, workflows.Soaking) {
			break
		}
		w := r.killRandom()
		t.Logf("kill %d: %s at %s", r.kills, w.name, time.Since(r.started).Round(time.Millisecond))
		time.Sleep(r.jitter(200*time.Millisecond, 1500*time.Millisecond))
		r.restart(w)
	}
	recovered := time.Now()
	r.cutOver(pick(c, 30*time.Minute, 8*time.Minute))
	r.finish(verdict{name: "SIGKILL a random worker, repeatedly", wasteBound: int64(max(r.kills, 1)) * r.perKillBound(),
		recover: time.Since(recovered), note: fmt.Sprintf("%d kills", r.kills)})
}

// TestChaos02TemporalRestart stops the Temporal server (SIGTERM) in the
// middle of copying and starts it again on the same SQLite file.
func TestChaos02TemporalRestart(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 2, large: 2}, 2500, 150))
	r.start()
	r.underWay(0.2)
	began := time.Now()
	require.NoError(t, c.restartTemporal(5*time.Second))
	t.Logf("Temporal server restarted in %s", time.Since(began).Round(time.Millisecond))
	before := int64(-1)
	r.waitShards("progress after the restart", 5*time.Minute, func(st map[string]workflows.ShardStatus) bool {
		if before < 0 {
			before = copied(st)
			return false
		}
		return copied(st) > before || allIn(st, workflows.Soaking)
	})
	recover := time.Since(began)
	r.cutOver(pick(c, 30*time.Minute, 8*time.Minute))
	r.finish(verdict{name: "Temporal server stopped and restarted", recover: recover})
}

// TestChaos03ThrottlingStorm answers 30% of the source's requests with 503
// SlowDown for 60 s (15 s in the short form).
func TestChaos03ThrottlingStorm(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 3, large: 2, bytesPerSecond: pick[int64](c, 0, 1<<20)}, 2500, 150))
	r.start()
	r.underWay(0.02)
	storm := pick(c, 60*time.Second, 15*time.Second)
	require.NoError(t, httpFaults(c.s3URL, "POST", []map[string]any{{"status": 503, "rate": 0.3}}))
	time.Sleep(storm)
	fired, _, err := faultStats(c.s3URL)
	require.NoError(t, err)
	require.NoError(t, httpFaults(c.s3URL, "DELETE", nil))
	n := 0
	for _, v := range fired {
		n += v
	}
	t.Logf("storm of %s: %d requests answered 503 SlowDown %v", storm, n, fired)
	assert.Positive(t, n, "the storm hit requests")
	ended := time.Now()
	r.cutOver(pick(c, 30*time.Minute, 8*time.Minute))
	r.finish(verdict{name: "source throttling storm (503 SlowDown on 30%)", recover: time.Since(ended), note: fmt.Sprintf("%d requests throttled in %s", n, storm)})
}

// TestChaos09DrainNeverAcknowledged freezes with drain "ack": the
// application acknowledges the drain of the even shards (with the SQL of
// pgroute's package doc) and never of the odd ones. An unacknowledged
// freeze must time out and return routing to the source: those shards end
// Failed with routing at the source, never read-only; the others cut over.
func TestChaos09DrainNeverAcknowledged(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 9, edit: func(p *plan.Plan) {
		p.Freeze = plan.Freeze{Drain: plan.DrainAck, DrainWait: plan.Duration(8 * time.Second), MaxDuration: plan.Duration(40 * time.Second)}
	}}, 500, 60))
	acked := map[string]bool{}
	for i, s := range r.shards {
		acked[s.ID] = i%2 == 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go application(ctx, c.pgDSN, r.table, acked)
	r.start()
	st := r.waitShards("even shards cut over, odd ones failed", 10*time.Minute, func(st map[string]workflows.ShardStatus) bool {
		for id, s := range st {
			if acked[id] && s.State != workflows.Soaking || !acked[id] && s.State != workflows.Failed {
				return false
			}
		}
		return true
	})
	for id, s := range st {
		if !acked[id] {
			assert.Contains(t, s.LastError, "drain acknowledgement", "shard %s", id)
			assert.Equal(t, "source", string(s.RouteState), "shard %s", id)
			assert.Zero(t, s.CutoverAt, "shard %s never cut over", id)
		}
	}
	r.finish(verdict{name: "freeze whose drain is never acknowledged", routes: func(id string) string {
		if acked[id] {
			return "destination"
		}
		return "source"
	}, note: "odd shards unacknowledged: Failed, routing at the source"})
}

// application acknowledges drains of the shards in ack, as an application
// would, until ctx ends.
func application(ctx context.Context, dsn, table string, ack map[string]bool) {
	for ctx.Err() == nil {
		time.Sleep(300 * time.Millisecond)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			continue
		}
		for shard, yes := range ack {
			if yes {
				_, _ = conn.Exec(ctx, "UPDATE "+pgx.Identifier{table}.Sanitize()+
					" SET drain_ack = true, drain_ack_op = operation_id WHERE shard = $1 AND state = 'read-only'", shard)
			}
		}
		_ = conn.Close(ctx)
	}
}

// TestChaos10RollbackKeepsDestinationWrites cuts over, then writes at the
// destination as the application would (new objects, overwrites, deletes),
// then rolls every shard back. Reverse sync must bring every write back to
// the source and replay the deletes: the two sides end identical.
func TestChaos10RollbackKeepsDestinationWrites(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 10, large: 1}, 500, 60))
	r.start()
	r.cutOver(pick(c, 20*time.Minute, 8*time.Minute))
	ctx := context.Background()
	var created, overwritten, deleted int
	for i, s := range r.shards {
		for j := 0; j < 3; j++ {
			key := fmt.Sprintf("%suser-new-%d-%d/profile.json", s.Prefix, i, j)
			require.NoError(t, r.putDest(ctx, key, randomBytes(key, 700+r.rng.IntN(2000), 1)))
			created++
		}
		key := keyOf(s.Prefix, r.rng.IntN(r.o.perShard))
		require.NoError(t, r.putDest(ctx, key, randomBytes(key, 900, 2)))
		overwritten++
		del := keyOf(s.Prefix, r.rng.IntN(r.o.perShard))
		if del == key {
			continue
		}
		_, err := r.sides.oci.DeleteObject(ctx, objectstorage.DeleteObjectRequest{NamespaceName: common.String(ociNS),
			BucketName: common.String(r.sides.dst), ObjectName: common.String(del)})
		require.NoError(t, err)
		deleted++
	}
	t.Logf("at the destination after cutover: %d created, %d overwritten, %d deleted", created, overwritten, deleted)
	began := time.Now()
	for _, s := range r.shards {
		h, err := c.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.ShardWorkflowID(r.p.ID, s.ID),
			UpdateName: workflows.UpdateRollback, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.OperatorRequest{Actor: "chaos", Reason: "scenario 10"}}})
		require.NoError(t, err, "rollback %s", s.ID)
		require.NoError(t, h.Get(ctx, nil), "rollback %s", s.ID)
	}
	r.waitShards("every shard rolled back", 10*time.Minute, func(st map[string]workflows.ShardStatus) bool {
		return allIn(st, workflows.RolledBack)
	})
	r.finish(verdict{name: "rollback after cutover with destination writes", routes: func(string) string { return "source" }, recover: time.Since(began),
		note: fmt.Sprintf("%d created, %d overwritten, %d deleted at the destination", created, overwritten, deleted)})
}

// putDest writes one destination object, as the application would.
func (r *run) putDest(ctx context.Context, key string, data []byte) error {
	_, err := r.sides.oci.PutObject(ctx, objectstorage.PutObjectRequest{NamespaceName: common.String(ociNS), BucketName: common.String(r.sides.dst),
		ObjectName: common.String(key), ContentLength: common.Int64(int64(len(data))), PutObjectBody: readCloser(data)})
	if err != nil {
		return fmt.Errorf("put oci://%s/%s: %w", r.sides.dst, key, err)
	}
	return nil
}

// TestChaos11ThreeWorkersOneKilled runs three workers on one task queue and
// SIGKILLs one at random every few seconds (it comes back a little later);
// the others take over its work.
func TestChaos11ThreeWorkersOneKilled(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 11, large: 2, workers: 3, bytesPerSecond: pick[int64](c, 2<<20, 1<<20)}, 2500, 150))
	r.start()
	r.underWay(0.02)
	ctx := context.Background()
	for {
		time.Sleep(r.jitter(2*time.Second, 5*time.Second))
		st, err := r.statuses(ctx)
		if err == nil && allIn(st, workflows.Soaking) {
			break
		}
		if err == nil && anyIn(st, workflows.Failed) {
			t.Fatalf("scenario 11 (seed %d): %s", c.seed, describeStates(st))
		}
		w := r.killRandom()
		t.Logf("kill %d: %s at %s", r.kills, w.name, time.Since(r.started).Round(time.Millisecond))
		go func(w *worker) {
			time.Sleep(3 * time.Second)
			if w.start(time.Minute) == nil {
				r.scrape.watch(w)
			}
		}(w)
		if r.kills >= pick(c, 60, 12) {
			break
		}
	}
	recovered := time.Now()
	r.cutOver(pick(c, 30*time.Minute, 8*time.Minute))
	r.finish(verdict{name: "three workers, one SIGKILLed every few seconds", wasteBound: int64(max(r.kills, 1)) * r.perKillBound(),
		recover: time.Since(recovered), note: fmt.Sprintf("%d kills", r.kills)})
}
