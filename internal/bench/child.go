package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
)

// secretEnv carries the S3 secret from the bench to its copy child, so that
// it never appears in a process list.
const secretEnv = "OCIMOVE_BENCH_S3_SECRET"

// CopySpec is what the copy child does: copy every object of the source
// bucket into DstBucket with the engine configured as Set says.
type CopySpec struct {
	Set        Set    `json:"set"`
	S3URL      string `json:"s3URL"`
	SrcBucket  string `json:"srcBucket"`
	OCIURL     string `json:"ociURL"`
	OCIConfig  string `json:"ociConfig"`
	OCIProfile string `json:"ociProfile"`
	DstBucket  string `json:"dstBucket"`
	// MemoryLimit is the GOMEMLIMIT the child sets (bytes; 0 = none).
	MemoryLimit int64 `json:"memoryLimit"`
	// CPUProfile, if set, is where the child writes a CPU profile of the copy.
	CPUProfile string `json:"cpuProfile,omitempty"`
}

// CopyReport is what the copy child found.
type CopyReport struct {
	Objects   int               `json:"objects"`
	Bytes     int64             `json:"bytes"`
	Outcomes  map[string]int    `json:"outcomes"`
	Errors    []string          `json:"errors,omitempty"` // the first few failures
	SHA256    map[string]string `json:"sha256"`           // by key, as the engine recorded it
	SourceChk map[string]int    `json:"sourceCheck"`      // how the source reads were checked
	List      time.Duration     `json:"listNs"`
	Copy      time.Duration     `json:"copyNs"`
	PoolBytes int64             `json:"poolBytes"`
	PoolLeft  int64             `json:"poolInUseAfter"`
}

// RunCopyChild is the hidden `bench copy` subcommand: it reads a CopySpec
// from specPath, copies, and writes a CopyReport to outPath.
func RunCopyChild(ctx context.Context, specPath, outPath string) error {
	b, err := os.ReadFile(specPath)
	if err != nil {
		return fmt.Errorf("read copy spec: %w", err)
	}
	var spec CopySpec
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("parse copy spec %s: %w", specPath, err)
	}
	if spec.MemoryLimit > 0 {
		debug.SetMemoryLimit(spec.MemoryLimit)
	}
	secret := os.Getenv(secretEnv)
	if secret == "" {
		return fmt.Errorf("the copy child needs the S3 secret in %s", secretEnv)
	}
	src, err := openS3(ctx, spec.S3URL, secret, spec.SrcBucket)
	if err != nil {
		return fmt.Errorf("open source: %w", err)
	}
	dst, err := openOCI(ctx, spec.OCIURL, spec.OCIConfig, spec.OCIProfile, spec.DstBucket)
	if err != nil {
		return fmt.Errorf("open destination: %w", err)
	}
	set := spec.Set
	eng, err := engine.New(engine.Config{
		PartSize: set.PartSize, PoolBytes: set.PoolBytes,
		Concurrency: set.Concurrency, PartConcurrency: set.PartConcurrency,
	})
	if err != nil {
		return err
	}
	if spec.CPUProfile != "" {
		f, err := os.Create(spec.CPUProfile)
		if err != nil {
			return fmt.Errorf("create CPU profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	rep := CopyReport{Outcomes: map[string]int{}, SHA256: map[string]string{}, SourceChk: map[string]int{}, PoolBytes: set.PoolBytes}
	start := time.Now()
	objs, err := listAll(ctx, src)
	if err != nil {
		return err
	}
	rep.List = time.Since(start)
	results := eng.CopyBatch(ctx, src, dst, objs, engine.BatchOptions{MigrationID: "bench"})
	rep.Copy = time.Since(start) - rep.List
	for _, r := range results {
		rep.Objects++
		rep.Outcomes[string(r.Outcome)]++
		rep.SourceChk[r.SourceCheck]++
		if r.Outcome == engine.Copied || r.Outcome == engine.Skipped {
			rep.Bytes += r.Size
			rep.SHA256[r.Key] = r.SHA256
		} else if len(rep.Errors) < 10 {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %s (%s)", r.Key, r.Error, r.ErrorClass))
		}
	}
	rep.PoolLeft = eng.Pool().InUse()
	out, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	return os.WriteFile(outPath, out, 0o600)
}

// listAll lists every object of s (store.ListAll, which follows empty
// pages that say more follow), naming s in its error.
func listAll(ctx context.Context, s store.Store) ([]store.ObjectInfo, error) {
	all, err := store.ListAll(ctx, s, "")
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s, err)
	}
	return all, nil
}
