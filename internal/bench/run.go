package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Options configure a benchmark run.
type Options struct {
	Sets []Set
	// Peer is "rclone" to run the side-by-side comparison, or "".
	Peer string
	// Product also runs the full product (devserver, worker, starter) on
	// each set.
	Product bool
	// Rclone is the rclone binary.
	Rclone string
	// Runs is how many times each tool copies each set (fresh destination
	// bucket each time); the report shows the median by wall time.
	Runs int
	// WorkDir holds the endpoints' storage (default: a new temp dir,
	// removed afterwards unless Keep).
	WorkDir string
	Keep    bool
	// CPUProfile, if set, is a directory where the engine child writes
	// cpu-<set>-<run>.pprof.
	CPUProfile string
	// Spot is how many objects per destination are re-read and hashed.
	Spot int
	// HashRounds is how many alternating rounds the hashing ratio takes.
	HashRounds int
	Log        *slog.Logger
}

// Run is one tool's copy of one set.
type Run struct {
	Tool string
	Measured
	Objects int
	Bytes   int64
	Load    string // /proc/loadavg before the run
	Report  *CopyReport
	// Phases are the product run's phase boundaries (product runs only).
	Phases *ProductPhases
}

// SetResult holds a set's runs.
type SetResult struct {
	Set        Set
	Engine     []Run
	Rclone     []Run
	Product    []Run
	RcloneArgs []string
	SeedTime   time.Duration
}

// Results is everything the report shows.
type Results struct {
	Sets          []SetResult
	Hash          HashResult
	RcloneVersion string
	Machine       string
	Started       time.Time
}

// Execute runs the benchmark and returns its results. Every copy is
// verified; a wrong copy is an error, not a figure.
func Execute(ctx context.Context, o Options) (*Results, error) {
	if o.Runs < 1 {
		o.Runs = 1
	}
	if o.Spot < 1 {
		o.Spot = 3
	}
	if o.HashRounds < 1 {
		o.HashRounds = 5
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	res := &Results{Started: time.Now(), Machine: machine()}
	if o.Peer != "" && o.Peer != "rclone" {
		return nil, fmt.Errorf("unknown peer %q: the only peer is rclone", o.Peer)
	}
	if o.Peer == "rclone" {
		v, err := rcloneVersion(ctx, o.Rclone)
		if err != nil {
			return nil, err
		}
		res.RcloneVersion = v
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the bench executable to re-run as the copy child: %w", err)
	}
	root, cleanup, err := workDir(o.WorkDir, "ocimove-bench-", o.Keep)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	bin, err := buildLocalcloud(ctx, root)
	if err != nil {
		return nil, err
	}
	var bins Binaries
	if o.Product {
		o.Log.Info("building cmd/worker, cmd/devserver, cmd/starter")
		if bins, err = buildProduct(ctx, root); err != nil {
			return nil, err
		}
	}
	for _, set := range o.Sets {
		sr, err := runSet(ctx, o, self, bin, bins, root, set)
		if err != nil {
			return nil, fmt.Errorf("%s set: %w", set.Name, err)
		}
		res.Sets = append(res.Sets, *sr)
	}
	o.Log.Info("measuring hashing")
	res.Hash = measureHash(o.HashRounds)
	return res, nil
}

func runSet(ctx context.Context, o Options, self, bin string, bins Binaries, root string, set Set) (*SetResult, error) {
	dir := filepath.Join(root, set.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if !o.Keep {
		defer os.RemoveAll(dir)
	}
	var buckets []string
	for r := 1; r <= o.Runs; r++ {
		buckets = append(buckets, fmt.Sprintf("engine-%d", r), fmt.Sprintf("rclone-%d", r))
		if o.Product {
			buckets = append(buckets, fmt.Sprintf("product-%d", r), fmt.Sprintf("manifests-product-%d", r))
		}
	}
	ep, err := startEndpoints(ctx, bin, dir, buckets)
	if err != nil {
		return nil, err
	}
	defer ep.Stop()
	o.Log.Info("endpoints up", "s3", ep.S3URL, "oci", ep.OCIURL)

	src, err := openS3(ctx, ep.S3URL, ep.S3Secret, srcBucket)
	if err != nil {
		return nil, fmt.Errorf("open source bucket: %w", err)
	}
	t := time.Now()
	o.Log.Info("seeding", "set", set.Name, "objects", set.Count, "size", set.Size)
	want, err := seed(ctx, src, set)
	if err != nil {
		return nil, err
	}
	sr := &SetResult{Set: set, SeedTime: time.Since(t), RcloneArgs: rcloneArgs(set, "DST")}
	o.Log.Info("seeded", "set", set.Name, "took", sr.SeedTime.Round(time.Millisecond))

	// Alternate which tool goes first, so that a trend in the machine's
	// load (other processes, page cache, disk) favours neither.
	for r := 1; r <= o.Runs; r++ {
		engineRun := func() error {
			er, err := runEngine(ctx, o, self, ep, set, fmt.Sprintf("engine-%d", r), r, want)
			if err != nil {
				return err
			}
			sr.Engine = append(sr.Engine, er)
			o.Log.Info("engine done", "set", set.Name, "run", r, "wall", er.Wall.Round(time.Millisecond),
				"peakRSS_MiB", er.PeakRSS>>20, "cpu", er.CPU.Round(time.Millisecond), "load", er.Load)
			return nil
		}
		rcloneRun := func() error {
			if o.Peer != "rclone" {
				return nil
			}
			rr, err := runRclone(ctx, o, ep, set, dir, fmt.Sprintf("rclone-%d", r), want)
			if err != nil {
				return err
			}
			sr.Rclone = append(sr.Rclone, rr)
			o.Log.Info("rclone done", "set", set.Name, "run", r, "wall", rr.Wall.Round(time.Millisecond),
				"peakRSS_MiB", rr.PeakRSS>>20, "cpu", rr.CPU.Round(time.Millisecond), "load", rr.Load)
			return nil
		}
		productRun := func() error {
			if !o.Product {
				return nil
			}
			pr, err := runProduct(ctx, o, bins, ep, set, fmt.Sprintf("product-%d", r), r, want)
			if err != nil {
				return err
			}
			sr.Product = append(sr.Product, pr)
			o.Log.Info("product done", "set", set.Name, "run", r, "toAwaitingApproval", pr.Wall.Round(time.Millisecond),
				"copied", pr.Phases.Copied.Round(time.Millisecond), "workerPeakRSS_MiB", pr.PeakRSS>>20,
				"workerCPU", pr.CPU.Round(time.Millisecond), "devserverCPU", pr.Phases.DevserverCPU.Round(time.Millisecond), "load", pr.Load)
			return nil
		}
		// The order rotates between runs, so that a trend in the
		// machine's load favours none of the tools.
		order := []func() error{productRun, engineRun, rcloneRun}
		for range (r - 1) % len(order) {
			order = append(order[1:], order[0])
		}
		for _, f := range order {
			if err := f(); err != nil {
				return nil, err
			}
		}
	}
	return sr, nil
}

// runEngine copies the set with the engine in a child process and checks
// its records and the destination.
func runEngine(ctx context.Context, o Options, self string, ep *Endpoints, set Set, bucket string, run int, want map[string]string) (Run, error) {
	spec := CopySpec{Set: set, S3URL: ep.S3URL, SrcBucket: srcBucket, OCIURL: ep.OCIURL,
		OCIConfig: ep.OCIConfig, OCIProfile: ep.OCIProfile, DstBucket: bucket,
		MemoryLimit: ChildMemoryLimit(set.PoolBytes)}
	if o.CPUProfile != "" {
		if err := os.MkdirAll(o.CPUProfile, 0o755); err != nil {
			return Run{}, err
		}
		p, err := filepath.Abs(filepath.Join(o.CPUProfile, fmt.Sprintf("cpu-%s-%d.pprof", set.Name, run)))
		if err != nil {
			return Run{}, err
		}
		spec.CPUProfile = p
	}
	specPath := filepath.Join(ep.Dir, bucket+"-spec.json")
	outPath := filepath.Join(ep.Dir, bucket+"-report.json")
	b, _ := json.Marshal(spec)
	if err := os.WriteFile(specPath, b, 0o600); err != nil {
		return Run{}, err
	}
	cmd := exec.CommandContext(ctx, self, "copy", "--spec", specPath, "--out", outPath)
	cmd.Env = append(os.Environ(), secretEnv+"="+ep.S3Secret)
	run0 := Run{Tool: "engine", Load: loadavg()}
	m, err := runMeasured(ctx, ep, cmd)
	if err != nil {
		return Run{}, fmt.Errorf("engine copy: %w", err)
	}
	run0.Measured = m
	rb, err := os.ReadFile(outPath)
	if err != nil {
		return Run{}, fmt.Errorf("engine copy wrote no report: %w", err)
	}
	var rep CopyReport
	if err := json.Unmarshal(rb, &rep); err != nil {
		return Run{}, fmt.Errorf("engine report: %w", err)
	}
	if err := checkEngineReport(rep, want); err != nil {
		return Run{}, err
	}
	dst, err := openOCI(ctx, ep.OCIURL, ep.OCIConfig, ep.OCIProfile, bucket)
	if err != nil {
		return Run{}, err
	}
	if err := verifyDest(ctx, dst, set, want, o.Spot); err != nil {
		return Run{}, fmt.Errorf("engine destination: %w", err)
	}
	rep.SHA256 = nil
	run0.Report, run0.Objects, run0.Bytes = &rep, rep.Objects, rep.Bytes
	return run0, nil
}

// runRclone copies the set with rclone and checks the destination.
func runRclone(ctx context.Context, o Options, ep *Endpoints, set Set, dir, bucket string, want map[string]string) (Run, error) {
	env, err := rcloneEnv(ep, dir)
	if err != nil {
		return Run{}, err
	}
	cmd := exec.CommandContext(ctx, o.Rclone, rcloneArgs(set, bucket)...)
	cmd.Env = env
	run := Run{Tool: "rclone", Load: loadavg()}
	m, err := runMeasured(ctx, ep, cmd)
	if err != nil {
		return Run{}, fmt.Errorf("rclone copy: %w", err)
	}
	run.Measured = m
	dst, err := openOCI(ctx, ep.OCIURL, ep.OCIConfig, ep.OCIProfile, bucket)
	if err != nil {
		return Run{}, err
	}
	if err := verifyDest(ctx, dst, set, want, o.Spot); err != nil {
		return Run{}, fmt.Errorf("rclone destination: %w", err)
	}
	run.Objects, run.Bytes = set.Count, int64(set.Count)*set.Size
	return run, nil
}

// ChildMemoryLimit is the GOMEMLIMIT of the engine's copy child: the pool
// plus 48 MiB for the SDKs and the runtime, inside the memory target of
// pool + 64 MiB. (engine.SuggestedMemoryLimit is the roomier production
// setting for a worker that also runs a Temporal client.)
func ChildMemoryLimit(pool int64) int64 { return pool + 48<<20 }

// median returns the run with the median wall time.
func median(runs []Run) Run {
	if len(runs) == 0 {
		return Run{}
	}
	s := append([]Run(nil), runs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Wall < s[j].Wall })
	return s[len(s)/2]
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// workDir returns dir, or a new temporary directory named after pattern
// when dir is empty; cleanup removes a temporary one unless keep is set.
func workDir(dir, pattern string, keep bool) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	root, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", nil, err
	}
	if keep {
		return root, func() {}, nil
	}
	return root, func() { os.RemoveAll(root) }, nil
}
