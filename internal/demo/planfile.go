package demo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// Plan settings of the demo.
const (
	demoBatchSize = 100
	demoDrainWait = 2 * time.Second
	// demoSoak keeps cut-over shards Soaking for the whole demo, so that
	// they can still be rolled back and nothing is purged.
	demoSoak = 30 * 24 * time.Hour
)

// demoPlan is the demo's plan: the local S3 bucket to the local OCI bucket
// in us-ashburn-1, one shard per users/NN/ prefix, automatic approval, a
// routing file in the state directory, and a soak that outlasts the demo.
// It carries no secret: the OCI config file is a path, and the S3 keys
// reach the worker through its environment.
func demoPlan(dir string, st *State, e *Endpoints) *plan.Plan {
	p := plan.Example()
	p.ID, p.Name = MigrationID, "Demo: sample US user data from local S3 to local OCI us-ashburn-1"
	p.Sources.Primary = plan.PrimarySource{
		Location: plan.At(&s3store.Settings{Bucket: SourceBucket, Region: S3Region, Endpoint: "http://" + st.S3Addr, UsePathStyle: true}),
		Filters:  plan.Filters{Exclude: []string{"**/*.tmp"}},
	}
	p.Sources.Copies = nil
	p.Destination.Location = plan.At(&ocistore.Settings{Namespace: Namespace, Region: OCIRegion, Bucket: DestBucket, Endpoint: "http://" + st.OCIAddr,
		Auth: ocistore.Auth{Method: ocistore.AuthConfigFile, ConfigFile: e.OCICreds.ConfigPath, Profile: e.OCICreds.Profile}})
	p.Shards = plan.Shards{Prefixes: shardPrefixes(st.Shards)}
	batch, window, threshold := demoBatchSize, st.Shards, 0
	p.BatchSize, p.Window = &batch, &window
	p.Limits = plan.Limits{Concurrency: 8, PartSize: st.PartSize}
	p.Verification = plan.Verification{Mode: plan.VerifyQuick}
	p.Delta = plan.DeltaPolicy{MaxRounds: 3, Threshold: &threshold, Deletes: plan.DeletesDelete}
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(demoDrainWait), MaxDuration: plan.Duration(5 * time.Minute)}
	p.Cutover = plan.Cutover{Target: plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, routesFile)}}, Approval: plan.ApprovalAuto}
	p.Residency = plan.Residency{AllowedRegions: []string{OCIRegion}}
	p.Soak = plan.Soak{Retention: plan.Duration(demoSoak)}
	p.Purge = plan.Purge{Enabled: false}
	return p
}

const planHeader = `# The demo's migration plan, written by go run ./cmd/demo.
# Sources and destination are the demo's local endpoints; their credentials
# are not here: the worker reads the S3 keys from its environment and the
# OCI key from the config file named below.
`

// loadOrWritePlan returns the plan in dir's demo-plan.yaml, writing it from
// want when absent. The file is read back through plan.LoadFile, as a
// worker reads a plan.
func loadOrWritePlan(dir string, want *plan.Plan) (*plan.Plan, string, error) {
	path := filepath.Join(dir, planFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		doc, err := plan.FormatYAML(want)
		if err != nil {
			return nil, "", fmt.Errorf("demo: %w", err)
		}
		if err := writeFileAtomic(path, append([]byte(planHeader), doc...), 0o644); err != nil {
			return nil, "", err
		}
	}
	p, err := plan.LoadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("demo: %w; fix the file or run with --fresh", err)
	}
	return p, path, nil
}
