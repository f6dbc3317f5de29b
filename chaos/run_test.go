//go:build chaos

package chaos_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/workflows"
)

// Sizes of the migrations.
const (
	partSize    = 10 << 20 // OCI's minimum part size
	largeObject = 2*partSize + 4321
	shardCount  = 8
)

// opts is one scenario's migration.
type opts struct {
	n             int // scenario number: buckets, table, task queue
	perShard      int // small objects per shard
	large         int // shards with one multipart object
	workers       int
	maxActivities int
	batch         int
	// bytesPerSecond bounds each worker's source reads (0: none), so that
	// copying lasts long enough for a scenario's faults.
	bytesPerSecond int64
	// edit changes the plan before it is written.
	edit func(*plan.Plan)
}

// sized returns the full or short form's object counts.
func sized(c *cluster, o opts, fullPerShard, shortPerShard int) opts {
	if c.full {
		o.perShard = fullPerShard
	} else {
		o.perShard = shortPerShard
	}
	return o
}

// run is one scenario's migration and its workers.
type run struct {
	t       *testing.T
	c       *cluster
	o       opts
	rng     *rand.Rand
	seed    uint64
	p       *plan.Plan
	shards  []plan.Shard
	table   string
	queue   string
	sides   *sides
	sizes   map[string]int64
	workers []*worker
	scrape  *scraper
	putBase int64
	started time.Time
	kills   int
}

// worker is one worker process and the address of its /metrics.
type worker struct {
	*proc
	addr string
}

// newRun seeds the scenario's source bucket, writes its plan and starts its
// workers; start begins the migration.
func newRun(t *testing.T, o opts) *run {
	t.Helper()
	c := need(t)
	if o.workers == 0 {
		o.workers = 2
	}
	if o.maxActivities == 0 {
		o.maxActivities = 4
	}
	if o.batch == 0 {
		o.batch = 100
	}
	seed := c.seed ^ uint64(o.n)*0x9e3779b97f4a7c15
	r := &run{t: t, c: c, o: o, seed: seed, rng: rand.New(rand.NewPCG(seed, uint64(o.n))),
		table: fmt.Sprintf("chaos_routes_%02d_%d", o.n, time.Now().UnixNano()%1e9), queue: fmt.Sprintf("chaos-%02d", o.n)}
	t.Logf("scenario %d: seed %d (suite seed %d; replay with OCIMOVE_CHAOS_SEED=%d), %d shards x %d objects + %d multipart, %d workers, load %s",
		o.n, seed, c.seed, c.seed, shardCount, o.perShard, o.large, o.workers, loadAvg())
	t.Cleanup(c.resetFaults)
	var err error
	r.sides, err = newSides(c, o.n)
	require.NoError(t, err)
	r.seedSource()
	r.writePlan()
	_, r.putBase, err = faultStats(c.ociURL)
	require.NoError(t, err)
	r.scrape = newScraper(r.p.ID)
	t.Cleanup(r.scrape.stop)
	for i := 0; i < o.workers; i++ {
		r.addWorker()
	}
	t.Cleanup(func() {
		for _, w := range r.workers {
			w.stop()
		}
		if t.Failed() {
			t.Logf("state and logs in %s (OCIMOVE_CHAOS_KEEP=1 keeps them after the run)", c.dir)
		}
	})
	// Registered after the workers' clean-up, so it runs first: the
	// status query needs a live worker.
	t.Cleanup(func() {
		if t.Failed() {
			r.dumpShards()
		}
	})
	return r
}

// dumpShards logs every shard's status and recorded transitions: the
// evidence of a failed scenario, read from the workflows themselves.
func (r *run) dumpShards() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := r.statuses(ctx)
	if err != nil {
		r.t.Logf("shard statuses: %v", err)
		return
	}
	for _, s := range r.shards {
		v := st[s.ID]
		req := "none"
		if v.Request != nil {
			req = fmt.Sprintf("%s by %s at %s (%s)", v.Request.Action, v.Request.Actor, v.Request.At.Format(time.TimeOnly), v.Request.Reason)
		}
		r.t.Logf("shard %s: %s paused=%v route=%s v%d op=%q request=%s restore=%+v freezes=%d rollbacks=%d lastError=%q (%d transitions, %d runs)",
			s.ID, v.State, v.Paused, v.RouteState, v.RouteVersion, v.RouteOp, req, v.Restore, v.Freezes, v.Rollbacks, v.LastError, v.TransitionCount, v.Runs)
		for _, tr := range v.Transitions {
			r.t.Logf("  %s %s→%s %s [%s] %s", tr.At.Format("15:04:05.000"), tr.From, tr.To, tr.Action, tr.Actor, trim(tr.Reason, 200))
		}
	}
}

// keyOf names the i-th small object of a shard.
func keyOf(prefix string, i int) string { return fmt.Sprintf("%suser-%05d/profile.json", prefix, i) }

func (r *run) prefix(i int) string { return fmt.Sprintf("users/%02d/", i) }

// seedSource writes the objects through the S3 SDK: small ones of random
// sizes, and one multipart-sized object in each of the first o.large shards.
func (r *run) seedSource() {
	t := r.t
	type job struct {
		key  string
		size int
	}
	var jobs []job
	for s := 0; s < shardCount; s++ {
		for i := 0; i < r.o.perShard; i++ {
			jobs = append(jobs, job{keyOf(r.prefix(s), i), 512 + r.rng.IntN(3584)})
		}
		if s < r.o.large {
			jobs = append(jobs, job{r.prefix(s) + "user-00042/avatar-original.bin", largeObject})
		}
	}
	r.sizes = map[string]int64{}
	for _, j := range jobs {
		r.sizes[j.key] = int64(j.size)
	}
	began := time.Now()
	require.NoError(t, parallel(16, len(jobs), func(i int) error {
		return r.putSource(jobs[i].key, randomBytes(jobs[i].key, jobs[i].size, 0))
	}))
	t.Logf("seeded %d objects in %s", len(jobs), time.Since(began).Round(time.Millisecond))
}

// putSource writes one source object, as the application would.
func (r *run) putSource(key string, data []byte) error {
	_, err := r.sides.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(r.sides.src), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))})
	if err != nil {
		return fmt.Errorf("seed %s: %w", key, err)
	}
	return nil
}

// randomBytes is the content of key, version v: random, and reproducible.
func randomBytes(key string, n int, v uint64) []byte {
	var h uint64 = 1469598103934665603
	for _, b := range []byte(key) {
		h = (h ^ uint64(b)) * 1099511628211
	}
	rr := rand.New(rand.NewPCG(h, uint64(n)+v))
	data := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		x := rr.Uint64()
		for j := 0; j < 8; j++ {
			data[i+j] = byte(x >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		data[i] = byte(rr.Uint32())
	}
	return data
}

// writePlan writes the scenario's plan: the endpoints and PostgreSQL
// through their proxies, automatic approval, a 24 h soak and no purge.
func (r *run) writePlan() {
	t, c := r.t, r.c
	p := plan.Example()
	p.ID, p.Name = fmt.Sprintf("chaos-%02d-%d", r.o.n, time.Now().Unix()), fmt.Sprintf("chaos scenario %d", r.o.n)
	p.Sources.Primary = plan.PrimarySource{Location: plan.At(&s3store.Settings{Bucket: srcBucket(r.o.n), Region: s3Region, Endpoint: c.s3ProxyURL(), UsePathStyle: true})}
	p.Sources.Copies = nil
	p.Destination.Location = plan.At(&ocistore.Settings{Namespace: ociNS, Region: ociRegion, Bucket: dstBucket(r.o.n), Endpoint: c.ociProxyURL(),
		Auth: ocistore.Auth{Method: ocistore.AuthConfigFile, ConfigFile: c.ociCreds, Profile: "DEFAULT"}})
	var prefixes []string
	for s := 0; s < shardCount; s++ {
		prefixes = append(prefixes, r.prefix(s))
	}
	p.Shards = plan.Shards{Prefixes: prefixes}
	batch, window, threshold := r.o.batch, shardCount, 0
	p.BatchSize, p.Window = &batch, &window
	p.Limits = plan.Limits{Concurrency: 8, PartSize: partSize, BytesPerSecond: r.o.bytesPerSecond}
	p.Delta = plan.DeltaPolicy{MaxRounds: 5, Threshold: &threshold, Deletes: plan.DeletesDelete}
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(time.Second), MaxDuration: plan.Duration(3 * time.Minute)}
	p.Cutover = plan.Cutover{Target: plan.Target{Settings: &pgroute.Settings{DSNRef: "env:OCIMOVE_ROUTING_DSN", Table: r.table}}, Approval: plan.ApprovalAuto}
	p.Residency = plan.Residency{AllowedRegions: []string{ociRegion}}
	p.Soak = plan.Soak{Retention: plan.Duration(24 * time.Hour)}
	p.Purge = plan.Purge{Enabled: false}
	if r.o.edit != nil {
		r.o.edit(p)
	}
	data, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(c.dir, p.ID+".json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	r.p, err = plan.LoadFile(path)
	require.NoError(t, err)
	r.shards, err = r.p.ShardList()
	require.NoError(t, err)
}

// addWorker starts one more worker process on the scenario's task queue.
func (r *run) addWorker() *worker {
	port, err := freePort()
	require.NoError(r.t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	i := len(r.workers)
	args := []string{"--address", r.c.tAddr, "--task-queue", r.queue, "--http-addr", addr,
		"--max-activities", strconv.Itoa(r.o.maxActivities), "--concurrency", "8", "--part-size", strconv.Itoa(partSize),
		"--pool-bytes", strconv.Itoa(128 << 20), "--log-level", "warn", "--stop-timeout", "5s"}
	env := []string{"AWS_ACCESS_KEY_ID=" + s3AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3SecretKey, "AWS_REGION=" + s3Region,
		"AWS_EC2_METADATA_DISABLED=true", "OCIMOVE_ROUTING_DSN=" + r.c.pgProxDSN}
	w := &worker{proc: newProc(fmt.Sprintf("worker-%d", i), r.c.bins["worker"], args, env,
		filepath.Join(r.c.dir, fmt.Sprintf("%s-worker-%d.log", r.p.ID, i))), addr: addr}
	require.NoError(r.t, w.start(time.Minute))
	r.workers = append(r.workers, w)
	r.scrape.watch(w)
	return w
}

// restart starts a killed worker again (same address, new incarnation).
func (r *run) restart(w *worker) {
	require.NoError(r.t, w.start(time.Minute))
	r.scrape.watch(w)
}

// killRandom SIGKILLs a random live worker and returns it.
func (r *run) killRandom() *worker {
	var live []*worker
	for _, w := range r.workers {
		if w.alive() {
			live = append(live, w)
		}
	}
	require.NotEmpty(r.t, live, "a live worker to kill")
	w := live[r.rng.IntN(len(live))]
	r.scrape.once(w) // the last count before the kill
	w.kill()
	r.kills++
	return w
}

// start begins the migration, as the starter's start does.
func (r *run) start() {
	planJSON, err := r.p.CanonicalJSON()
	require.NoError(r.t, err)
	var est workflows.Estimate
	for _, n := range r.sizes {
		est.Objects++
		est.Bytes += n
	}
	_, err = r.c.tc.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: workflows.MigrationWorkflowID(r.p.ID), TaskQueue: r.queue},
		workflows.MigrationWorkflow, workflows.MigrationInput{MigrationID: r.p.ID, PlanFingerprint: r.p.Fingerprint(), PlanJSON: planJSON,
			Shards: r.shards, Window: r.p.EffectiveWindow(), Settings: workflows.SettingsFromPlan(r.p, time.Now()), Estimate: est})
	require.NoError(r.t, err)
	r.started = time.Now()
}

// statuses asks every shard workflow for its status; a shard not started
// yet is Pending.
func (r *run) statuses(ctx context.Context) (map[string]workflows.ShardStatus, error) {
	out := map[string]workflows.ShardStatus{}
	for _, s := range r.shards {
		var st workflows.ShardStatus
		v, err := r.c.tc.QueryWorkflow(ctx, workflows.ShardWorkflowID(r.p.ID, s.ID), "", workflows.ShardStatusQuery)
		var nf *serviceerror.NotFound
		switch {
		case errors.As(err, &nf):
			st.State = workflows.Pending
		case err != nil:
			return nil, err
		default:
			if err := v.Get(&st); err != nil {
				return nil, err
			}
		}
		out[s.ID] = st
	}
	return out, nil
}

// waitShards polls the shards' statuses until cond holds, within timeout.
func (r *run) waitShards(what string, timeout time.Duration, cond func(map[string]workflows.ShardStatus) bool) map[string]workflows.ShardStatus {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last map[string]workflows.ShardStatus
	state, err := waitFor(ctx, time.Second, func() (bool, string) {
		qctx, qcancel := context.WithTimeout(ctx, 10*time.Second)
		defer qcancel()
		st, err := r.statuses(qctx)
		if err != nil {
			return false, err.Error()
		}
		last = st
		return cond(st), describeStates(st)
	})
	if err != nil {
		r.t.Fatalf("scenario %d (seed %d): timed out after %s waiting for %s; last seen: %s", r.o.n, r.c.seed, timeout, what, state)
	}
	return last
}

// copied sums the objects the shards have counted.
func copied(st map[string]workflows.ShardStatus) int64 {
	var n int64
	for _, s := range st {
		n += s.Counts.Objects
	}
	return n
}

// allIn reports whether every shard is in one of states.
func allIn(st map[string]workflows.ShardStatus, states ...workflows.ShardState) bool {
	for _, s := range st {
		ok := false
		for _, want := range states {
			ok = ok || s.State == want
		}
		if !ok {
			return false
		}
	}
	return len(st) > 0
}

// cutOver is the end most scenarios expect: every shard cut over (and
// soaking); a Failed shard fails the test at once.
func (r *run) cutOver(timeout time.Duration) map[string]workflows.ShardStatus {
	return r.waitShards("every shard cut over", timeout, func(st map[string]workflows.ShardStatus) bool {
		for id, s := range st {
			if s.State == workflows.Failed {
				r.t.Fatalf("scenario %d (seed %d): shard %s failed: %s", r.o.n, r.c.seed, id, s.LastError)
			}
		}
		return allIn(st, workflows.Soaking)
	})
}

func describeStates(st map[string]workflows.ShardStatus) string {
	var ids []string
	for id := range st {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		s := st[id]
		fmt.Fprintf(&b, "%s=%s(%d) ", id, s.State, s.Counts.Objects)
		if s.LastError != "" {
			fmt.Fprintf(&b, "[%s] ", trim(s.LastError, 120))
		}
	}
	return b.String()
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// parallel runs fn(0..n-1) on k goroutines and returns the first error.
func parallel(k, n int, fn func(i int) error) error {
	var mu sync.Mutex
	var first error
	ch := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < k; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		ch <- i
	}
	close(ch)
	wg.Wait()
	return first
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func quietLogger() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

// scraper reads the workers' /metrics every second and keeps, for every
// incarnation of every worker, the last values of the counters it sums.
type scraper struct {
	migration string
	mu        sync.Mutex
	last      map[string]counters // incarnation → counters
	live      map[*worker]string  // worker → its current incarnation
	seq       int
	done      chan struct{}
	once1     sync.Once
}

// counters are a worker's engine counters of one migration.
type counters struct {
	Written float64 // ocimove_written_bytes_total
	Objects float64 // ocimove_object_bytes_total{outcome="copied"}
}

func newScraper(migration string) *scraper {
	s := &scraper{migration: migration, last: map[string]counters{}, live: map[*worker]string{}, done: make(chan struct{})}
	go func() {
		for {
			select {
			case <-s.done:
				return
			case <-time.After(time.Second):
			}
			s.mu.Lock()
			ws := make([]*worker, 0, len(s.live))
			for w := range s.live {
				ws = append(ws, w)
			}
			s.mu.Unlock()
			for _, w := range ws {
				s.once(w)
			}
		}
	}()
	return s
}

func (s *scraper) stop() { s.once1.Do(func() { close(s.done) }) }

// watch starts scraping a new incarnation of w.
func (s *scraper) watch(w *worker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.live[w] = fmt.Sprintf("%s#%d", w.name, s.seq)
}

// once scrapes w now.
func (s *scraper) once(w *worker) {
	s.mu.Lock()
	inc := s.live[w]
	s.mu.Unlock()
	cl := http.Client{Timeout: 2 * time.Second}
	res, err := cl.Get("http://" + w.addr + "/metrics")
	if err != nil {
		return
	}
	defer res.Body.Close()
	var c counters
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	mig := fmt.Sprintf(`migration="%s"`, s.migration)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, mig) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "ocimove_written_bytes_total{"):
			c.Written += v
		case strings.HasPrefix(line, "ocimove_object_bytes_total{") && strings.Contains(line, `outcome="copied"`):
			c.Objects += v
		}
	}
	s.mu.Lock()
	if c.Written >= s.last[inc].Written {
		s.last[inc] = c
	}
	s.mu.Unlock()
}

// total sums every incarnation's last counters.
func (s *scraper) total() counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t counters
	for _, c := range s.last {
		t.Written += c.Written
		t.Objects += c.Objects
	}
	return t
}
