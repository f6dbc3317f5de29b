package report

import (
	"time"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/workflows"
)

// MigrationInfo describes the migration as a whole: what the plan says and
// what the migration's status query returns.
type MigrationInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	State string `json:"state,omitempty"` // the migration workflow's state, e.g. "Running"

	// Source is the primary bucket; Copies the replicas and backups.
	Source Location   `json:"source"`
	Copies []Location `json:"copies,omitempty"`
	// Destination is the OCI bucket; ManifestBucket holds the manifests.
	Destination    Location `json:"destination"`
	ManifestBucket string   `json:"manifestBucket,omitempty"`
	AllowedRegions []string `json:"allowedRegions,omitempty"`

	VerificationMode string `json:"verificationMode,omitempty"`
	Approval         string `json:"approval,omitempty"`
	PurgeEnabled     bool   `json:"purgeEnabled"`
	PlanFingerprint  string `json:"planFingerprint,omitempty"`

	StartedAt time.Time `json:"startedAt,omitzero"`
	// Actions are migration-level operator actions (window changes,
	// pauses of the whole migration).
	Actions []Transition `json:"actions,omitempty"`
}

// Location is one bucket: where it is and which cloud.
type Location struct {
	Name   string `json:"name,omitempty"` // a copy's name
	Role   string `json:"role,omitempty"` // primary, replica, backup, destination
	Cloud  string `json:"cloud"`          // the store kind: "s3", "oci", "file", …
	Bucket string `json:"bucket"`
	Region string `json:"region"`
	// Namespace is the OCI namespace (oci only).
	Namespace string `json:"namespace,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
}

// String formats l as "s3://bucket (region)".
func (l Location) String() string {
	bucket := l.Bucket
	if l.Namespace != "" {
		bucket = l.Namespace + "/" + l.Bucket // OCI names buckets within a namespace
	}
	return l.Cloud + "://" + bucket + " (" + l.Region + ")"
}

// ShardInfo is a shard's status (the answer of its status query) and,
// when the caller can read it, its routing history.
type ShardInfo struct {
	workflows.ShardStatus
	// Routes is the routing target's history of the shard, when the
	// caller can read it (routing.History). Without it the routing
	// changes are derived from the transitions.
	Routes []routing.HistoryEntry `json:"routes,omitempty"`
}

// Transition is one recorded change of a shard: a state change, or an
// operator action that kept the state (From == To and Action set).
type Transition = workflows.Transition

// SystemActor is the actor of the transitions the workflow makes on its
// own; any other actor is an operator.
const SystemActor = workflows.SystemActor

// MigrationInfoFromPlan fills the plan's part of a MigrationInfo: id,
// name, source and destination locations, allowed regions, modes. p
// should be normalized (plan.ParseFile returns it so).
func MigrationInfoFromPlan(p *plan.Plan) MigrationInfo {
	info := MigrationInfo{
		ID:               p.ID,
		Name:             p.Name,
		Source:           locationOf("primary", "", p.Sources.Primary.Place()),
		Destination:      locationOf("destination", "", p.Destination.Place()),
		ManifestBucket:   p.Destination.ManifestBucket,
		AllowedRegions:   append([]string(nil), p.Residency.AllowedRegions...),
		VerificationMode: string(p.Verification.Mode),
		Approval:         string(p.Cutover.Approval),
		PurgeEnabled:     p.Purge.Enabled,
		PlanFingerprint:  p.Fingerprint(),
	}
	for _, c := range p.Sources.Copies {
		info.Copies = append(info.Copies, locationOf(string(c.Role), c.Name, c.Place()))
	}
	return info
}

// locationOf is the report's location of a plan's place.
func locationOf(role, name string, pl store.Place) Location {
	return Location{Name: name, Role: role, Cloud: pl.Kind, Bucket: pl.Bucket, Region: pl.Region,
		Namespace: pl.Namespace, Endpoint: pl.Endpoint}
}
