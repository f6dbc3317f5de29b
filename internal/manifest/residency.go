package manifest

import (
	"errors"
	"fmt"

	"github.com/ocimove/ocimove/internal/store"
)

// ErrResidency is wrapped by every refusal to write to a region outside
// the plan's allowed set (or to a store whose region is unknown).
var ErrResidency = errors.New("residency: write refused")

// CheckRegion returns nil if st reports, from the endpoint it actually
// uses, a region that allowed accepts. It fails closed: a store that does
// not implement store.Regioner, or reports no region, is refused.
func CheckRegion(st store.Store, allowed func(region string) bool) error {
	r, ok := st.(store.Regioner)
	if !ok {
		return fmt.Errorf("%w: %s cannot report the region it writes to; use a store that derives its region from its endpoint", ErrResidency, st)
	}
	region := r.Region()
	switch {
	case region == "":
		return fmt.Errorf("%w: the region of %s is unknown; check its endpoint", ErrResidency, st)
	case allowed == nil || !allowed(region):
		return fmt.Errorf("%w: %s is in region %s, which is not in residency.allowedRegions", ErrResidency, st, region)
	}
	return nil
}
