package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/dustin/go-humanize"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/progress"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/workflows"
)

// ErrInterrupted is returned (wrapped) when ctx ends before every shard is
// cut over; the state directory keeps everything for the next run.
var ErrInterrupted = errors.New("demo: interrupted")

// Result is what a run did and where it left things.
type Result struct {
	Dir         string `json:"dir"`
	MigrationID string `json:"migrationId"`
	WorkflowID  string `json:"workflowId"`
	RunID       string `json:"runId"`
	// Resumed is true when the migration workflow existed before this run.
	Resumed bool `json:"resumed"`
	// Seeded is true when this run wrote the sample data.
	Seeded bool `json:"seeded"`
	// Source is what the source bucket was seeded with.
	Source Size        `json:"source"`
	Shards []ShardView `json:"shards"`
	// Paths in the state directory, and the manifests' location.
	PlanPath    string   `json:"planPath"`
	RoutesPath  string   `json:"routesPath"`
	ManifestURL string   `json:"manifestUrl"`
	ManifestDir string   `json:"manifestDir"`
	ReportPaths []string `json:"reportPaths,omitempty"`
	EvidenceDir string   `json:"evidenceDir,omitempty"`
	// EvidencePubKey is the public key the evidence verifies with.
	EvidencePubKey string `json:"evidencePubKey,omitempty"`
	TemporalAddr   string `json:"temporalAddr"`
	// WebUI is the Temporal Web UI's URL while the demo runs.
	WebUI   string        `json:"webUi,omitempty"`
	Elapsed time.Duration `json:"elapsed"`
}

// Run runs the demo as cfg says until every shard is cut over (CutOver or
// Soaking), then prints where the plan, routing file, manifests, report
// and evidence are. It resumes the migration found in cfg.Dir. When ctx
// ends first it stops everything cleanly and returns ErrInterrupted.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	began := time.Now()
	dir, err := prepareDir(cfg.Dir, cfg.Fresh)
	if err != nil {
		return nil, err
	}
	r := &demoRun{cfg: cfg, dir: dir, out: cfg.Out,
		res: &Result{Dir: dir, MigrationID: MigrationID, WorkflowID: workflows.MigrationWorkflowID(MigrationID)}}
	defer r.close()
	if err := r.openState(); err != nil {
		return nil, err
	}
	if err := r.openLog(); err != nil {
		return nil, err
	}
	// Temporal first: its lock on temporal.db keeps a second demo off the
	// same directory.
	if err := r.startTemporal(ctx); err != nil {
		return nil, interrupted(ctx, err)
	}
	if err := r.startEndpoints(ctx); err != nil {
		return nil, interrupted(ctx, err)
	}
	if err := r.startWorker(); err != nil {
		return nil, err
	}
	run, err := r.startMigration(ctx)
	if err != nil {
		return nil, interrupted(ctx, err)
	}

	res := r.res
	views, err := watch(ctx, cfg, r.c, run, r.p, r.st)
	res.Shards = views
	if err != nil {
		if errors.Is(err, ErrInterrupted) {
			fmt.Fprintf(r.out, "\nstopping: the worker checkpoints its batches in flight; run the same command again to resume (state in %s)\n", dir)
		}
		return res, err
	}
	if err := finish(ctx, dir, r.c, r.e, r.p, r.st, res); err != nil {
		return res, interrupted(ctx, err)
	}
	// Shards move from CutOver to Soaking at once; show where they are now.
	res.Shards = pollShards(ctx, r.c, r.p.ID, res.Shards)
	res.Elapsed = time.Since(began)
	summarize(r.out, res)
	return res, nil
}

// demoRun holds what one run of the demo has started, to stop it in
// reverse order.
type demoRun struct {
	cfg     Config
	dir     string
	out     io.Writer
	res     *Result
	st      *State
	existed bool
	c       client.Client
	e       *Endpoints
	p       *plan.Plan
	closers []func()
}

// close stops what the run started, last started first.
func (r *demoRun) close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

// openState loads the demo's state from its directory, or starts one of
// the size asked for.
func (r *demoRun) openState() error {
	st, existed, err := loadState(r.dir)
	if err != nil {
		return err
	}
	cfg := r.cfg
	if !existed {
		st = &State{Version: stateVersion, Shards: cfg.Shards, Objects: cfg.Objects, LargeObjectBytes: cfg.LargeObjectBytes,
			PartSize: cfg.PartSize, PlanStart: time.Now().UTC().Truncate(time.Second), CreatedAt: time.Now().UTC()}
	}
	r.st, r.existed = st, existed
	fmt.Fprintf(r.out, "ocimove demo · state in %s\n", r.dir)
	if existed && (st.Shards != cfg.Shards || st.Objects != cfg.Objects || st.LargeObjectBytes != cfg.LargeObjectBytes) {
		fmt.Fprintf(r.out, "note: resuming the demo seeded with %d shards and %d objects; --fresh starts one of the size asked for\n", st.Shards, st.Objects)
	}
	return nil
}

// openLog sends the process's logs (the worker's and the server's) to the
// worker log in the state directory while the demo runs.
func (r *demoRun) openLog() error {
	logf, err := os.OpenFile(filepath.Join(r.dir, workerLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("demo: open worker log: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	prev := slog.Default()
	slog.SetDefault(log)
	r.closers = append(r.closers, func() { _ = logf.Close() }, func() { slog.SetDefault(prev) })
	return nil
}

// startTemporal starts the embedded server persisted in the state
// directory and connects to it.
func (r *demoRun) startTemporal(ctx context.Context) error {
	srv, c, err := startTemporal(ctx, r.dir, r.st, slog.Default())
	if err != nil {
		return err
	}
	r.closers = append(r.closers, func() { _ = srv.Stop() }, c.Close)
	r.c = c
	r.res.TemporalAddr = srv.Address()
	fmt.Fprintf(r.out, "Temporal     embedded server at %s (namespace %s), persisted in %s\n", srv.Address(), srv.Namespace(), filepath.Join(r.dir, temporalDB))
	if ui := srv.UIAddress(); ui != "" {
		r.res.WebUI = ui
		fmt.Fprintf(r.out, "Web UI       %s (namespace %s; the migration's workflow is %s)\n", ui, srv.Namespace(), workflows.MigrationWorkflowID(MigrationID))
	}
	return nil
}

// startEndpoints starts the local S3 and OCI endpoints on the state
// directory and seeds the source the first time.
func (r *demoRun) startEndpoints(ctx context.Context) error {
	e, err := startEndpoints(r.dir, r.st)
	if err != nil {
		return err
	}
	r.closers = append(r.closers, e.Close)
	r.e = e
	if err := r.st.save(r.dir); err != nil {
		return err
	}
	fmt.Fprintf(r.out, "source       s3://%s on the local S3 endpoint %s (%s), data in %s\n", SourceBucket, e.S3URL, S3Region, filepath.Join(r.dir, s3Dir))
	fmt.Fprintf(r.out, "destination  oci://%s/%s on the local OCI endpoint %s (%s), data in %s\n", Namespace, DestBucket, e.OCIURL, OCIRegion, filepath.Join(r.dir, ociDir))
	if !r.st.Seeded {
		if err := seedSource(ctx, r.out, e, r.st); err != nil {
			return err
		}
		if err := r.st.save(r.dir); err != nil {
			return err
		}
		r.res.Seeded = true
	}
	r.res.Source = r.st.Total()
	return nil
}

// startWorker writes (or reads back) the plan and starts the worker.
func (r *demoRun) startWorker() error {
	p, planPath, err := loadOrWritePlan(r.dir, demoPlan(r.dir, r.st, r.e))
	if err != nil {
		return err
	}
	r.p = p
	r.res.PlanPath = planPath
	if f, ok := p.Cutover.Target.Settings.(*fileroute.Settings); ok { // the demo's routing target is a file
		r.res.RoutesPath = f.Path
	}
	fmt.Fprintf(r.out, "plan         %s (%d shards, batches of %d, automatic cutover, soak %s, no purge)\n",
		planPath, r.st.Shards, p.EffectiveBatchSize(), p.Soak.Retention)
	if err := setWorkerEnv(r.e.s3Creds); err != nil {
		return err
	}
	w, err := startWorker(r.c, p, r.st.PartSize)
	if err != nil {
		return err
	}
	r.closers = append(r.closers, w.Stop)
	return r.st.save(r.dir)
}

// startMigration starts the migration workflow, or attaches to the one an
// earlier run started.
func (r *demoRun) startMigration(ctx context.Context) (client.WorkflowRun, error) {
	run, resumed, err := startOrAttach(ctx, r.c, r.p, r.st)
	if err != nil {
		return nil, err
	}
	r.res.Resumed, r.res.RunID = resumed, run.GetRunID()
	if resumed {
		fmt.Fprintf(r.out, "migration    resuming workflow %s (run %s)\n", run.GetID(), run.GetRunID())
	} else {
		fmt.Fprintf(r.out, "migration    started workflow %s (run %s) on task queue %s\n", run.GetID(), run.GetRunID(), TaskQueue)
	}
	fmt.Fprintln(r.out)
	return run, nil
}

// prepareDir makes dir absolute and creates it; with fresh it first
// deletes it, but only when it is empty or holds a demo's state.
func prepareDir(dir string, fresh bool) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("demo: --dir %q: %w", dir, err)
	}
	if fresh {
		entries, err := os.ReadDir(abs)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return "", fmt.Errorf("demo: --dir %s: %w", abs, err)
		case len(entries) > 0:
			if _, err := os.Stat(filepath.Join(abs, stateFile)); err != nil {
				return "", fmt.Errorf("demo: --fresh would delete %s, which holds no demo state (%s); pick another --dir", abs, stateFile)
			}
			if err := os.RemoveAll(abs); err != nil {
				return "", fmt.Errorf("demo: --fresh: delete %s: %w", abs, err)
			}
		}
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("demo: create --dir %s: %w", abs, err)
	}
	return abs, nil
}

// interrupted turns err into ErrInterrupted when ctx has ended.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrInterrupted, err)
	}
	return err
}

// seedSource writes the sample data into the source bucket and records it
// in st.
func seedSource(ctx context.Context, out io.Writer, e *Endpoints, st *State) error {
	objs := sampleObjects(st.Shards, st.Objects, st.LargeObjectBytes)
	var bytes int64
	for _, o := range objs {
		bytes += o.size
	}
	fmt.Fprintf(out, "seeding      %s objects (%s) into %d shards users/00/ … %s", humanize.Comma(int64(len(objs))), progress.Bytes(bytes), st.Shards, shardPrefix(st.Shards-1))
	if st.LargeObjectBytes > 0 {
		fmt.Fprintf(out, ", one of them %s (multipart at the destination, parts of %s)", progress.Bytes(st.LargeObjectBytes), progress.Bytes(st.PartSize))
	}
	fmt.Fprintln(out)
	src, err := e.Source(ctx)
	if err != nil {
		return fmt.Errorf("demo: open the source bucket: %w", err)
	}
	t := time.Now()
	sizes, err := seed(ctx, src, objs, st.Shards)
	if err != nil {
		return err
	}
	st.Seed, st.Seeded = sizes, true
	fmt.Fprintf(out, "seeded       in %s\n", time.Since(t).Round(100*time.Millisecond))
	return nil
}

// watch shows the shards' progress until every shard is cut over, a shard
// fails, the migration workflow ends, or ctx ends.
func watch(ctx context.Context, cfg Config, c client.Client, run client.WorkflowRun, p *plan.Plan, st *State) ([]ShardView, error) {
	shards, err := p.ShardList()
	if err != nil {
		return nil, err
	}
	views := make([]ShardView, len(shards))
	for i, s := range shards {
		views[i] = ShardView{ID: s.ID, Prefix: s.Prefix, State: workflows.Pending, Total: st.Seed[s.Prefix],
			status: workflows.ShardStatus{MigrationID: p.ID, ShardID: s.ID, Prefix: s.Prefix, State: workflows.Pending}}
	}
	ended := make(chan error, 1)
	go func() {
		var r workflows.MigrationResult
		ended <- run.Get(ctx, &r)
	}()
	var deadline <-chan time.Time
	if cfg.Timeout > 0 {
		t := time.NewTimer(cfg.Timeout)
		defer t.Stop()
		deadline = t.C
	}
	pr := newDisplay(cfg.Out, cfg.Redraw)
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	poll := time.NewTicker(min(cfg.Interval, time.Second))
	defer poll.Stop()
	first := true
	for {
		views = pollShards(ctx, c, p.ID, views)
		if ctx.Err() != nil {
			return views, ErrInterrupted
		}
		all, failed := true, []string(nil)
		for _, v := range views {
			all = all && v.cutOver()
			if v.State == workflows.Failed {
				failed = append(failed, fmt.Sprintf("%s: %s", v.Prefix, v.LastError))
			}
		}
		if first || all || len(failed) > 0 {
			first = false
			pr.draw(ctx, c, p.ID, views)
		}
		if all || len(failed) > 0 {
			if len(failed) > 0 {
				return views, fmt.Errorf("demo: %d shard(s) failed and wait for an operator (state kept for a re-run; --fresh starts over):\n  %s",
					len(failed), strings.Join(failed, "\n  "))
			}
			return views, nil
		}
		select {
		case <-ctx.Done():
			return views, ErrInterrupted
		case err := <-ended:
			if ctx.Err() != nil {
				return views, ErrInterrupted
			}
			if err != nil {
				return views, fmt.Errorf("demo: the migration workflow ended before every shard was cut over: %w", err)
			}
			ended = nil // completed: the final poll shows the shards
		case <-deadline:
			pr.draw(ctx, c, p.ID, views)
			return views, fmt.Errorf("demo: not every shard was cut over within %s", cfg.Timeout)
		case <-tick.C:
			pr.draw(ctx, c, p.ID, views)
		case <-poll.C:
		}
	}
}
