package plan

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"

	"github.com/ocimove/ocimove/internal/routing"
)

var planID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// Validate checks the plan and returns nil or a *ValidationError listing
// every problem at once, each naming its field. It checks a normalized
// copy, so defaults count and p itself is not changed.
//
// It needs no credentials and no network: the residency of live buckets
// (replication out of the allowed regions) and the resolution of secret
// references (ValidateSecrets) are checked by the workers.
func (p *Plan) Validate() error {
	c := p.Clone()
	c.Normalize()
	var ps problems
	c.checkID(&ps)
	c.checkSources(&ps)
	c.checkDestination(&ps)
	c.checkShards(&ps)
	c.checkPace(&ps)
	c.checkVerification(&ps)
	c.checkDelta(&ps)
	c.checkFreeze(&ps)
	c.checkCutover(&ps)
	c.checkResidency(&ps)
	c.checkSoak(&ps)
	c.checkRefs(&ps)
	c.checkEncodedSize(&ps)
	return ps.err()
}

func (p *Plan) checkID(ps *problems) {
	switch {
	case p.ID == "":
		ps.add("id", "is required", "name the migration, for example us-users-to-oci")
	case !planID.MatchString(p.ID):
		ps.addf("id", "use letters, digits, '.', '_' and '-', at most 63 characters, starting with a letter or digit",
			"%q is not a valid migration id", p.ID)
	}
}

func (p *Plan) checkPace(ps *problems) {
	switch b := *p.BatchSize; {
	case b < 1:
		ps.addf("batchSize", fmt.Sprintf("omit it for the default, %d", DefaultBatchSize), "must be at least 1, not %d", b)
	case b > MaxBatchSize:
		ps.addf("batchSize", "larger batches make heartbeats and activity results too large for Temporal",
			"must be at most %d, not %d", MaxBatchSize, b)
	}
	switch w := *p.Window; {
	case w < 1:
		ps.addf("window", "to stop starting shards, pause the migration instead", "must be at least 1, not %d", w)
	case w > MaxWindow:
		ps.addf("window", "pending child workflows must stay well below Temporal's limit of 2,000",
			"must be at most %d, not %d", MaxWindow, w)
	}
	l := p.Limits
	if l.BytesPerSecond < 0 {
		ps.addf("limits.bytesPerSecond", "use 0 for no limit", "must not be negative, not %d", l.BytesPerSecond)
	}
	if l.RequestsPerSecond < 0 || math.IsNaN(l.RequestsPerSecond) || math.IsInf(l.RequestsPerSecond, 0) {
		ps.addf("limits.requestsPerSecond", "use 0 for no limit", "must be a finite number of at least 0, not %v", l.RequestsPerSecond)
	}
	if l.Concurrency < 1 || l.Concurrency > MaxConcurrency {
		ps.addf("limits.concurrency", fmt.Sprintf("omit it for the default, %d", DefaultConcurrency),
			"must be between 1 and %d, not %d", MaxConcurrency, l.Concurrency)
	}
	if l.PartSize < MinPartSize || l.PartSize > MaxPartSize {
		ps.addf("limits.partSize", fmt.Sprintf("omit it for the default, %d (16 MiB)", DefaultPartSize),
			"must be between %d (1 MiB) and %d (5 GiB) bytes, not %d", MinPartSize, MaxPartSize, l.PartSize)
	}
}

func (p *Plan) checkVerification(ps *problems) {
	v := p.Verification
	switch v.Mode {
	case VerifyQuick, VerifyFull:
	default:
		ps.addf("verification.mode", "use quick or full; the final check is always full", "unknown verification mode %q", v.Mode)
	}
	if v.MaxRecopies < 0 {
		ps.addf("verification.maxRecopies", fmt.Sprintf("omit it for the default, %d", DefaultMaxRecopies),
			"must not be negative, not %d", v.MaxRecopies)
	}
}

func (p *Plan) checkDelta(ps *problems) {
	d := p.Delta
	if d.MaxRounds < 0 {
		ps.addf("delta.maxRounds", fmt.Sprintf("omit it for the default, %d", DefaultMaxRounds), "must be at least 1, not %d", d.MaxRounds)
	}
	if t := *d.Threshold; t < 0 {
		ps.addf("delta.threshold", "catch-up ends when a round finds at most this many changes; use 0 to wait for a round with none",
			"must not be negative, not %d", t)
	}
	switch d.Deletes {
	case DeletesDelete, DeletesKeep:
	default:
		ps.addf("delta.deletes", "use delete (mirror source deletions) or keep (keep and report them)", "unknown delete policy %q", d.Deletes)
	}
}

func (p *Plan) checkFreeze(ps *problems) {
	f := p.Freeze
	switch f.Drain {
	case DrainWait, DrainAck:
	default:
		ps.addf("freeze.drain", "use wait (wait drainWait) or ack (wait for the application's acknowledgement)", "unknown drain mode %q", f.Drain)
	}
	if f.DrainWait < 0 {
		ps.addf("freeze.drainWait", "write a positive Go duration such as 30s", "must not be negative, not %s", f.DrainWait)
	}
	switch {
	case f.MaxDuration < 0:
		ps.addf("freeze.maxDuration", "write a positive Go duration such as 15m", "must not be negative, not %s", f.MaxDuration)
	case f.DrainWait >= 0 && f.MaxDuration <= f.DrainWait:
		ps.addf("freeze.maxDuration", "leave time within the freeze for the final delta and the full verification",
			"%s must exceed freeze.drainWait (%s)", f.MaxDuration, f.DrainWait)
	}
}

func (p *Plan) checkCutover(ps *problems) {
	if t := p.Cutover.Target.Settings; t != nil {
		t.Validate(ps.at("cutover.target"))
	} else {
		ps.add("cutover.target.kind", "is required", "use "+routing.Kinds.Choices())
	}
	switch p.Cutover.Approval {
	case ApprovalAuto, ApprovalManual:
	default:
		ps.addf("cutover.approval", "use auto or manual", "unknown approval %q", p.Cutover.Approval)
	}
}

func (p *Plan) checkResidency(ps *problems) {
	allowed := p.Residency.AllowedRegions
	if len(allowed) == 0 {
		ps.add("residency.allowedRegions", "must list at least one region",
			"list the OCI regions the data may be written to, such as us-ashburn-1")
		return
	}
	for i, r := range allowed {
		if _, ok := CanonicalOCIRegion(r); !ok {
			ps.addf(fmt.Sprintf("residency.allowedRegions[%d]", i), "use OCI region identifiers such as "+sampleOCIRegions,
				"%q is not a known OCI region", r)
		}
	}
	// A destination whose settings name an OCI region is checked here; the
	// region derived from the endpoint in use is checked where it writes.
	dr := p.Destination.Place().Region
	if _, known := CanonicalOCIRegion(dr); known && !p.AllowedRegion(dr) {
		ps.addf("destination.region",
			"write to an allowed region, or add the region to residency.allowedRegions if the data may live there",
			"%s is not in residency.allowedRegions (%s)", dr, strings.Join(allowed, ", "))
	}
}

func (p *Plan) checkSoak(ps *problems) {
	if p.Soak.Retention < 0 {
		ps.addf("soak.retention", "write a positive Go duration such as 168h", "must not be negative, not %s", p.Soak.Retention)
	}
}

// checkRefs checks that every secret reference is well-formed. A value
// without a known scheme may be an inline secret: it is refused, and not
// repeated.
func (p *Plan) checkRefs(ps *problems) {
	for _, r := range p.SecretRefs() {
		if _, _, err := r.Ref.Parse(); err != nil {
			ps.add(r.Field, err.Error()+"; a plan holds references, never secret values",
				"write env:NAME, ${NAME}, profile:NAME or file:/path, and give the value to the workers")
		}
	}
}

func (p *Plan) checkEncodedSize(ps *problems) {
	b, err := json.Marshal(p)
	if err != nil {
		return // only a non-finite number fails, and checkPace names it
	}
	if len(b) > MaxPlanBytes {
		ps.addf("shards.prefixes", "describe the shards with shards.generator",
			"the plan encodes to %d KiB, above the %d KiB allowed for a workflow input", (len(b)+1023)>>10, MaxPlanBytes>>10)
	}
}

// FieldRef is a secret reference with the field that holds it.
type FieldRef struct {
	Field string    `json:"field"`
	Ref   SecretRef `json:"ref"`
}

// SecretRefs lists the plan's non-empty secret references, in field
// order: those of every location's settings and of the routing target,
// whatever their kinds.
func (p *Plan) SecretRefs() []FieldRef {
	var out []FieldRef
	add := func(prefix string, settings any) {
		walkRefs(settings, prefix, func(field string, r reflect.Value) {
			out = append(out, FieldRef{Field: field, Ref: SecretRef(r.String())})
		})
	}
	add("sources.primary", p.Sources.Primary.Settings)
	for i, c := range p.Sources.Copies {
		add(fmt.Sprintf("sources.copies[%d].%s", i, c.Kind()), c.Settings)
	}
	add("destination", p.Destination.Settings)
	add("cutover.target", p.Cutover.Target.Settings)
	return out
}

// ValidateSecrets checks that every secret reference of the plan resolves
// with lookup (see SecretRef.Resolve). It runs in the worker, which holds
// the credentials; the starter has none. It returns nil or a
// *ValidationError naming each unresolvable field; no value is kept or
// reported.
func (p *Plan) ValidateSecrets(lookup func(string) (string, bool)) error {
	var ps problems
	for _, r := range p.SecretRefs() {
		if _, err := r.Ref.Resolve(lookup); err != nil {
			ps.add(r.Field, err.Error(), "set it on every worker, or change the reference")
		}
	}
	return ps.err()
}
