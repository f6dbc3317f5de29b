package bench

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary act as the copy child, as cmd/bench does
// for itself: Execute re-runs os.Executable() with "copy --spec F --out F".
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "copy" {
		fs := flag.NewFlagSet("copy", flag.ExitOnError)
		spec := fs.String("spec", "", "")
		out := fs.String("out", "", "")
		_ = fs.Parse(os.Args[2:])
		if err := RunCopyChild(context.Background(), *spec, *out); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestParseSets(t *testing.T) {
	s, err := ParseSets("all")
	require.NoError(t, err)
	assert.Equal(t, []string{"small", "large"}, []string{s[0].Name, s[1].Name})
	assert.Equal(t, 10000, s[0].Count)
	assert.Equal(t, int64(16<<10), s[0].Size)
	assert.Equal(t, 4, s[1].Count)
	assert.Equal(t, int64(512<<20), s[1].Size)
	_, err = ParseSets("huge")
	assert.ErrorContains(t, err, "small, large or all")
}

func TestRcloneFlagsMatchEngine(t *testing.T) {
	set := Set{Name: "x", Concurrency: 7, PartSize: 8 << 20, PartConcurrency: 3}
	args := strings.Join(rcloneArgs(set, "dst-1"), " ")
	for _, want := range []string{"copy --checksum", "--transfers 7", "--checkers 7", "--oos-chunk-size 8388608",
		"--oos-upload-cutoff 8388608", "--oos-upload-concurrency 3", "--s3-chunk-size 8388608", "dst:dst-1"} {
		assert.Contains(t, args, want)
	}
}

func TestSpotKeysSpreads(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e", "f", "g"}
	assert.Equal(t, []string{"a", "d", "g"}, spotKeys(keys, 3))
	assert.Equal(t, keys, spotKeys(keys, 10))
}

func TestCheckEngineReportCatchesWrongHash(t *testing.T) {
	want := map[string]string{"k": "aa"}
	ok := CopyReport{Objects: 1, Outcomes: map[string]int{"copied": 1}, SHA256: map[string]string{"k": "aa"}}
	assert.NoError(t, checkEngineReport(ok, want))
	bad := ok
	bad.SHA256 = map[string]string{"k": "bb"}
	assert.ErrorContains(t, checkEngineReport(bad, want), "SHA-256")
	short := ok
	short.Outcomes = map[string]int{"failed": 1}
	assert.Error(t, checkEngineReport(short, want))
}

// TestExecuteSmall runs the whole pipeline on a few objects: endpoint
// processes, seeding, the engine child, verification, and rclone when it
// is installed.
func TestExecuteSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the endpoint processes")
	}
	opts := Options{Sets: []Set{Overrides{Count: 40}.Apply(SmallSet)}, HashRounds: 1, Product: true}
	if p, err := exec.LookPath("rclone"); err == nil {
		opts.Peer, opts.Rclone = "rclone", p
	} else if os.Getenv("OCIMOVE_REQUIRE_ALL") == "1" {
		t.Fatal("rclone is not on PATH (go install github.com/rclone/rclone@v1.76.0)")
	}
	res, err := Execute(context.Background(), opts)
	require.NoError(t, err)
	require.Len(t, res.Sets, 1)
	e := res.Sets[0].Engine[0]
	assert.Equal(t, 40, e.Objects)
	assert.Equal(t, 40, e.Report.Outcomes["copied"])
	assert.Positive(t, e.PeakRSS)
	require.Len(t, res.Sets[0].Product, 1)
	p := res.Sets[0].Product[0]
	assert.Equal(t, 40, p.Objects, "the product's destination was verified object by object")
	assert.Positive(t, p.PeakRSS, "the worker's ru_maxrss")
	require.NotNil(t, p.Phases)
	assert.Positive(t, p.Phases.Copied)
	assert.GreaterOrEqual(t, p.Phases.Verified, p.Phases.Copied, "verified after copied")
	var md strings.Builder
	res.Markdown(&md)
	assert.Contains(t, md.String(), "| small (40 × 16 KiB) | engine | 40 |")
	assert.Contains(t, md.String(), "engine peak RSS")
	assert.Contains(t, md.String(), "| small (40 × 16 KiB) | product | 40 |")
	assert.Contains(t, md.String(), "product (to AwaitingApproval) / engine")
}

// TestLifecycleTiny runs two shards of a few objects to Complete with the
// purge on two worker processes, and checks what the scale run reports.
func TestLifecycleTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the endpoint, Temporal and worker processes")
	}
	res, err := RunLifecycle(context.Background(), LifeOptions{Shards: 2, Objects: 15, Size: 100, Workers: 2, Purge: true, BatchSize: 5})
	require.NoError(t, err, "RunLifecycle checks the destination and the purged source itself")
	assert.Equal(t, 0, res.Over10k)
	assert.GreaterOrEqual(t, res.Runs, 3, "the migration, the pre-flight and two shards")
	require.Len(t, res.Workers, 2)
	batches := 0
	for _, w := range res.Workers {
		assert.Positive(t, w.PeakRSS)
		batches += w.Activities["CopyBatch"]
	}
	assert.GreaterOrEqual(t, batches, 2*3, "3 batches of 5 per shard, counted from the histories")
	var md strings.Builder
	res.Markdown(&md)
	assert.Contains(t, md.String(), "| runs over 10,000 events | 0 |")
}
