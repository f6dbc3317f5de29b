package plan

import "github.com/ocimove/ocimove/internal/ociregion"

// CanonicalOCIRegion returns the OCI region identifier of name, which may
// be an identifier ("us-ashburn-1") or a short code ("iad"), in any case,
// and reports whether the OCI SDK knows the region (see
// ociregion.Canonical). Unknown names are returned lower-cased.
func CanonicalOCIRegion(name string) (string, bool) { return ociregion.Canonical(name) }

func canonicalOCIRegion(name string) string {
	r, _ := CanonicalOCIRegion(name)
	return r
}

// AllowedRegion reports whether data may be written to the OCI region
// (identifier or short code): whether it is one of
// residency.allowedRegions. An empty or unknown region is never allowed,
// so a residency check fails closed. Activities that write call it with
// the region derived from the endpoint they actually use.
func (p *Plan) AllowedRegion(region string) bool {
	r, ok := CanonicalOCIRegion(region)
	if !ok {
		return false
	}
	for _, a := range p.Residency.AllowedRegions {
		if c, ok := CanonicalOCIRegion(a); ok && c == r {
			return true
		}
	}
	return false
}

// sampleOCIRegions lists a few identifiers for hints.
const sampleOCIRegions = ociregion.Samples
