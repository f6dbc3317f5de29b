package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/workflows"
)

// ProductShards is how many shards the product run's plan has.
const ProductShards = 8

// productQueue is the task queue of the product run's worker.
const productQueue = "ocimove-bench"

// Binaries are the product's commands the product run starts.
type Binaries struct {
	Worker, Devserver, Starter string
}

// buildProduct compiles cmd/worker, cmd/devserver and cmd/starter into dir.
func buildProduct(ctx context.Context, dir string) (Binaries, error) {
	b := Binaries{Worker: filepath.Join(dir, "worker"), Devserver: filepath.Join(dir, "devserver"), Starter: filepath.Join(dir, "starter")}
	for pkg, out := range map[string]string{"cmd/worker": b.Worker, "cmd/devserver": b.Devserver, "cmd/starter": b.Starter} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/ocimove/ocimove/"+pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("build %s (run the bench from inside the module): %w", pkg, err)
		}
	}
	return b, nil
}

// ProductPhases are the product run's phase boundaries, measured from the
// migration workflow's start (server time): the last shard to finish
// copying (to enter Verifying) and the last shard to reach
// AwaitingApproval, after its copy, its verification and one delta round
// that found nothing to do.
type ProductPhases struct {
	Copied   time.Duration
	Verified time.Duration
	// Starter is the wall time of `starter start` (pre-flight and the
	// workflow's start), not part of either phase.
	Starter time.Duration
	// Devserver is the CPU time the Temporal server spent in the run.
	DevserverCPU time.Duration
}

// shardPrefix is the prefix of shard i of a set's product plan.
func (s Set) shardPrefix(i int) string { return fmt.Sprintf("%s/s%d/", s.Name, i) }

// productPlan is the plan of the product run: the set's objects in
// ProductShards shards, the engine settings of the set split over the
// shards (each shard copies one batch at a time), quick verification, one
// delta round, manual approval so that each shard stops in
// AwaitingApproval.
func productPlan(ep *Endpoints, set Set, id, bucket, dir string) *plan.Plan {
	p := plan.Example()
	p.ID, p.Name = id, "bench "+id
	p.Sources.Primary = plan.PrimarySource{Location: plan.At(&s3store.Settings{Bucket: srcBucket, Region: s3Region, Endpoint: ep.S3URL, UsePathStyle: true})}
	p.Sources.Copies = nil
	p.Destination.Location = plan.At(&ocistore.Settings{Namespace: ociNamespace, Region: ociRegion, Bucket: bucket, Endpoint: ep.OCIURL,
		Auth: ocistore.Auth{Method: ocistore.AuthConfigFile, ConfigFile: ep.OCIConfig, Profile: ep.OCIProfile}})
	p.Destination.ManifestBucket = "manifests-" + bucket
	var prefixes []string
	for i := range ProductShards {
		prefixes = append(prefixes, set.shardPrefix(i))
	}
	p.Shards = plan.Shards{Prefixes: prefixes}
	batch, window, threshold := plan.DefaultBatchSize, ProductShards, 0
	p.BatchSize, p.Window = &batch, &window
	p.Limits = plan.Limits{Concurrency: set.ShardConcurrency(), PartSize: set.PartSize}
	p.Verification = plan.Verification{Mode: plan.VerifyQuick}
	p.Delta = plan.DeltaPolicy{MaxRounds: 1, Threshold: &threshold, Deletes: plan.DeletesDelete}
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(time.Second), MaxDuration: plan.Duration(5 * time.Minute)}
	p.Cutover = plan.Cutover{Target: plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, id+"-routes.json")}}, Approval: plan.ApprovalManual}
	p.Residency = plan.Residency{AllowedRegions: []string{ociRegion}}
	p.Soak = plan.Soak{Retention: plan.Duration(24 * time.Hour)}
	p.Purge = plan.Purge{Enabled: false}
	return p
}

// ShardConcurrency is the plan's objects in flight per batch in the
// product run: the set's Concurrency shared by the shards copying at once
// (at least 1), so that the product has as many objects in flight as the
// engine alone.
func (s Set) ShardConcurrency() int {
	busy := min(ProductShards, s.Count)
	return max(1, s.Concurrency/max(1, busy))
}

// runProduct runs the set through the product: a devserver process, a
// worker process, the plan started by the starter; it waits until every
// shard is in AwaitingApproval and then verifies the destination.
func runProduct(ctx context.Context, o Options, bins Binaries, ep *Endpoints, set Set, bucket string, run int, want map[string]string) (Run, error) {
	dir := filepath.Join(ep.Dir, bucket)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Run{}, err
	}
	ds, dsLog, addr, err := startProcess(ctx, bins.Devserver, filepath.Join(dir, "devserver.log"), nil,
		"--db", filepath.Join(dir, "temporal.db"), "--port", "0", "--log-level", "error")
	if err != nil {
		return Run{}, fmt.Errorf("start devserver: %w", err)
	}
	defer stopProcess(ds, dsLog)

	id := fmt.Sprintf("bench-%s-%d", set.Name, run)
	p := productPlan(ep, set, id, bucket, dir)
	planPath := filepath.Join(dir, "plan.json")
	pb, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return Run{}, err
	}
	if err := os.WriteFile(planPath, pb, 0o600); err != nil {
		return Run{}, err
	}
	credEnv := []string{"AWS_ACCESS_KEY_ID=" + s3AccessKey, "AWS_SECRET_ACCESS_KEY=" + ep.S3Secret,
		"AWS_REGION=" + s3Region, "AWS_EC2_METADATA_DISABLED=true"}
	wargs := []string{"--address", addr, "--task-queue", productQueue, "--http-addr", "", "--log-level", "warn",
		"--pool-bytes", fmt.Sprint(set.PoolBytes), "--part-size", fmt.Sprint(set.PartSize),
		"--concurrency", fmt.Sprint(set.ShardConcurrency()), "--part-concurrency", fmt.Sprint(set.PartConcurrency),
		"--max-activities", fmt.Sprint(2 * ProductShards)}
	if o.CPUProfile != "" {
		prof, err := filepath.Abs(filepath.Join(o.CPUProfile, fmt.Sprintf("worker-%s-%d.pprof", set.Name, run)))
		if err != nil {
			return Run{}, err
		}
		if err := os.MkdirAll(filepath.Dir(prof), 0o755); err != nil {
			return Run{}, err
		}
		wargs = append(wargs, "--cpuprofile", prof)
	}
	wk, wkLog, _, err := startProcess(ctx, bins.Worker, filepath.Join(dir, "worker.log"), credEnv, wargs...)
	if err != nil {
		return Run{}, fmt.Errorf("start worker: %w", err)
	}
	workerStopped := false
	defer func() {
		if !workerStopped {
			stopProcess(wk, wkLog)
		}
	}()

	c, err := client.Dial(client.Options{HostPort: addr, Logger: quietLogger{}})
	if err != nil {
		return Run{}, fmt.Errorf("dial the devserver: %w", err)
	}
	defer c.Close()

	out := Run{Tool: "product", Load: loadavg()}
	s3a, ocia := ep.CPU()
	dsa := procCPU(ds)
	start := time.Now()
	st := exec.CommandContext(ctx, bins.Starter, "start", planPath, "--address", addr, "--task-queue", productQueue, "-o", "json")
	st.Env = append(os.Environ(), credEnv...)
	if b, err := st.CombinedOutput(); err != nil {
		return Run{}, fmt.Errorf("starter start: %w\n%s", err, b)
	}
	starterWall := time.Since(start)

	phases, err := waitAwaiting(ctx, c, p, set)
	if err != nil {
		return Run{}, err
	}
	out.Wall = time.Since(start)
	s3b, ocib := ep.CPU()
	out.S3CPU, out.OCICPU = s3b-s3a, ocib-ocia
	phases.Starter = starterWall
	phases.DevserverCPU = procCPU(ds) - dsa

	// SIGTERM the worker: it stops (writing its CPU profile) and its
	// rusage gives its peak RSS and CPU time.
	workerStopped = true
	stopProcess(wk, wkLog)
	if ps := wk.ProcessState; ps != nil {
		out.CPU = ps.UserTime() + ps.SystemTime()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			out.PeakRSS = ru.Maxrss << 10
		}
	}
	// Wall is the phase the ratio is about: from the workflow's start to
	// the last shard in AwaitingApproval.
	out.Wall = phases.Verified
	out.Phases = &phases

	dst, err := openOCI(ctx, ep.OCIURL, ep.OCIConfig, ep.OCIProfile, bucket)
	if err != nil {
		return Run{}, err
	}
	if err := verifyDest(ctx, dst, set, want, o.Spot); err != nil {
		return Run{}, fmt.Errorf("product destination: %w", err)
	}
	out.Objects, out.Bytes = set.Count, int64(set.Count)*set.Size
	return out, nil
}

// waitAwaiting polls the migration until every shard is in
// AwaitingApproval, then reads the phase boundaries from the shards'
// transitions (workflow time, so the polling interval does not count).
func waitAwaiting(ctx context.Context, c client.Client, p *plan.Plan, set Set) (ProductPhases, error) {
	migID := workflows.MigrationWorkflowID(p.ID)
	deadline := time.Now().Add(30*time.Minute + time.Duration(set.Count)*10*time.Millisecond)
	var ms workflows.MigrationStatus
	for {
		if time.Now().After(deadline) {
			return ProductPhases{}, fmt.Errorf("the migration did not bring every shard to AwaitingApproval in time; last: %v", ms.ByState)
		}
		if err := ctx.Err(); err != nil {
			return ProductPhases{}, err
		}
		v, err := c.QueryWorkflow(ctx, migID, "", workflows.MigrationStatusQuery)
		if err == nil {
			if err := v.Get(&ms); err != nil {
				return ProductPhases{}, err
			}
			if ms.ByState[workflows.Failed] > 0 {
				return ProductPhases{}, fmt.Errorf("shards failed: %v (see starter status %s)", ms.ByState, p.ID)
			}
			if ms.ByState[workflows.AwaitingApproval] == ProductShards {
				break
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	var ph ProductPhases
	shards, err := p.ShardList()
	if err != nil {
		return ph, err
	}
	for _, s := range shards {
		v, err := c.QueryWorkflow(ctx, workflows.ShardWorkflowID(p.ID, s.ID), "", workflows.ShardStatusQuery)
		if err != nil {
			return ph, fmt.Errorf("query shard %s: %w", s.ID, err)
		}
		var ss workflows.ShardStatus
		if err := v.Get(&ss); err != nil {
			return ph, err
		}
		for _, t := range ss.Transitions {
			d := t.At.Sub(ms.StartedAt)
			switch t.To {
			case workflows.Verifying:
				ph.Copied = max(ph.Copied, d)
			case workflows.AwaitingApproval:
				ph.Verified = max(ph.Verified, d)
			}
		}
	}
	if ph.Verified == 0 {
		return ph, fmt.Errorf("no shard transition to AwaitingApproval found in the shards' status")
	}
	return ph, nil
}

// stopProcess sends SIGTERM, waits up to 30s (then SIGKILL) and closes
// the log.
func stopProcess(c *exec.Cmd, logf *os.File) {
	if c != nil && c.Process != nil && c.ProcessState == nil {
		_ = c.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	}
	if logf != nil {
		logf.Close()
	}
}

// quietLogger drops the Temporal client's log lines.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
