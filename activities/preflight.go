package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
)

// maxNameExamples bounds the keys the pre-flight names per shard among
// those the destination cannot store.
const maxNameExamples = 5

// Preflight checks a plan before any workflow starts, on a worker (which
// holds the credentials): the plan is valid; every secret reference
// resolves; the destination region, derived from the endpoint in use, is
// allowed, and so is the manifest store's; the destination bucket does not
// replicate out of the allowed regions; the destination is writable (a
// probe object is put and deleted under the manifest prefix); when the
// plan purges, no retention rule or Object Lock blocks deleting a source
// copy. It then stores the plan as plan.json next to the manifests and
// lists every shard for its object and byte counts and the keys the
// destination cannot store (which would end as unsupported names, and keep
// the shard from passing its final verification). Problems are returned,
// not raised: the caller shows them all at once.
func (a *Activities) Preflight(ctx context.Context, in PreflightInput) (PreflightResult, error) {
	var res PreflightResult
	problem := func(format string, args ...any) { res.Problems = append(res.Problems, fmt.Sprintf(format, args...)) }
	var p plan.Plan
	if err := json.Unmarshal(in.PlanJSON, &p); err != nil {
		problem("plan: not valid JSON: %v", err)
		return res, nil
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		problem("%v", err)
		return res, nil
	}
	if err := p.ValidateSecrets(a.lookup); err != nil {
		problem("%v", err)
	}
	s, err := a.sessionFor(ctx, &p)
	if err != nil {
		problem("stores: %v", err)
		return res, nil
	}
	if r, ok := s.stores.Destination.(store.Regioner); ok {
		res.DestinationRegion = r.Region()
	}
	writable := true
	if err := manifest.CheckRegion(s.stores.Destination, p.AllowedRegion); err != nil {
		problem("destination: %v", err)
		writable = false
	}
	if err := s.man.CheckResidency(); err != nil {
		problem("destination.manifestBucket: %v", err)
		writable = false
	}
	if rr, ok := s.stores.Destination.(store.ReplicationReporter); ok {
		regions, err := rr.ReplicationRegions(ctx)
		if err != nil {
			problem("destination: cannot read replication policies: %v", err)
		}
		for _, r := range regions {
			if !p.AllowedRegion(r) {
				problem("destination: bucket %s replicates to region %s, which is not in residency.allowedRegions; remove the replication policy", p.Destination.Place().Bucket, r)
			}
		}
	} else {
		problem("destination: the replication of a %s destination cannot be inspected; check by hand that it replicates to no region outside residency.allowedRegions", p.Destination.Kind())
	}
	if writable {
		probe := s.man.Root() + "_preflight-probe"
		if err := s.man.WriteJSON(ctx, probe, map[string]string{"probe": p.ID}); err != nil {
			problem("destination: not writable: %v", err)
		} else if err := s.man.Delete(ctx, probe); err != nil {
			problem("destination: cannot delete the probe object %s: %v", probe, err)
		} else if err := s.man.WriteJSON(ctx, manifest.PlanKey(s.man.Root()), &p); err != nil {
			problem("destination: cannot store the plan: %v", err)
		}
	}
	if p.Purge.Enabled {
		a.checkPurgeBlockers(ctx, s, problem)
	}
	shards, err := p.ShardList()
	if err != nil {
		problem("shards: %v", err)
		return res, nil
	}
	names, _ := s.stores.Destination.(store.NameChecker)
	now := time.Now()
	for _, sh := range shards {
		size := ShardSize{ShardID: sh.ID}
		err := store.Walk(ctx, s.stores.Source, sh.Prefix, func(o store.ObjectInfo) error {
			size.Objects++
			size.Bytes += o.Size
			if names != nil && names.CheckName(o.Key) != nil {
				if ok, _ := p.Sources.Primary.Filters.Admit(o.Key, o.LastModified, now); ok {
					size.UnsupportedNames++
					if len(size.UnsupportedExamples) < maxNameExamples {
						size.UnsupportedExamples = append(size.UnsupportedExamples, o.Key)
					}
				}
			}
			return nil
		})
		if err != nil {
			problem("sources.primary: list %s: %v", sh.Prefix, err)
			break
		}
		res.Shards = append(res.Shards, size)
	}
	if len(res.Problems) == 0 {
		a.plans.add(&p)
	}
	return res, nil
}

// checkPurgeBlockers reports retention rules and Object Lock that would
// block the purge of a source copy, for the copies whose store can tell.
func (a *Activities) checkPurgeBlockers(ctx context.Context, s *session, problem func(string, ...any)) {
	copies := append([]NamedStore{{Name: "primary", Store: s.stores.Source}}, s.stores.Copies...)
	for _, c := range copies {
		if rr, ok := c.Store.(store.RetentionReporter); ok {
			rules, err := rr.RetentionRules(ctx)
			if err != nil {
				problem("source copy %s: cannot read retention rules: %v", c.Name, err)
			}
			for _, r := range rules {
				problem("source copy %s: retention rule %q would block the purge; remove it or disable purge", c.Name, r)
			}
		}
		if ol, ok := c.Store.(store.ObjectLocker); ok {
			// An error (no lock configuration, or an endpoint without the
			// call) reads as "not locked".
			if locked, err := ol.ObjectLockEnabled(ctx); err == nil && locked {
				problem("source copy %s: bucket %s has Object Lock enabled, which would block the purge; disable purge or clear the retention", c.Name, c.Store)
			}
		}
	}
}
