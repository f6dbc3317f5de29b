package demo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/demo"
	"github.com/ocimove/ocimove/internal/evidence"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/workflows"
)

// smokeConfig is a small demo: 3 shards, 200 small objects and one large
// object of three 10 MiB parts.
func smokeConfig(dir string, out io.Writer) demo.Config {
	return demo.Config{Dir: dir, Shards: 3, Objects: 200, LargeObjectBytes: 2*demo.MinPartSize + 12345,
		PartSize: demo.MinPartSize, Out: out, Interval: time.Second, Timeout: 3 * time.Minute}
}

// TestDemoSmoke runs the demo end to end in a temp dir: every shard must
// reach its cutover with every destination object's SHA-256 equal to its
// source's. A second run on the same dir must resume: the same workflow
// run, no seeding, nothing copied again.
func TestDemoSmoke(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	var out1 bytes.Buffer
	res, err := demo.Run(ctx, smokeConfig(dir, &out1))
	require.NoError(t, err, "first run; its output:\n%s", out1.String())
	t.Logf("first run:\n%s", out1.String())
	assert.True(t, res.Seeded, "the first run seeds the source")
	assert.False(t, res.Resumed, "the first run starts the migration")
	require.NotEmpty(t, res.RunID)
	assert.Equal(t, int64(201), res.Source.Objects, "200 small objects and one large one")
	requireCutOver(t, res.Shards, 3)
	assert.FileExists(t, res.PlanPath)
	assert.FileExists(t, res.RoutesPath)
	entries, err := os.ReadDir(res.ManifestDir)
	require.NoError(t, err, "manifests are copied out")
	assert.Len(t, entries, 3, "one manifest directory per shard")

	// The report and the signed evidence are written, and the evidence
	// verifies offline with the public key.
	require.Len(t, res.ReportPaths, 2)
	md, err := os.ReadFile(res.ReportPaths[0])
	require.NoError(t, err)
	for _, s := range res.Shards {
		assert.Contains(t, string(md), s.Prefix, "the report covers shard %s", s.Prefix)
	}
	var rep struct {
		Totals struct {
			Objects int64 `json:"objects"`
		} `json:"totals"`
	}
	js, err := os.ReadFile(res.ReportPaths[1])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &rep))
	assert.Equal(t, int64(201), rep.Totals.Objects, "the report counts every object")
	pub, err := evidence.LoadPublicKey(res.EvidencePubKey)
	require.NoError(t, err)
	require.NoError(t, evidence.Verify(res.EvidenceDir, pub))

	// Every object is at the destination, byte for byte.
	e, err := demo.OpenEndpoints(dir)
	require.NoError(t, err)
	src, err := e.Source(ctx)
	require.NoError(t, err)
	dst, err := e.Destination(ctx)
	require.NoError(t, err)
	before, err := store.ListAll(ctx, src, "users/")
	require.NoError(t, err)
	require.Len(t, before, 201)
	var large store.ObjectInfo
	for _, o := range before {
		want, err := hashObject(ctx, src, o.Key)
		require.NoError(t, err)
		got, err := hashObject(ctx, dst, o.Key)
		require.NoError(t, err, "destination %s", o.Key)
		require.Equal(t, want, got, "SHA-256 of %s", o.Key)
		if o.Size > large.Size {
			large = o
		}
	}
	require.Greater(t, large.Size, int64(demo.MinPartSize), "one object is above the multipart threshold")
	info, err := dst.Head(ctx, large.Key)
	require.NoError(t, err)
	assert.Nil(t, info.ContentMD5, "%s was written in parts (OCI reports no whole-object MD5 for it)", large.Key)
	small, err := dst.Head(ctx, before[0].Key)
	require.NoError(t, err)
	assert.NotNil(t, small.ContentMD5, "%s was written in one piece", before[0].Key)
	e.Close()

	// Run again: it resumes.
	var out2 bytes.Buffer
	res2, err := demo.Run(ctx, smokeConfig(dir, &out2))
	require.NoError(t, err, "second run; its output:\n%s", out2.String())
	t.Logf("second run:\n%s", out2.String())
	assert.True(t, res2.Resumed, "the second run attaches to the migration")
	assert.False(t, res2.Seeded, "the second run does not seed again")
	assert.Equal(t, res.RunID, res2.RunID, "the same workflow run")
	assert.Contains(t, out2.String(), "resuming workflow "+workflows.MigrationWorkflowID(demo.MigrationID))
	assert.NotContains(t, out2.String(), "\nseeding ", "no seeding line")
	requireCutOver(t, res2.Shards, 3)
	for i := range res.Shards {
		assert.Equal(t, res.Shards[i].Objects, res2.Shards[i].Objects, "nothing copied again in %s", res.Shards[i].Prefix)
	}

	e, err = demo.OpenEndpoints(dir)
	require.NoError(t, err)
	defer e.Close()
	src, err = e.Source(ctx)
	require.NoError(t, err)
	after, err := store.ListAll(ctx, src, "users/")
	require.NoError(t, err)
	require.Equal(t, len(before), len(after))
	for i := range before {
		assert.Equal(t, before[i].ETag, after[i].ETag, before[i].Key)
		assert.True(t, before[i].LastModified.Equal(after[i].LastModified), "%s was not written again", before[i].Key)
	}
}

// TestDemoResumesAfterInterrupt stops the demo (as Ctrl-C does) right
// after it started the migration, then runs it again: the second run
// attaches to the same workflow run and brings every shard to cutover.
func TestDemoResumesAfterInterrupt(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg := demo.Config{Dir: dir, Shards: 2, Objects: 120, LargeObjectBytes: -1, Interval: time.Second, Timeout: 2 * time.Minute}

	ictx, interrupt := context.WithCancel(ctx)
	out1 := &cancelOn{match: "started workflow", cancel: interrupt}
	cfg.Out = out1
	_, err := demo.Run(ictx, cfg)
	require.ErrorIs(t, err, demo.ErrInterrupted, "its output:\n%s", out1.String())
	assert.Contains(t, out1.String(), "run the same command again to resume")
	runID := between(out1.String(), "(run ", ")")
	require.NotEmpty(t, runID)

	var out2 bytes.Buffer
	cfg.Out = &out2
	res, err := demo.Run(ctx, cfg)
	require.NoError(t, err, "its output:\n%s", out2.String())
	assert.True(t, res.Resumed)
	assert.False(t, res.Seeded, "seeded once, by the first run")
	assert.Equal(t, runID, res.RunID, "the workflow run started by the first run")
	requireCutOver(t, res.Shards, 2)
}

// cancelOn is an output that calls cancel once match has been written.
type cancelOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	match  string
	cancel func()
	done   bool
}

func (w *cancelOn) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.match) {
		w.done = true
		w.cancel()
	}
	return n, err
}

func (w *cancelOn) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// TestFreshRefusesForeignDir keeps --fresh from deleting a directory that
// holds no demo state.
func TestFreshRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "precious.txt")
	require.NoError(t, os.WriteFile(keep, []byte("x"), 0o600))
	_, err := demo.Run(context.Background(), demo.Config{Dir: dir, Fresh: true, Out: io.Discard})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "holds no demo state")
	assert.FileExists(t, keep)
}

// TestBadConfig names the value at fault.
func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  demo.Config
		want string
	}{
		{demo.Config{Shards: 300}, "--shards 300 is out of range"},
		{demo.Config{Objects: -1}, "--objects -1 is too small"},
		{demo.Config{PartSize: 1 << 20}, "below OCI's minimum"},
	} {
		tc.cfg.Dir, tc.cfg.Out = t.TempDir(), io.Discard
		_, err := demo.Run(context.Background(), tc.cfg)
		require.ErrorIs(t, err, demo.ErrConfig)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func requireCutOver(t *testing.T, shards []demo.ShardView, n int) {
	t.Helper()
	require.Len(t, shards, n)
	for _, s := range shards {
		assert.Contains(t, []workflows.ShardState{workflows.CutOver, workflows.Soaking}, s.State, "shard %s", s.Prefix)
		assert.Equal(t, s.Total.Objects, s.Objects, "every object of %s is counted", s.Prefix)
	}
}

func hashObject(ctx context.Context, s store.Store, key string) (string, error) {
	rc, _, err := s.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
