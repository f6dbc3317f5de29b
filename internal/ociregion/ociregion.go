// Package ociregion knows OCI regions: their identifiers and short codes,
// and the region an Object Storage host names. The plan's residency and
// the OCI store share it, so that both read a region the same way.
package ociregion

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/oracle/oci-go-sdk/v65/common"
)

// Samples lists a few region identifiers, for hints.
const Samples = "us-ashburn-1, us-phoenix-1, eu-frankfurt-1, ap-singapore-1"

// sdkRegions serializes the use of the OCI SDK's region table, which
// StringToRegion may extend (from OCI_REGION_METADATA or
// ~/.oci/regions-config.json) without a lock of its own.
var sdkRegions sync.Mutex

// Canonical returns the OCI region identifier of name, which may be an
// identifier ("us-ashburn-1") or a short code ("iad"), in any case, and
// reports whether the OCI SDK knows the region, from its built-in list or
// from the region metadata it reads (OCI_REGION_METADATA,
// ~/.oci/regions-config.json). Unknown names are returned lower-cased.
func Canonical(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return "", false
	}
	sdkRegions.Lock()
	defer sdkRegions.Unlock()
	if _, err := common.Region(n).RealmID(); err == nil {
		return n, true
	}
	r := common.StringToRegion(n)
	if _, err := r.RealmID(); err == nil {
		return string(r), true
	}
	return n, false
}

// Known reports whether the OCI SDK knows the region name (an identifier
// or a short code).
func Known(name string) bool {
	_, ok := Canonical(name)
	return ok
}

// host matches Object Storage hosts of every realm:
//
//	objectstorage.<region>.oraclecloud.com
//	objectstorage.<region>.oci.customer-oci.com
//	<namespace>.objectstorage.<region>.oci.customer-oci.com
//	objectstorage.<region>.oraclegovcloud.com, ...oraclecloud8.com, ...oraclecloud.eu
var host = regexp.MustCompile(`(?:^|\.)objectstorage\.([a-z0-9-]+)\.(?:oci\.customer-oci\.com|oci\.oraclecloud\.com|oraclecloud\d*\.com|oraclegovcloud\.(?:com|uk)|oraclecloud\.eu)$`)

// FromHost returns the region an OCI Object Storage endpoint names in its
// host, canonical, or "" when the endpoint is not an OCI host (a local
// endpoint, a proxy) or names no known region. The endpoint may lack its
// scheme and may hold realm template parts ("{namespaceName+Dot}").
func FromHost(endpoint string) string {
	m := host.FindStringSubmatch(endpointHost(endpoint))
	if m == nil {
		return ""
	}
	r, ok := Canonical(m[1])
	if !ok {
		return ""
	}
	return r
}

// IsOCIHost reports whether endpoint is an Oracle-operated Object Storage
// host, whose name, not what it reports, says its region.
func IsOCIHost(endpoint string) bool {
	return host.MatchString(endpointHost(endpoint))
}

var templateParam = regexp.MustCompile(`\{[^}]*\}`)

func endpointHost(endpoint string) string {
	ep := templateParam.ReplaceAllString(endpoint, "")
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
