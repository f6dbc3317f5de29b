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
	out := cfg.Out
	res := &Result{Dir: dir, MigrationID: MigrationID, WorkflowID: workflows.MigrationWorkflowID(MigrationID)}

	st, existed, err := loadState(dir)
	if err != nil {
		return nil, err
	}
	if !existed {
		st = &State{Version: stateVersion, Shards: cfg.Shards, Objects: cfg.Objects, LargeObjectBytes: cfg.LargeObjectBytes,
			PartSize: cfg.PartSize, PlanStart: time.Now().UTC().Truncate(time.Second), CreatedAt: time.Now().UTC()}
	}
	fmt.Fprintf(out, "ocimove demo · state in %s\n", dir)
	if existed && (st.Shards != cfg.Shards || st.Objects != cfg.Objects || st.LargeObjectBytes != cfg.LargeObjectBytes) {
		fmt.Fprintf(out, "note: resuming the demo seeded with %d shards and %d objects; --fresh starts one of the size asked for\n", st.Shards, st.Objects)
	}

	logf, err := os.OpenFile(filepath.Join(dir, workerLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("demo: open worker log: %w", err)
	}
	defer logf.Close()
	log := slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	prevLog := slog.Default()
	slog.SetDefault(log)
	defer slog.SetDefault(prevLog)

	// Temporal first: its lock on temporal.db keeps a second demo off the
	// same directory.
	srv, c, err := startTemporal(ctx, dir, st, log)
	if err != nil {
		return nil, interrupted(ctx, err)
	}
	defer func() { _ = srv.Stop() }()
	defer c.Close()
	res.TemporalAddr = srv.Address()
	fmt.Fprintf(out, "Temporal     embedded server at %s (namespace %s), persisted in %s\n", srv.Address(), srv.Namespace(), filepath.Join(dir, temporalDB))
	if ui := srv.UIAddress(); ui != "" {
		res.WebUI = ui
		fmt.Fprintf(out, "Web UI       %s (namespace %s; the migration's workflow is %s)\n", ui, srv.Namespace(), workflows.MigrationWorkflowID(MigrationID))
	}

	e, err := startEndpoints(dir, st)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	if err := st.save(dir); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "source       s3://%s on the local S3 endpoint %s (%s), data in %s\n", SourceBucket, e.S3URL, S3Region, filepath.Join(dir, s3Dir))
	fmt.Fprintf(out, "destination  oci://%s/%s on the local OCI endpoint %s (%s), data in %s\n", Namespace, DestBucket, e.OCIURL, OCIRegion, filepath.Join(dir, ociDir))

	if !st.Seeded {
		if err := seedSource(ctx, out, e, st); err != nil {
			return nil, interrupted(ctx, err)
		}
		if err := st.save(dir); err != nil {
			return nil, err
		}
		res.Seeded = true
	}
	res.Source = st.Total()

	p, planPath, err := loadOrWritePlan(dir, demoPlan(dir, st, e))
	if err != nil {
		return nil, err
	}
	res.PlanPath = planPath
	if f, ok := p.Cutover.Target.Settings.(*fileroute.Settings); ok { // the demo's routing target is a file
		res.RoutesPath = f.Path
	}
	fmt.Fprintf(out, "plan         %s (%d shards, batches of %d, automatic cutover, soak %s, no purge)\n",
		planPath, st.Shards, p.EffectiveBatchSize(), p.Soak.Retention)

	if err := setWorkerEnv(e.s3Creds); err != nil {
		return nil, err
	}
	w, err := startWorker(c, p, st.PartSize)
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	if err := st.save(dir); err != nil {
		return nil, err
	}

	run, resumed, err := startOrAttach(ctx, c, p, st)
	if err != nil {
		return nil, interrupted(ctx, err)
	}
	res.Resumed, res.RunID = resumed, run.GetRunID()
	if resumed {
		fmt.Fprintf(out, "migration    resuming workflow %s (run %s)\n", run.GetID(), run.GetRunID())
	} else {
		fmt.Fprintf(out, "migration    started workflow %s (run %s) on task queue %s\n", run.GetID(), run.GetRunID(), TaskQueue)
	}
	fmt.Fprintln(out)

	views, err := watch(ctx, cfg, c, run, p, st)
	res.Shards = views
	if err != nil {
		if errors.Is(err, ErrInterrupted) {
			fmt.Fprintf(out, "\nstopping: the worker checkpoints its batches in flight; run the same command again to resume (state in %s)\n", dir)
		}
		return res, err
	}

	if err := finish(ctx, dir, c, e, p, st, res); err != nil {
		return res, interrupted(ctx, err)
	}
	// Shards move from CutOver to Soaking at once; show where they are now.
	res.Shards = pollShards(ctx, c, p.ID, res.Shards)
	res.Elapsed = time.Since(began)
	summarize(out, res)
	return res, nil
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
