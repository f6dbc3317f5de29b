package ocistore

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/oracle/oci-go-sdk/v65/common"

	"github.com/ocimove/ocimove/internal/ociregion"
)

// RegionHeader is the response header the project's local OCI endpoint
// sets on every response to name the region it stands for. It is read only
// for endpoints that are not OCI hosts.
const RegionHeader = "x-ocimove-region"

// Region returns the region the store writes to, derived from the endpoint
// actually used: the region label of an OCI Object Storage host, or, for a
// custom endpoint, the region it reported in RegionHeader. It returns ""
// when the region is unknown, and residency checks must then fail closed.
func (s *Store) Region() string {
	if r := regionFromHost(s.endpoint); r != "" {
		return r
	}
	if isOCIHost(s.endpoint) {
		return ""
	}
	return s.regions.region()
}

// regionFromHost returns the region named by an OCI Object Storage
// endpoint, or "" if the endpoint is not one or names no known region.
func regionFromHost(endpoint string) string { return ociregion.FromHost(endpoint) }

// isOCIHost reports whether endpoint is an Oracle-operated host, whose
// region header (if any) must not be trusted over its name.
func isOCIHost(endpoint string) bool { return ociregion.IsOCIHost(endpoint) }

// knownRegion reports whether name (a region identifier or short code) is
// a region the SDK knows, including regions added through the SDK's
// region metadata (OCI_REGION_METADATA, ~/.oci/regions-config.json).
func knownRegion(name string) bool { return ociregion.Known(name) }

// validateRegion rejects a region the SDK does not know: StringToRegion
// returns an unknown name unchanged, which would silently target a host
// that does not exist.
func validateRegion(name string) error {
	if knownRegion(name) {
		return nil
	}
	return configError(fmt.Sprintf("region %q is not a known OCI region", name),
		"set Region to an OCI region identifier such as "+strings.Join(sampleRegions(), ", ")+
			", or add a new region through OCI_REGION_METADATA")
}

// sampleRegions lists a few well-known regions for hints.
func sampleRegions() []string {
	r := []string{string(common.RegionFRA), string(common.RegionIAD), string(common.RegionPHX),
		string(common.RegionLHR), string(common.RegionAPSingapore1)}
	sort.Strings(r)
	return r
}

// regionRecorder keeps the region a custom endpoint reports. If responses
// ever disagree, the region becomes unknown.
type regionRecorder struct {
	mu       sync.Mutex
	value    string
	conflict bool
}

func (r *regionRecorder) observe(v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.value == "":
		r.value = v
	case r.value != v:
		r.conflict = true
	}
}

func (r *regionRecorder) region() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conflict {
		return ""
	}
	return r.value
}
