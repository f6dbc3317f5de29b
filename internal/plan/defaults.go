package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/ocimove/ocimove/internal/store"
)

// Defaults applied by Normalize (docs/PLAN.md tabulates them) and bounds
// enforced by Validate.
const (
	// DefaultBatchSize is the objects per batch when BatchSize is nil.
	DefaultBatchSize = 1000
	// MaxBatchSize bounds BatchSize, so that a batch's heartbeat (the set
	// of finished objects) and its result stay far below Temporal's
	// payload limits.
	MaxBatchSize = 10_000
	// DefaultWindow is the shards in flight when Window is nil.
	DefaultWindow = 16
	// MaxWindow bounds Window, so that pending child workflows stay well
	// below Temporal's limit of 2,000 per workflow.
	MaxWindow = 1000
	// MaxShards bounds the number of shards of one plan.
	MaxShards = 100_000
	// MaxPlanBytes bounds the plan's JSON encoding, so that it stays a
	// small workflow input (Temporal refuses payloads above 2 MiB and warns
	// above 256 KiB). Use a generator for long shard lists.
	MaxPlanBytes = 128 << 10

	// MaxConcurrency bounds the objects in flight per batch.
	MaxConcurrency = 1024
	// DefaultConcurrency is the objects in flight per batch.
	DefaultConcurrency = 16
	// DefaultPartSize is the multipart part size (16 MiB, as the engine's).
	DefaultPartSize int64 = 16 << 20
	// MinPartSize and MaxPartSize bound Limits.PartSize.
	MinPartSize int64 = 1 << 20
	MaxPartSize int64 = 5 << 30

	// DefaultVerifyMode is the Verifying state's mode.
	DefaultVerifyMode = VerifyQuick
	// DefaultMaxRecopies is the re-copies of a mismatching object.
	DefaultMaxRecopies = 3
	// DefaultForeignObjects leaves destination objects the migration did
	// not write untouched.
	DefaultForeignObjects = ForeignRefuse

	// DefaultMaxRounds is the delta rounds before an operator is needed.
	DefaultMaxRounds = 5
	// DefaultThreshold is the change count at or below which catch-up ends.
	DefaultThreshold = 100
	// DefaultDeletes mirrors source deletions at the destination.
	DefaultDeletes = DeletesDelete

	// DefaultDrain proves the drain by waiting.
	DefaultDrain = DrainWait
	// DefaultDrainWait is the drain wait (or the longest wait for an ack).
	DefaultDrainWait = Duration(30 * time.Second)
	// DefaultFreezeMax bounds a freeze.
	DefaultFreezeMax = Duration(15 * time.Minute)

	// DefaultApproval cuts over without an operator.
	DefaultApproval = ApprovalAuto
	// DefaultRetention is the soak: 7 days.
	DefaultRetention = Duration(7 * 24 * time.Hour)

	// ManifestRoot is the first segment of the default manifest prefix.
	ManifestRoot = "_migrations/"
)

// DefaultManifestPrefix returns the default manifest prefix of migration
// id: "_migrations/<id>/".
func DefaultManifestPrefix(id string) string { return ManifestRoot + id + "/" }

// Normalize fills every default left unset and writes values in their
// canonical form. It is idempotent and keeps the order and length of every
// list, so field paths in validation problems stay those of the input.
//
// Defaults (also in docs/PLAN.md):
//
//	name                         the id
//	sources.copies[i].name       "<role>-<i>"
//	sources.primary.kind         s3
//	destination.kind             oci
//	destination.auth.method      config_file (also for OCI copies; ocistore's default)
//	destination.auth.configFile  ~/.oci/config (config_file only)
//	destination.auth.profile     DEFAULT (config_file only)
//	destination.manifestBucket   destination.bucket (kinds with buckets)
//	destination.manifestPrefix   _migrations/<id>/
//	destination.foreignObjects   refuse
//	batchSize                    1000
//	window                       16
//	limits.concurrency           16
//	limits.partSize              16 MiB
//	limits.bytesPerSecond        0 (unlimited)
//	limits.requestsPerSecond     0 (unlimited)
//	verification.mode            quick
//	verification.maxRecopies     3
//	verification.requireSourceCheck false
//	delta.maxRounds              5
//	delta.threshold              100
//	delta.deletes                delete
//	freeze.drain                 wait
//	freeze.drainWait             30s
//	freeze.maxDuration           15m
//	cutover.approval             auto
//	soak.retention               168h
//	purge.enabled                false
//
// Each location's and the target's settings normalize themselves (their
// kind's defaults and canonical forms: region names are lower-cased and
// OCI short codes ("iad") become identifiers ("us-ashburn-1")). Canonical
// forms: ${NAME} secret references, in any kind's settings, become
// env:NAME; a manifest prefix gains a final '/'.
func (p *Plan) Normalize() {
	p.ID = strings.TrimSpace(p.ID)
	if p.Name == "" {
		p.Name = p.ID
	}

	normalizeLocation(p.Sources.Primary.Location)
	for i := range p.Sources.Copies {
		c := &p.Sources.Copies[i]
		if c.Name == "" && c.Role != "" {
			c.Name = fmt.Sprintf("%s-%d", c.Role, i)
		}
		normalizeLocation(c.Location)
	}

	d := &p.Destination
	normalizeLocation(d.Location)
	if _, ok := d.Settings.(store.Rebucketer); ok && d.ManifestBucket == "" {
		d.ManifestBucket = d.Place().Bucket
	}
	if d.ManifestPrefix == "" && p.ID != "" {
		d.ManifestPrefix = DefaultManifestPrefix(p.ID)
	}
	if d.ManifestPrefix != "" && !strings.HasSuffix(d.ManifestPrefix, "/") {
		d.ManifestPrefix += "/"
	}
	if d.ForeignObjects == "" {
		d.ForeignObjects = DefaultForeignObjects
	}

	if p.BatchSize == nil {
		p.BatchSize = ptr(DefaultBatchSize)
	}
	if p.Window == nil {
		p.Window = ptr(DefaultWindow)
	}
	if p.Limits.Concurrency == 0 {
		p.Limits.Concurrency = DefaultConcurrency
	}
	if p.Limits.PartSize == 0 {
		p.Limits.PartSize = DefaultPartSize
	}

	if p.Verification.Mode == "" {
		p.Verification.Mode = DefaultVerifyMode
	}
	if p.Verification.MaxRecopies == 0 {
		p.Verification.MaxRecopies = DefaultMaxRecopies
	}

	if p.Delta.MaxRounds == 0 {
		p.Delta.MaxRounds = DefaultMaxRounds
	}
	if p.Delta.Threshold == nil {
		p.Delta.Threshold = ptr(DefaultThreshold)
	}
	if p.Delta.Deletes == "" {
		p.Delta.Deletes = DefaultDeletes
	}

	if p.Freeze.Drain == "" {
		p.Freeze.Drain = DefaultDrain
	}
	if p.Freeze.DrainWait == 0 {
		p.Freeze.DrainWait = DefaultDrainWait
	}
	if p.Freeze.MaxDuration == 0 {
		p.Freeze.MaxDuration = DefaultFreezeMax
	}

	if t := p.Cutover.Target.Settings; t != nil {
		t.Normalize()
		canonicalRefs(t)
	}
	if p.Cutover.Approval == "" {
		p.Cutover.Approval = DefaultApproval
	}

	for i, r := range p.Residency.AllowedRegions {
		p.Residency.AllowedRegions[i] = canonicalOCIRegion(r)
	}

	if p.Soak.Retention == 0 {
		p.Soak.Retention = DefaultRetention
	}
}

// normalizeLocation fills the defaults of a location's settings and
// canonicalizes its secret references.
func normalizeLocation(l Location) {
	if l.Settings != nil {
		l.Settings.Normalize()
		canonicalRefs(l.Settings)
	}
}

func ptr[T any](v T) *T { return &v }

// EffectiveBatchSize returns BatchSize, or DefaultBatchSize when unset.
func (p *Plan) EffectiveBatchSize() int {
	if p.BatchSize == nil {
		return DefaultBatchSize
	}
	return *p.BatchSize
}

// EffectiveWindow returns Window, or DefaultWindow when unset.
func (p *Plan) EffectiveWindow() int {
	if p.Window == nil {
		return DefaultWindow
	}
	return *p.Window
}
