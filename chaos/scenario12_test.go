//go:build chaos

package chaos_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

// action is one operator command the scenario ran and whether the starter
// accepted it (exit 0).
type action struct {
	At       time.Duration
	Cmd      string
	Shard    string // "" for the migration
	Accepted bool
	Output   string
}

// starter runs the cmd/starter CLI against the cluster.
func (r *run) starter(args ...string) (bool, string) {
	args = append(args, "--address", r.c.tAddr, "--task-queue", r.queue)
	cmd := exec.Command(r.c.bins["starter"], args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return err == nil, strings.TrimSpace(out.String())
}

// TestChaos12OperatorActions runs operator commands through the starter
// CLI at random moments of the lifecycle (pause, resume, rollback,
// retry-shard, per shard and for the whole migration, and a cancel in some
// seeds), with the routing target slowed (300 ms ± 200 ms on every
// PostgreSQL packet) and purge enabled after a short soak. At the end:
// no route is read-only, every shard whose last accepted lifecycle action
// was a rollback is RolledBack with its source intact (nothing purged while
// a rollback is pending), cut-over shards match the source (or, purged,
// the seeded content), and rolled-back shards read from an intact source.
// After a cancel, every shard's workflow has ended: Cancelled with routing
// at the source (a cut-over shard rolled back), or Complete before it.
func TestChaos12OperatorActions(t *testing.T) {
	c := need(t)
	r := newRun(t, sized(c, opts{n: 12, large: 1, bytesPerSecond: pick[int64](c, 2<<20, 512<<10), edit: func(p *plan.Plan) {
		p.Soak = plan.Soak{Retention: plan.Duration(20 * time.Second)}
		p.Purge = plan.Purge{Enabled: true}
		p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(3 * time.Second), MaxDuration: plan.Duration(45 * time.Second)}
	}}, 1000, 60))
	require.NoError(t, addToxic(c.pgProxy, "slow", "latency", "downstream", 1, map[string]any{"latency": 300, "jitter": 200}))
	r.start()
	period := pick(c, 3*time.Minute, 75*time.Second)
	cancelAt := time.Duration(-1)
	if r.rng.IntN(3) == 0 {
		cancelAt = r.jitter(period/3, period)
	}
	var acts []action
	began := time.Now()
	for time.Since(began) < period {
		time.Sleep(r.jitter(time.Second, 4*time.Second))
		if cancelAt >= 0 && time.Since(began) >= cancelAt {
			ok, out := r.starter("cancel", r.p.ID, "--reason", "chaos cancel", "--as", "chaos")
			acts = append(acts, action{At: time.Since(began), Cmd: "cancel", Accepted: ok, Output: out})
			break
		}
		s := r.shards[r.rng.IntN(len(r.shards))]
		var a action
		switch k := r.rng.IntN(10); {
		case k < 3:
			a.Cmd, a.Shard = "rollback", s.ID
		case k < 5:
			a.Cmd, a.Shard = "retry-shard", s.ID
		case k < 7:
			a.Cmd, a.Shard = "pause", s.ID
		case k < 9:
			a.Cmd, a.Shard = "resume", s.ID
		default:
			a.Cmd = []string{"pause", "resume"}[r.rng.IntN(2)]
		}
		args := []string{a.Cmd, r.p.ID}
		switch {
		case a.Shard != "" && (a.Cmd == "pause" || a.Cmd == "resume"):
			args = append(args, "--shard", a.Shard)
		case a.Shard != "":
			args = append(args, a.Shard)
		}
		a.Accepted, a.Output = r.starter(append(args, "--reason", "chaos "+a.Cmd, "--as", "chaos")...)
		a.At = time.Since(began)
		acts = append(acts, a)
	}
	// Resume everything, then let the shards settle.
	if cancelAt < 0 {
		// Refused only when the migration is not paused (its last
		// migration-wide action was a resume, or there was none).
		ok, out := r.starter("resume", r.p.ID, "--reason", "chaos end", "--as", "chaos")
		require.True(t, ok || strings.Contains(out, "the migration is not paused"), out)
		for _, s := range r.shards {
			r.starter("resume", r.p.ID, "--shard", s.ID, "--reason", "chaos end", "--as", "chaos")
		}
	}
	accepted := 0
	last := map[string]action{} // shard → last accepted lifecycle action
	for _, a := range acts {
		if a.Accepted {
			accepted++
			if a.Cmd == "rollback" || a.Cmd == "retry-shard" {
				last[a.Shard] = a
			}
		}
		t.Logf("%6s %-11s %-22s accepted=%v %s", a.At.Round(time.Millisecond), a.Cmd, a.Shard, a.Accepted, trim(strings.ReplaceAll(a.Output, "\n", " | "), 160))
	}
	t.Logf("%d operator actions, %d accepted; cancel at %v", len(acts), accepted, cancelAt)
	settled := func(s workflows.ShardStatus) bool {
		if cancelAt >= 0 {
			// The cancel reaches every live shard, whose workflow then
			// cleans up (a cut-over shard is rolled back while its state
			// still reads Soaking) and ends Cancelled; a Complete shard had
			// ended before, and a Pending one never started.
			return s.State == workflows.Cancelled || s.State == workflows.Complete || s.State == workflows.Pending
		}
		switch s.State {
		case workflows.Complete, workflows.RolledBack, workflows.Failed:
			return s.Request == nil
		case workflows.Soaking:
			return s.Request == nil && !s.Paused
		}
		return false
	}
	st := r.waitShards("every shard settled", pick(c, 20*time.Minute, 8*time.Minute), func(st map[string]workflows.ShardStatus) bool {
		for _, s := range st {
			if !settled(s) {
				return false
			}
		}
		return true
	})
	t.Logf("settled: %s", describeStates(st))

	ctx := context.Background()
	rows, err := routes(ctx, c.pgDSN, r.table)
	require.NoError(t, err)
	src, err := r.sides.listSource(ctx)
	require.NoError(t, err)
	var objects, mismatches int
	for _, s := range r.shards {
		state, route := st[s.ID].State, rows[s.ID]
		assert.NotEqual(t, "read-only", route, "shard %s (%s) left read-only", s.ID, state)
		if a, ok := last[s.ID]; ok && a.Cmd == "rollback" && cancelAt < 0 {
			assert.Equal(t, workflows.RolledBack, state, "shard %s: its rollback at %s was accepted", s.ID, a.At)
		}
		switch state {
		case workflows.Soaking:
			assert.Equal(t, "destination", route, "shard %s", s.ID)
		case workflows.RolledBack:
			assert.Equal(t, "source", route, "shard %s", s.ID)
		case workflows.Complete:
			assert.Equal(t, "destination", route, "shard %s", s.ID)
		case workflows.Cancelled:
			// A cancelled shard returns routing to the source (a cut-over
			// one by a rollback), unless its purge had begun.
			if st[s.ID].PurgeStarted {
				assert.Equal(t, "destination", route, "shard %s (cancelled during its purge)", s.ID)
			} else {
				assert.Equal(t, "source", route, "shard %s (cancelled)", s.ID)
			}
		}
		if a, ok := last[s.ID]; ok && a.Cmd == "rollback" && st[s.ID].PurgeStarted {
			t.Errorf("shard %s (%s) began its purge although its rollback at %s was accepted", s.ID, state, a.At)
		}
		// Every seeded object: at the source unless its purge began,
		// and at the destination equal to the seed when the route says
		// the destination serves the shard.
		for key, size := range r.sizes {
			if !strings.HasPrefix(key, s.Prefix) {
				continue
			}
			want, _, _ := hashBody(bytes.NewReader(randomBytes(key, int(size), 0)))
			if !st[s.ID].PurgeStarted {
				got, _, err := r.sides.hashSource(ctx, key)
				if assert.NoError(t, err, "source copy of %s (shard %s, %s) is intact", key, s.ID, state) && got != want {
					t.Errorf("source copy of %s changed", key)
				}
			} else if _, ok := src[key]; ok && state == workflows.Complete {
				t.Errorf("shard %s is Complete but %s is still at the source", s.ID, key)
			}
			if route == "destination" {
				objects++
				got, _, err := r.sides.hashDest(ctx, key)
				if !assert.NoError(t, err) || got != want {
					mismatches++
				}
			}
		}
	}
	assert.Zero(t, mismatches, "destination copies of cut-over shards equal to the seeds")
	o := outcome{Scenario: 12, Name: "operator actions at random moments, routing target slowed", Full: c.full, Seed: c.seed, Objects: objects,
		Mismatches: mismatches, Elapsed: time.Since(r.started).Round(time.Second).String(), Load: loadAvg(),
		Note: fmt.Sprintf("%d actions, %d accepted, cancel %v; end: %s", len(acts), accepted, cancelAt >= 0, describeStates(st))}
	t.Logf("scenario 12: %+v", o)
	record(o)
}
