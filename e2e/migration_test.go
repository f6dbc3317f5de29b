package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/clitest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

const (
	e2eTaskQueue   = "ocimove-e2e"
	e2eActivities  = 4        // --max-activities of the worker
	e2ePartSize    = 10 << 20 // OCI's minimum part size
	e2eBatchSize   = 250
	e2eLargeObject = 3*e2ePartSize + 4321
)

// seedShards writes the shards' objects to the source: small objects of
// 1–4 KiB, and one multipart-sized object in each of the shards named in
// large. It returns the objects' sizes by key.
func seedShards(t *testing.T, src store.Store, prefixes []string, perShard int, large map[string]bool) map[string]int64 {
	t.Helper()
	type job struct {
		key  string
		size int
	}
	var jobs []job
	r := rand.New(rand.NewPCG(42, 7))
	for _, p := range prefixes {
		for i := 0; i < perShard; i++ {
			jobs = append(jobs, job{fmt.Sprintf("%suser-%05d/profile.json", p, i), 1024 + r.IntN(3072)})
		}
		if large[p] {
			jobs = append(jobs, job{p + "user-00042/avatar-original.bin", e2eLargeObject})
		}
	}
	sizes := make(map[string]int64, len(jobs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	ch := make(chan job)
	errs := make(chan error, 1)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				data := make([]byte, j.size)
				rr := rand.New(rand.NewPCG(uint64(len(j.key)), uint64(j.size)))
				for i := range data {
					data[i] = byte(rr.Uint32())
				}
				if _, err := src.Put(context.Background(), j.key, bytes.NewReader(data), int64(j.size), store.PutOptions{}); err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				mu.Lock()
				sizes[j.key] = int64(j.size)
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("seed: %v", err)
	default:
	}
	return sizes
}

// writePlan writes p as a plan file and loads it back as the worker will.
func writePlan(t *testing.T, p *plan.Plan, dir string) (*plan.Plan, string) {
	t.Helper()
	data, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(dir, "plan.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	loaded, err := plan.LoadFile(path)
	require.NoError(t, err)
	return loaded, path
}

// localPlan is a plan for the local endpoints of env, trusting env's CA
// when they serve HTTPS.
func localPlan(env *testenv.Env, id, srcBucket, dstBucket string, prefixes []string) *plan.Plan {
	p := plan.Example()
	p.ID, p.Name = id, "end-to-end test "+id
	p.Sources.Primary = plan.PrimarySource{Location: plan.At(&s3store.Settings{Bucket: srcBucket, Region: testenv.S3Region, Endpoint: env.S3URL, UsePathStyle: true,
		CAFile: env.CAFile})}
	p.Sources.Copies = nil
	p.Destination.Location = plan.At(&ocistore.Settings{Namespace: env.OCI.Namespace(), Region: testenv.OCIRegion, Bucket: dstBucket, Endpoint: env.OCIURL,
		Auth: ocistore.Auth{Method: ocistore.AuthConfigFile, ConfigFile: env.OCICreds.ConfigPath, Profile: env.OCICreds.Profile}, CAFile: env.CAFile})
	p.Shards = plan.Shards{Prefixes: prefixes}
	batch, window, threshold := e2eBatchSize, len(prefixes), 0
	p.BatchSize, p.Window = &batch, &window
	p.Limits = plan.Limits{Concurrency: 8, PartSize: e2ePartSize}
	p.Delta = plan.DeltaPolicy{MaxRounds: 3, Threshold: &threshold, Deletes: plan.DeletesDelete}
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(time.Second), MaxDuration: plan.Duration(5 * time.Minute)}
	p.Residency = plan.Residency{AllowedRegions: []string{testenv.OCIRegion}}
	p.Soak = plan.Soak{Retention: plan.Duration(24 * time.Hour)}
	p.Purge = plan.Purge{Enabled: false}
	return p
}

func shardStatus(ctx context.Context, c client.Client, mig, shard string) (workflows.ShardStatus, error) {
	var st workflows.ShardStatus
	v, err := c.QueryWorkflow(ctx, workflows.ShardWorkflowID(mig, shard), "", workflows.ShardStatusQuery)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// objectsDone sums the objects the shards of migration mig have finished,
// from their status queries.
func objectsDone(ctx context.Context, c client.Client, mig string, shards []plan.Shard) (int64, error) {
	var done int64
	for _, s := range shards {
		st, err := shardStatus(ctx, c, mig, s.ID)
		if err != nil {
			return 0, err
		}
		done += st.Counts.Objects
	}
	return done, nil
}

// TestMigrationSurvivesWorkerKill migrates 5 shards (over 5,000 objects,
// two of them multipart) to cutover on the embedded Temporal server with a
// PostgreSQL routing target, killing the worker process with SIGKILL in the
// middle of copying and starting it again. Every destination SHA-256 must
// equal its source's, and the bytes sent again after the crash must stay
// within one batch per batch in flight.
func TestMigrationSurvivesWorkerKill(t *testing.T) {
	dsn := needEnv(t, "OCIMOVE_TEST_PG_DSN", "the routing target is a real PostgreSQL")
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{Disk: true})
	src := env.S3Store(t, "e2e-src", nil)
	dst := env.OCIStore(t, "e2e-dst", nil)

	prefixes := []string{"users/00/", "users/01/", "users/02/", "users/03/", "users/04/"}
	sizes := seedShards(t, src, prefixes, 1010, map[string]bool{"users/01/": true, "users/03/": true})
	require.GreaterOrEqual(t, len(sizes), 5000)

	table := fmt.Sprintf("e2e_routes_%d", time.Now().UnixNano())
	p := localPlan(env, "e2e-kill", "e2e-src", "e2e-dst", prefixes)
	p.Cutover.Target = plan.Target{Settings: &pgroute.Settings{DSNRef: "env:OCIMOVE_ROUTING_DSN", Table: table}}
	p, _ = writePlan(t, p, dir)
	planJSON, err := p.CanonicalJSON()
	require.NoError(t, err)

	worker := buildBinary(t, "cmd/worker")
	// No --plan: the worker loads the plan from the migration workflow.
	args := []string{"--address", srv.Address(), "--task-queue", e2eTaskQueue, "--http-addr", "",
		"--max-activities", fmt.Sprint(e2eActivities), "--part-size", fmt.Sprint(e2ePartSize), "--pool-bytes", fmt.Sprint(128 << 20),
		"--concurrency", "8", "--log-level", "warn"}
	wenv := []string{"AWS_ACCESS_KEY_ID=" + testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY=" + testenv.S3SecretKey,
		"AWS_REGION=" + testenv.S3Region, "AWS_EC2_METADATA_DISABLED=true", "OCIMOVE_ROUTING_DSN=" + dsn}
	logPath := filepath.Join(dir, "worker.log")
	w := startProc(t, worker, args, wenv, logPath)

	ctx := context.Background()
	shards, err := p.ShardList()
	require.NoError(t, err)
	_, err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.MigrationWorkflowID(p.ID), TaskQueue: e2eTaskQueue},
		workflows.MigrationWorkflow, workflows.MigrationInput{
			MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), PlanJSON: planJSON, Shards: shards, Window: p.EffectiveWindow(),
			Settings: workflows.SettingsFromPlan(p, time.Now()),
		})
	require.NoError(t, err)

	// Kill the worker in the middle of copying: after some batches are done
	// and while others are in flight.
	eventually(t, 3*time.Minute, "copying to be under way", func() (bool, string) {
		done, err := objectsDone(ctx, tc, p.ID, shards)
		if err != nil {
			return false, err.Error()
		}
		return done >= 600, fmt.Sprintf("%d objects done", done)
	})
	w.kill()
	t.Log("worker killed with SIGKILL; starting it again")
	startProc(t, worker, args, wenv, logPath)

	states := map[string]workflows.ShardState{}
	eventually(t, 8*time.Minute, "every shard to be cut over", func() (bool, string) {
		all := true
		for _, s := range shards {
			st, err := shardStatus(ctx, tc, p.ID, s.ID)
			if err != nil {
				return false, err.Error()
			}
			states[s.ID] = st.State
			if st.State == workflows.Failed {
				t.Fatalf("shard %s failed: %s", s.ID, st.LastError)
			}
			if st.State != workflows.Soaking && st.State != workflows.CutOver {
				all = false
			}
		}
		return all, fmt.Sprint(states)
	})

	// Every source object is at the destination with the same SHA-256.
	srcObjs, err := store.ListAll(ctx, src, "users/")
	require.NoError(t, err)
	require.Len(t, srcObjs, len(sizes))
	for _, o := range srcObjs {
		want, _, err := hashObject(ctx, src, o.Key)
		require.NoError(t, err)
		got, n, err := hashObject(ctx, dst, o.Key)
		require.NoError(t, err, "destination %s", o.Key)
		require.Equal(t, want, got, "SHA-256 of %s", o.Key)
		require.Equal(t, sizes[o.Key], n)
	}

	// The routing target shows every shard at the destination.
	rt, err := pgroute.New(ctx, pgroute.Config{DSN: dsn, Table: table})
	require.NoError(t, err)
	defer rt.Close()
	for _, s := range shards {
		r, err := rt.Get(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, "destination", string(r.State), s.ID)
	}

	// Every object has exactly one outcome in the counters.
	var objects, copied, skipped, sent, resent, total int64
	for _, s := range shards {
		st, err := shardStatus(ctx, tc, p.ID, s.ID)
		require.NoError(t, err)
		objects += st.Counts.Objects
		copied += st.Counts.Copied
		skipped += st.Counts.Skipped
		sent += st.Counts.BytesSent
		resent += st.Counts.BytesResent
	}
	for _, n := range sizes {
		total += n
	}
	assert.Equal(t, int64(len(sizes)), objects, "every source object is counted once")
	assert.Equal(t, objects, copied+skipped, "every object was copied, or found already copied after the crash")

	// Waste after the crash: at most one batch per batch in flight. What
	// the destination received (manifests excluded) beyond the data is the
	// waste; the counters' resent bytes must stay within the same bound.
	received := env.OCIBytesIn() - manifestBytes(t, dst, p)
	bound := int64(e2eActivities) * largestBatch(sizes, prefixes)
	t.Logf("objects %d (copied %d, skipped after the crash %d); bytes: source %d, received by the destination %d (waste %d), counted sent %d, counted resent %d; bound: %d batches in flight = %d bytes",
		objects, copied, skipped, total, received, received-total, sent, resent, e2eActivities, bound)
	assert.GreaterOrEqual(t, received, total, "every byte arrived")
	assert.LessOrEqual(t, received-total, bound, "bytes sent again stay within one batch per batch in flight")
	assert.LessOrEqual(t, resent, bound, "the counters' resent bytes stay within the bound")
}

// manifestBytes sums the sizes of the migration's manifests, which the
// destination also received.
func manifestBytes(t *testing.T, dst store.Store, p *plan.Plan) int64 {
	t.Helper()
	objs, err := store.ListAll(context.Background(), dst, p.Destination.ManifestPrefix)
	require.NoError(t, err)
	var n int64
	for _, o := range objs {
		n += o.Size
	}
	return n
}

// largestBatch is the most bytes one batch of e2eBatchSize consecutive
// keys (in listing order) of one shard can hold.
func largestBatch(sizes map[string]int64, prefixes []string) int64 {
	var best int64
	for _, p := range prefixes {
		var keys []string
		for k := range sizes {
			if strings.HasPrefix(k, p) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for i := 0; i < len(keys); i++ {
			var sum int64
			for j := i; j < len(keys) && j < i+e2eBatchSize; j++ {
				sum += sizes[keys[j]]
			}
			best = max(best, sum)
		}
	}
	return best
}
