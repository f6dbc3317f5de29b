package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateVersion is the layout version of state.json; a directory written by
// another version is refused with a hint to use --fresh.
const stateVersion = 1

// Names inside the state directory.
const (
	stateFile    = "state.json"
	planFile     = "demo-plan.yaml"
	routesFile   = "routes.json"
	temporalDB   = "temporal.db"
	temporalLog  = "temporal.log"
	workerLog    = "worker.log"
	s3Dir        = "s3"
	ociDir       = "oci"
	credsDir     = "credentials"
	manifestsDir = "manifests"
)

// Fixed names of the demo's migration and buckets.
const (
	MigrationID  = "demo"
	SourceBucket = "acme-users-us"
	DestBucket   = "users"
	Namespace    = "acme"
	TaskQueue    = "ocimove-demo"
)

// State is what the demo records in its state directory (state.json) so
// that a second run finds the same endpoints, data and migration.
type State struct {
	Version int `json:"version"`
	// S3Addr, OCIAddr and TemporalAddr are the host:port the endpoints
	// listened on in the first run; the plan names the first two.
	S3Addr       string `json:"s3Addr"`
	OCIAddr      string `json:"ociAddr"`
	TemporalAddr string `json:"temporalAddr,omitempty"`
	// Sizes the demo was seeded with.
	Shards           int   `json:"shards"`
	Objects          int   `json:"objects"`
	LargeObjectBytes int64 `json:"largeObjectBytes"`
	PartSize         int64 `json:"partSize"`
	// Seeded is set once every sample object is in the source bucket.
	Seeded bool `json:"seeded"`
	// Seed is what was written, per shard prefix.
	Seed map[string]Size `json:"seed,omitempty"`
	// PlanStart is the plan's fixed start time (age filters).
	PlanStart time.Time `json:"planStart"`
	CreatedAt time.Time `json:"createdAt"`
}

// Size is a count of objects and bytes.
type Size struct {
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
}

// Total sums the seed over every shard.
func (s *State) Total() Size {
	var t Size
	for _, v := range s.Seed {
		t.Objects += v.Objects
		t.Bytes += v.Bytes
	}
	return t
}

// loadState reads dir's state.json; ok is false when there is none.
func loadState(dir string) (st *State, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("demo: read state: %w", err)
	}
	st = &State{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, false, fmt.Errorf("demo: %s is damaged (%w); run with --fresh to start over", filepath.Join(dir, stateFile), err)
	}
	if st.Version != stateVersion {
		return nil, false, fmt.Errorf("demo: %s has layout version %d, this demo writes %d; run with --fresh to start over",
			filepath.Join(dir, stateFile), st.Version, stateVersion)
	}
	return st, true, nil
}

// save writes st to dir's state.json atomically.
func (s *State) save(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("demo: encode state: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, stateFile), append(b, '\n'), 0o600)
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path, so a crash leaves the old or the new file, never half.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	return nil
}
