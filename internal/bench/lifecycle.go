package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/workflows"
)

// LifeOptions configure a lifecycle run: a plan of Shards shards of
// Objects objects each, migrated by Workers worker processes on the
// embedded Temporal server through every state to Complete (with the
// purge if Purge).
type LifeOptions struct {
	Shards, Objects int
	Size            int64
	Workers         int
	Purge           bool
	// Engine and plan settings (0: defaults below).
	Concurrency   int
	PoolBytes     int64
	MaxActivities int
	BatchSize     int
	Window        int
	// Address, if set, is a Temporal server to use instead of starting
	// cmd/devserver (such as `temporal server start-dev`); it must be
	// fresh for the run (migration ids are derived from the time).
	Address string
	WorkDir string
	Keep    bool
	// SampleEvery is the interval of the workers' RSS samples.
	SampleEvery time.Duration
	// Histories is how many of the largest histories the result lists.
	Histories int
	Log       *slog.Logger
}

func (o *LifeOptions) defaults() {
	o.Shards, o.Objects, o.Workers = max(o.Shards, 1), max(o.Objects, 1), max(o.Workers, 1)
	if o.Size <= 0 {
		o.Size = 256
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.PoolBytes <= 0 {
		o.PoolBytes = 64 << 20
	}
	if o.MaxActivities <= 0 {
		o.MaxActivities = 8
	}
	if o.BatchSize <= 0 {
		o.BatchSize = plan.DefaultBatchSize
	}
	if o.Window <= 0 {
		o.Window = min(o.Shards, 8)
	}
	if o.SampleEvery <= 0 {
		o.SampleEvery = time.Second
	}
	if o.Histories <= 0 {
		o.Histories = 10
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// LifeResult is what a lifecycle run measured.
type LifeResult struct {
	Options      LifeOptions `json:"options"`
	Seed         time.Duration
	Wall         time.Duration // from the start to the migration's completion
	LoadBefore   string
	LoadAfter    string
	DevserverCPU time.Duration
	// S3CPU and OCICPU are the endpoints' CPU time during the run.
	S3CPU, OCICPU time.Duration
	Workers       []WorkerStat
	// Largest are the largest histories of every run of every workflow.
	Largest []History
	// Runs is how many workflow runs there were; Over10k how many had
	// more than 10,000 events.
	Runs, Over10k int
	// HistoryError is why the histories could not be collected, if so.
	HistoryError string
}

// WorkerStat is one worker process's cost and share of the work.
type WorkerStat struct {
	PeakRSS int64
	CPU     time.Duration
	Samples []RSSSample
	// Activities counts the activity tasks it started, by activity type.
	Activities map[string]int
	identity   string
}

// History is the size of one workflow run's history.
type History struct {
	WorkflowID, RunID string
	Events, Bytes     int64
}

// RunLifecycle seeds the source, starts the endpoints, the Temporal
// server and the workers as processes, starts the plan with the starter
// and waits until the migration completes; then it checks the destination
// (and, with Purge, the empty source) and collects the histories.
func RunLifecycle(ctx context.Context, o LifeOptions) (*LifeResult, error) {
	o.defaults()
	res := &LifeResult{Options: o}
	root, cleanup, err := workDir(o.WorkDir, "ocimove-life-", o.Keep)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	bin, err := buildLocalcloud(ctx, root)
	if err != nil {
		return nil, err
	}
	bins, err := buildProduct(ctx, root)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "run")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ep, err := startEndpoints(ctx, bin, dir, []string{"life-dst", "manifests-life-dst"})
	if err != nil {
		return nil, err
	}
	defer ep.Stop()
	src, err := openS3(ctx, ep.S3URL, ep.S3Secret, srcBucket)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	o.Log.Info("seeding", "shards", o.Shards, "objects", o.Shards*o.Objects, "size", o.Size)
	if err := seedLife(ctx, src, o); err != nil {
		return nil, err
	}
	res.Seed = time.Since(t)
	o.Log.Info("seeded", "took", res.Seed.Round(time.Second))

	addr := o.Address
	var ds *exec.Cmd
	if addr == "" {
		var dsLog *os.File
		ds, dsLog, addr, err = startProcess(ctx, bins.Devserver, filepath.Join(dir, "devserver.log"), nil,
			"--db", filepath.Join(dir, "temporal.db"), "--port", "0", "--log-level", "error")
		if err != nil {
			return nil, fmt.Errorf("start devserver: %w", err)
		}
		defer stopProcess(ds, dsLog)
	}

	p := lifePlan(ep, o, fmt.Sprintf("life-%d", time.Now().Unix()), dir)
	planPath := filepath.Join(dir, "plan.json")
	pb, _ := json.MarshalIndent(p, "", "  ")
	if err := os.WriteFile(planPath, pb, 0o600); err != nil {
		return nil, err
	}
	credEnv := []string{"AWS_ACCESS_KEY_ID=" + s3AccessKey, "AWS_SECRET_ACCESS_KEY=" + ep.S3Secret,
		"AWS_REGION=" + s3Region, "AWS_EC2_METADATA_DISABLED=true"}
	type wproc struct {
		cmd  *exec.Cmd
		log  *os.File
		stop func() []RSSSample
	}
	var procs []*wproc
	defer func() {
		for _, w := range procs {
			if w.cmd.ProcessState == nil {
				stopProcess(w.cmd, w.log)
			}
		}
	}()
	for i := range o.Workers {
		wargs := []string{"--address", addr, "--task-queue", productQueue, "--http-addr", "", "--log-level", "warn",
			"--pool-bytes", fmt.Sprint(o.PoolBytes), "--concurrency", fmt.Sprint(o.Concurrency),
			"--max-activities", fmt.Sprint(o.MaxActivities)}
		cmd, lf, _, err := startProcess(ctx, bins.Worker, filepath.Join(dir, fmt.Sprintf("worker-%d.log", i)), credEnv, wargs...)
		if err != nil {
			return nil, fmt.Errorf("start worker %d: %w", i, err)
		}
		procs = append(procs, &wproc{cmd: cmd, log: lf, stop: sampleRSS(cmd.Process.Pid, o.SampleEvery)})
	}
	c, err := client.Dial(client.Options{HostPort: addr, Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("dial Temporal at %s: %w", addr, err)
	}
	defer c.Close()

	res.LoadBefore = loadavg()
	dsa := procCPU(ds)
	s3a, ocia := ep.CPU()
	start := time.Now()
	st := exec.CommandContext(ctx, bins.Starter, "start", planPath, "--address", addr, "--task-queue", productQueue, "-o", "json")
	st.Env = append(os.Environ(), credEnv...)
	if b, err := st.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("starter start: %w\n%s", err, b)
	}
	if err := waitComplete(ctx, c, p, o); err != nil {
		return nil, err
	}
	res.Wall = time.Since(start)
	res.LoadAfter = loadavg()
	res.DevserverCPU = procCPU(ds) - dsa
	s3b, ocib := ep.CPU()
	res.S3CPU, res.OCICPU = s3b-s3a, ocib-ocia
	for _, w := range procs {
		samples := w.stop()
		stopProcess(w.cmd, w.log)
		ws := WorkerStat{Samples: samples, Activities: map[string]int{},
			identity: fmt.Sprintf("%d@", w.cmd.Process.Pid)}
		if ps := w.cmd.ProcessState; ps != nil {
			ws.CPU = ps.UserTime() + ps.SystemTime()
			if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
				ws.PeakRSS = ru.Maxrss << 10
			}
		}
		res.Workers = append(res.Workers, ws)
	}
	if err := checkLife(ctx, ep, o); err != nil {
		return nil, err
	}
	o.Log.Info("migration complete", "wall", res.Wall.Round(time.Second), "perObjectMs", float64(res.Wall.Microseconds())/1000/float64(o.Shards*o.Objects),
		"devserverCPU", res.DevserverCPU.Round(time.Second), "load", res.LoadAfter)
	for i, ws := range res.Workers {
		o.Log.Info("worker", "n", i+1, "peakRSS_MiB", ws.PeakRSS>>20, "cpu", ws.CPU.Round(time.Second),
			"rss10to20_MiB", windowMax(ws.Samples, 0.1, 0.2)>>20, "rss90to100_MiB", windowMax(ws.Samples, 0.9, 1)>>20)
	}
	if err := collectHistories(ctx, c, p, res); err != nil {
		res.HistoryError = err.Error()
		o.Log.Error("collecting the histories failed; the report shows none", "err", err)
	}
	return res, nil
}

// lifeKey is object j of shard i.
func lifeKey(i, j int) string { return fmt.Sprintf("%s%06d", lifePrefix(i), j) }

func lifePrefix(i int) string { return fmt.Sprintf("u/%04d/", i) }

// seedLife writes every object with 32 PUTs in flight.
func seedLife(ctx context.Context, src store.Store, o LifeOptions) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for i := range o.Shards {
		for j := range o.Objects {
			g.Go(func() error {
				b := lifeContent(i, j, o.Size)
				if _, err := src.Put(ctx, lifeKey(i, j), bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
					return fmt.Errorf("seed %s: %w", lifeKey(i, j), err)
				}
				return nil
			})
		}
	}
	return g.Wait()
}

// lifeContent is the deterministic content of object j of shard i.
func lifeContent(i, j int, size int64) []byte {
	b := make([]byte, size)
	_, _ = io.ReadFull(content(fmt.Sprintf("life-%d", i), j), b)
	return b
}

// lifePlan is the lifecycle run's plan: every state to Complete with
// automatic approval and a one-second soak.
func lifePlan(ep *Endpoints, o LifeOptions, id, dir string) *plan.Plan {
	set := Set{Name: "life", Concurrency: o.Concurrency, PartSize: 16 << 20}
	p := productPlan(ep, set, id, "life-dst", dir)
	p.Destination.ManifestBucket = "manifests-life-dst"
	var prefixes []string
	for i := range o.Shards {
		prefixes = append(prefixes, lifePrefix(i))
	}
	p.Shards = plan.Shards{Prefixes: prefixes}
	batch, window, threshold := o.BatchSize, o.Window, 0
	p.BatchSize, p.Window = &batch, &window
	p.Limits = plan.Limits{Concurrency: o.Concurrency, PartSize: 16 << 20}
	p.Delta = plan.DeltaPolicy{MaxRounds: 3, Threshold: &threshold, Deletes: plan.DeletesDelete}
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(100 * time.Millisecond), MaxDuration: plan.Duration(30 * time.Minute)}
	p.Cutover.Approval = plan.ApprovalAuto
	p.Soak = plan.Soak{Retention: plan.Duration(time.Second)}
	p.Purge = plan.Purge{Enabled: o.Purge}
	return p
}

// waitComplete waits until the migration workflow completes, logging its
// progress every 15 seconds.
func waitComplete(ctx context.Context, c client.Client, p *plan.Plan, o LifeOptions) error {
	id := workflows.MigrationWorkflowID(p.ID)
	deadline := time.Now().Add(6 * time.Hour)
	lastLog := time.Now()
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err == nil {
			switch d.GetWorkflowExecutionInfo().GetStatus() {
			case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
				return nil
			case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
			default:
				return fmt.Errorf("migration %s ended %s", p.ID, d.GetWorkflowExecutionInfo().GetStatus())
			}
		}
		if time.Since(lastLog) > 15*time.Second {
			lastLog = time.Now()
			if v, err := c.QueryWorkflow(ctx, id, "", workflows.MigrationStatusQuery); err == nil {
				var ms workflows.MigrationStatus
				if v.Get(&ms) == nil {
					if ms.ByState[workflows.Failed] > 0 {
						return fmt.Errorf("shards failed: %v (see starter status %s)", ms.ByState, p.ID)
					}
					o.Log.Info("progress", "byState", ms.ByState, "objectsDone", ms.ObjectsDone, "load", loadavg())
				}
			}
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("migration %s did not complete in 6h", p.ID)
}

// checkLife checks the destination holds every object with its size (and
// a few by content), and with Purge that the source is empty.
func checkLife(ctx context.Context, ep *Endpoints, o LifeOptions) error {
	dst, err := openOCI(ctx, ep.OCIURL, ep.OCIConfig, ep.OCIProfile, "life-dst")
	if err != nil {
		return err
	}
	n := 0
	after := ""
	for {
		page, err := dst.List(ctx, store.ListOptions{StartAfter: after})
		if err != nil {
			return err
		}
		for _, ob := range page.Objects {
			if ob.Size != o.Size {
				return fmt.Errorf("destination %s is %d bytes, want %d", ob.Key, ob.Size, o.Size)
			}
			n++
		}
		if !page.Truncated || len(page.Objects) == 0 {
			break
		}
		after = page.Objects[len(page.Objects)-1].Key
	}
	if want := o.Shards * o.Objects; n != want {
		return fmt.Errorf("destination holds %d objects, want %d", n, want)
	}
	for _, k := range [][2]int{{0, 0}, {o.Shards - 1, o.Objects - 1}, {o.Shards / 2, o.Objects / 2}} {
		rc, _, err := dst.Get(ctx, lifeKey(k[0], k[1]), store.GetOptions{})
		if err != nil {
			return err
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, lifeContent(k[0], k[1], o.Size)) {
			return fmt.Errorf("destination %s differs from what was seeded (%v)", lifeKey(k[0], k[1]), err)
		}
	}
	if o.Purge {
		src, err := openS3(ctx, ep.S3URL, ep.S3Secret, srcBucket)
		if err != nil {
			return err
		}
		page, err := src.List(ctx, store.ListOptions{})
		if err != nil {
			return err
		}
		if len(page.Objects) > 0 {
			return fmt.Errorf("the purge left %s (and maybe more) at the source", page.Objects[0].Key)
		}
	}
	return nil
}
