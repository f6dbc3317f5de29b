package plan

import "github.com/ocimove/ocimove/internal/routing"

// Plan is one migration plan. Field comments give each default; Normalize
// applies them and docs/PLAN.md tabulates them.
type Plan struct {
	// ID names the migration. It becomes part of workflow ids, manifest
	// prefixes and search attributes, so it is limited to letters, digits,
	// '.', '_' and '-' (at most 63 characters, starting with a letter or
	// digit). Required.
	ID string `json:"id"`
	// Name is a human-readable title for reports. Default: the ID.
	Name string `json:"name,omitempty"`

	// Sources are the copies of the data before the migration.
	Sources Sources `json:"sources"`
	// Destination is the location the data moves to: an OCI Object
	// Storage bucket unless it names another kind.
	Destination Destination `json:"destination"`
	// Shards lists the units of copy, verification and cutover.
	Shards Shards `json:"shards"`

	// BatchSize is the number of objects copied by one activity, the unit
	// of checkpoint: 1..MaxBatchSize. Default DefaultBatchSize. A nil
	// value takes the default; an explicit 0 is rejected.
	BatchSize *int `json:"batchSize,omitempty"`
	// Window is the number of shards in flight (Copying … CutOver) at
	// once: 1..MaxWindow. Default DefaultWindow. A nil value takes the
	// default; an explicit 0 is rejected.
	Window *int `json:"window,omitempty"`
	// Limits bounds the pace of copies.
	Limits Limits `json:"limits,omitzero"`

	// Verification sets how the Verifying state checks copies. The final
	// check during the freeze is always full, whatever the mode.
	Verification Verification `json:"verification,omitzero"`
	// Delta sets the catch-up rounds after the first copy.
	Delta DeltaPolicy `json:"delta,omitzero"`
	// Freeze sets how writes are stopped and for how long at most.
	Freeze Freeze `json:"freeze,omitzero"`
	// Cutover sets the routing target and the approval.
	Cutover Cutover `json:"cutover"`
	// Residency lists the regions the data may be written to.
	Residency Residency `json:"residency"`
	// Soak sets how long source copies are kept after cutover.
	Soak Soak `json:"soak,omitzero"`
	// Purge sets whether source copies are deleted after the soak.
	Purge Purge `json:"purge,omitzero"`
}

// Sources are every place the data lives before the migration.
type Sources struct {
	// Primary is the location the data is copied from. Required.
	Primary PrimarySource `json:"primary"`
	// Copies are replicas and backups of the primary, in other regions or
	// clouds. They are never read; they are purged with the primary at the
	// end when Purge.Enabled is set.
	Copies []SourceCopy `json:"copies,omitempty"`
}

// PrimarySource is the location copied from, with the filters that choose
// its objects. In a plan file its mapping holds "kind" (default s3), the
// kind's settings and "filters".
type PrimarySource struct {
	Location
	// Filters choose which objects of each shard are in scope.
	Filters Filters `json:"filters,omitzero"`
}

// Filters choose a shard's objects. An object is in scope when it matches
// an Include glob (or Include is empty), matches no Exclude glob, and its
// age at the migration's start time lies within MinAge and MaxAge.
// See (Filters).Admit.
type Filters struct {
	// Include globs (doublestar syntax: '*' stays within a path segment,
	// '**' spans segments) matched against the whole key.
	Include []string `json:"include,omitempty"`
	// Exclude globs; an object matching any of them is excluded.
	Exclude []string `json:"exclude,omitempty"`
	// MinAge excludes objects modified less than MinAge before the start.
	MinAge Duration `json:"minAge,omitempty"`
	// MaxAge excludes objects modified more than MaxAge before the start.
	// Zero means no limit.
	MaxAge Duration `json:"maxAge,omitempty"`
}

// CopyRole tells what a source copy is.
type CopyRole string

// Source copy roles.
const (
	// RoleReplica is a live replica of the primary (for example S3
	// cross-region replication).
	RoleReplica CopyRole = "replica"
	// RoleBackup is a backup copy of the primary.
	RoleBackup CopyRole = "backup"
)

// SourceCopy is a replica or backup of the primary, at one location. In a
// plan file its mapping holds "name", "role" and the location, either
// nested under its kind ("s3: {bucket: …}") or as "kind" with the kind's
// settings beside it.
type SourceCopy struct {
	// Name labels the copy in reports and evidence. Default
	// "<role>-<index>", e.g. "backup-0".
	Name string `json:"name,omitempty"`
	// Role is RoleReplica or RoleBackup. Required.
	Role CopyRole `json:"role"`
	Location
}

// Destination is where the data moves to, and where the migration's
// manifests and evidence are written. In a plan file its mapping holds
// "kind" (default oci), the kind's settings and the keys below.
type Destination struct {
	Location
	// ManifestBucket holds manifests and evidence, for kinds whose
	// settings name a bucket (store.Rebucketer): another bucket reached
	// with the destination's settings. Default: the destination's bucket.
	ManifestBucket string `json:"manifestBucket,omitempty"`
	// ManifestPrefix is the key prefix of manifests and evidence, ending in
	// '/'. In the destination bucket it must lie outside every shard.
	// Default "_migrations/<id>/".
	ManifestPrefix string `json:"manifestPrefix,omitempty"`
	// ForeignObjects says what a copy does with an existing destination
	// object this migration did not write (one without provenance, written
	// by the application or another tool, or one another migration wrote):
	// ForeignRefuse leaves it untouched and fails that object, naming it;
	// ForeignOverwrite copies over it. Default ForeignRefuse.
	ForeignObjects ForeignPolicy `json:"foreignObjects,omitempty"`
}

// ForeignPolicy is what a copy does with a destination object that its
// migration did not write.
type ForeignPolicy string

// Foreign-object policies.
const (
	// ForeignRefuse never touches such an object; the object fails.
	ForeignRefuse ForeignPolicy = "refuse"
	// ForeignOverwrite copies over it.
	ForeignOverwrite ForeignPolicy = "overwrite"
)

// Shards lists the shards: explicit prefixes, a generator, or both (their
// union). No prefix may be a prefix of another.
type Shards struct {
	// Prefixes are explicit shard key prefixes, such as "users/3f/".
	Prefixes []string `json:"prefixes,omitempty"`
	// Generator expands to many prefixes: each {A..B} is a range (hex when
	// either end holds a hex letter, else decimal; zero-padded when either
	// end has a leading zero) and each {x,y} a list. Several groups expand
	// as a cross product. Example: "users/{00..ff}/" gives 256 prefixes.
	// The expansion is never stored in the plan.
	Generator string `json:"generator,omitempty"`
}

// Limits bounds the pace of copies. Each can be changed live.
type Limits struct {
	// BytesPerSecond bounds the bytes read from the source per worker.
	// Default 0: unlimited.
	BytesPerSecond int64 `json:"bytesPerSecond,omitempty"`
	// RequestsPerSecond bounds the requests to either store per worker.
	// Default 0: unlimited.
	RequestsPerSecond float64 `json:"requestsPerSecond,omitempty"`
	// Concurrency is the number of objects in flight per batch.
	// Default DefaultConcurrency.
	Concurrency int `json:"concurrency,omitempty"`
	// PartSize is the multipart part size in bytes, 1 MiB..5 GiB.
	// Default DefaultPartSize.
	PartSize int64 `json:"partSize,omitempty"`
}

// VerifyMode is how the Verifying state checks a copy.
type VerifyMode string

// Verification modes.
const (
	// VerifyQuick compares size and the checksums recorded at write time.
	VerifyQuick VerifyMode = "quick"
	// VerifyFull re-reads each destination object and hashes it.
	VerifyFull VerifyMode = "full"
)

// Verification sets the Verifying state. The final verification during the
// freeze is always full.
type Verification struct {
	// Mode is quick or full. Default VerifyQuick.
	Mode VerifyMode `json:"mode,omitempty"`
	// MaxRecopies is how many times a mismatching object is re-copied
	// before the shard fails, naming it. Default DefaultMaxRecopies.
	MaxRecopies int `json:"maxRecopies,omitempty"`
	// RequireSourceCheck makes every object whose source read cannot be
	// checked against a checksum the source vouches for (an MD5, or a
	// full-object or composite checksum) fail, naming why, instead of
	// being copied with source check "none". Default false.
	RequireSourceCheck bool `json:"requireSourceCheck,omitempty"`
}

// DeletePolicy says what happens to destination objects whose source was
// deleted during the migration.
type DeletePolicy string

// Delete policies.
const (
	// DeletesDelete deletes them at the destination too, so the
	// destination mirrors the source.
	DeletesDelete DeletePolicy = "delete"
	// DeletesKeep keeps them and records them in the manifest and report.
	DeletesKeep DeletePolicy = "keep"
)

// DeltaPolicy sets the catch-up (CatchingUp) rounds.
type DeltaPolicy struct {
	// MaxRounds bounds the delta rounds; when reached before the change
	// count settles, the shard waits for an operator. Default
	// DefaultMaxRounds.
	MaxRounds int `json:"maxRounds,omitempty"`
	// Threshold: catch-up ends when a round finds at most this many
	// changed objects (see Settled). Must be ≥ 0. Default
	// DefaultThreshold; an explicit 0 waits for a round with no change.
	Threshold *int `json:"threshold,omitempty"`
	// Deletes is "delete" or "keep". Default DeletesDelete.
	Deletes DeletePolicy `json:"deletes,omitempty"`
}

// DrainMode is how a freeze proves writes have drained.
type DrainMode string

// Drain modes.
const (
	// DrainWait waits Freeze.DrainWait after setting read-only.
	DrainWait DrainMode = "wait"
	// DrainAck waits for the application's acknowledgement at the routing
	// target, at most Freeze.DrainWait.
	DrainAck DrainMode = "ack"
)

// Freeze sets the read-only period before cutover.
type Freeze struct {
	// Drain is "wait" or "ack". Default DrainWait.
	Drain DrainMode `json:"drain,omitempty"`
	// DrainWait is the wait (drain "wait") or the longest wait for the
	// acknowledgement (drain "ack"). Default DefaultDrainWait.
	DrainWait Duration `json:"drainWait,omitempty"`
	// MaxDuration bounds the freeze; past it routing returns to the source.
	// Must exceed DrainWait. Default DefaultFreezeMax.
	MaxDuration Duration `json:"maxDuration,omitempty"`
}

// Target is the routing target: a registered routing target kind's
// settings. In a plan file its mapping holds "kind" (required) and the
// kind's settings.
type Target struct {
	// Settings are the settings of the target's kind (see
	// routing.Register): fileroute, pgroute and webhook define them.
	Settings routing.Settings `json:"-"`
}

// Approval says whether a shard waits for an operator before its freeze.
type Approval string

// Approval modes.
const (
	// ApprovalAuto freezes and cuts over without an operator.
	ApprovalAuto Approval = "auto"
	// ApprovalManual waits in AwaitingApproval for an operator's approve.
	ApprovalManual Approval = "manual"
)

// Cutover sets the routing target and the approval.
type Cutover struct {
	// Target is the routing target. Required.
	Target Target `json:"target"`
	// Approval is auto or manual. Default ApprovalAuto.
	Approval Approval `json:"approval,omitempty"`
}

// Residency lists the OCI regions the data may be written to: objects,
// manifests and evidence alike.
type Residency struct {
	// AllowedRegions are OCI region identifiers. Required, non-empty, and
	// must include the destination region.
	AllowedRegions []string `json:"allowedRegions"`
}

// Soak sets the period after cutover in which source copies are kept for
// rollback.
type Soak struct {
	// Retention is the soak's length. Default DefaultRetention.
	Retention Duration `json:"retention,omitempty"`
}

// Purge sets the deletion of every source copy after the soak.
type Purge struct {
	// Enabled deletes the primary and every copy (all versions and delete
	// markers) after the soak and a full re-verification. Default false.
	Enabled bool `json:"enabled,omitempty"`
}
