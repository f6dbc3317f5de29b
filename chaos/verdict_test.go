//go:build chaos

package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/workflows"
)

// outcome is one scenario's row of docs/RELIABILITY.md.
type outcome struct {
	Scenario    int     `json:"scenario"`
	Name        string  `json:"name"`
	Full        bool    `json:"full"`
	Seed        uint64  `json:"seed"`
	Objects     int     `json:"objectsChecked"`
	Mismatches  int     `json:"mismatches"`
	Kills       int     `json:"kills"`
	Received    int64   `json:"destinationPutBytes"`
	Stored      int64   `json:"destinationStoredBytes"`
	Recopied    int64   `json:"recopiedBytes"`     // received − stored: sent again
	PromWritten float64 `json:"promWrittenBytes"`  // Σ ocimove_written_bytes_total over the workers' incarnations
	PromWaste   float64 `json:"promRecopiedBytes"` // written − copied object bytes, from the workers' counters
	Resent      int64   `json:"statusResentBytes"` // the shards' own BytesResent
	Bound       int64   `json:"boundBytes"`
	Recover     string  `json:"timeToRecover"`
	Elapsed     string  `json:"elapsed"`
	Load        string  `json:"loadAverage"`
	Note        string  `json:"note,omitempty"`
}

// verdict is what a scenario expects at its end.
type verdict struct {
	name string
	// routes is the state each shard's row must be in ("destination" when
	// nil); "read-only" is never allowed at the end.
	routes func(shard string) string
	// checked selects the keys the two sides must agree on (all when nil).
	checked func(key string) bool
	// wasteBound is the re-copied bytes allowed (0: not checked).
	wasteBound int64
	recover    time.Duration
	note       string
}

// finish runs the independent check and records the scenario's row.
func (r *run) finish(v verdict) outcome {
	t := r.t
	t.Helper()
	ctx := context.Background()
	elapsed := time.Since(r.started)

	// The shard map: no half state, each row where the scenario expects.
	rows, err := routes(ctx, r.c.pgDSN, r.table)
	require.NoError(t, err)
	for _, s := range r.shards {
		want := "destination"
		if v.routes != nil {
			want = v.routes(s.ID)
		}
		assert.Equal(t, want, rows[s.ID], "scenario %d (seed %d): route of shard %s", r.o.n, r.c.seed, s.ID)
	}
	for shard, state := range rows {
		assert.NotEqual(t, "read-only", state, "scenario %d (seed %d): shard %s left read-only", r.o.n, r.c.seed, shard)
	}

	// Every source object against its destination copy, by SHA-256.
	rep, err := r.sides.compare(ctx, v.checked)
	require.NoError(t, err)
	t.Logf("independent check: %s", rep)
	assert.True(t, rep.ok(), "scenario %d (seed %d): %s", r.o.n, r.c.seed, rep)

	// What was sent again: the destination's received PUT bytes beyond
	// what it stores; and the workers' own counters.
	_, put, err := faultStats(r.c.ociURL)
	require.NoError(t, err)
	stored, err := r.sides.destBytes(ctx)
	require.NoError(t, err)
	received := put - r.putBase
	prom := r.scrape.total()
	st, err := r.statuses(ctx)
	require.NoError(t, err)
	var resent, skipped int64
	for _, s := range st {
		resent += s.Counts.BytesResent
		skipped += s.Counts.Skipped
	}
	t.Logf("the shards counted %d objects skipped as already copied (after a crash) and %d bytes re-sent", skipped, resent)
	o := outcome{Scenario: r.o.n, Name: v.name, Full: r.c.full, Seed: r.c.seed, Objects: rep.Checked, Mismatches: len(rep.Mismatched),
		Kills: r.kills, Received: received, Stored: stored, Recopied: received - stored, PromWritten: prom.Written, PromWaste: prom.Written - prom.Objects, Resent: resent,
		Bound: v.wasteBound, Recover: v.recover.Round(time.Second).String(), Elapsed: elapsed.Round(time.Second).String(), Load: loadAvg(), Note: v.note}
	t.Logf("scenario %d %s: %+v", r.o.n, v.name, o)
	if v.wasteBound > 0 {
		assert.LessOrEqual(t, o.Recopied, v.wasteBound, "scenario %d (seed %d): bytes sent again within the bound", r.o.n, r.c.seed)
	}
	if r.kills > 0 {
		t.Logf("resume cost: %d bytes re-copied over %d kills = %d bytes per kill (bound per kill %d)", o.Recopied, r.kills, o.Recopied/int64(r.kills), v.wasteBound/int64(r.kills))
	}
	record(o)
	return o
}

// record appends the row to OCIMOVE_CHAOS_RESULTS (JSON lines), if set.
func record(o outcome) {
	path := os.Getenv("OCIMOVE_CHAOS_RESULTS")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "chaos: results: %v\n", err)
		return
	}
	defer f.Close()
	b, _ := json.Marshal(o)
	fmt.Fprintf(f, "%s\n", b)
}

// largestBatch is the most bytes o.batch consecutive keys of one shard
// (in listing order) hold: the most one batch in flight can waste.
func (r *run) largestBatch() int64 {
	var best int64
	for s := 0; s < shardCount; s++ {
		var keys []string
		for k := range r.sizes {
			if strings.HasPrefix(k, r.prefix(s)) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for i := range keys {
			var sum int64
			for j := i; j < len(keys) && j < i+r.o.batch; j++ {
				sum += r.sizes[keys[j]]
			}
			best = max(best, sum)
		}
	}
	return best
}

// perKillBound is the waste one kill may cause: every activity slot of the
// killed worker holding a batch, each batch re-sending at most its
// unfinished objects (bounded here by the whole batch).
func (r *run) perKillBound() int64 { return int64(r.o.maxActivities) * r.largestBatch() }

// stateIs returns a condition on one shard status.
func anyIn(st map[string]workflows.ShardStatus, state workflows.ShardState) bool {
	for _, s := range st {
		if s.State == state {
			return true
		}
	}
	return false
}
