package plan

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/oracle/oci-go-sdk/v65/common"
)

// awsRegion matches AWS region names: "us-east-1", "ap-southeast-1",
// "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1".
var awsRegion = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)?-[a-z]+-[0-9]{1,2}$`)

// ValidAWSRegion reports whether name has the syntax of an AWS region.
func ValidAWSRegion(name string) bool { return awsRegion.MatchString(name) }

func canonicalAWSRegion(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// sdkRegions serializes this package's use of the OCI SDK's region table,
// which StringToRegion may extend (from OCI_REGION_METADATA or
// ~/.oci/regions-config.json) without a lock of its own.
var sdkRegions sync.Mutex

// CanonicalOCIRegion returns the OCI region identifier of name, which may
// be an identifier ("us-ashburn-1") or a short code ("iad"), in any case,
// and reports whether the OCI SDK knows the region, from its built-in list
// or from the region metadata it reads (OCI_REGION_METADATA,
// ~/.oci/regions-config.json). Unknown names are returned lower-cased.
func CanonicalOCIRegion(name string) (string, bool) {
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

// ociEndpointHost captures the region label of an OCI Object Storage host
// ("objectstorage.us-ashburn-1.oraclecloud.com" and the other realms).
var ociEndpointHost = regexp.MustCompile(`(?:^|\.)objectstorage\.([a-z0-9-]+)\.(?:oci\.customer-oci\.com|oci\.oraclecloud\.com|oraclecloud\d*\.com|oraclegovcloud\.(?:com|uk)|oraclecloud\.eu)$`)

// endpointRegion returns the region an OCI Object Storage endpoint URL
// names in its host, or "" for other hosts (local endpoints, proxies).
func endpointRegion(u *url.URL) string {
	m := ociEndpointHost.FindStringSubmatch(strings.ToLower(u.Hostname()))
	if m == nil {
		return ""
	}
	return canonicalOCIRegion(m[1])
}

// sampleOCIRegions lists a few identifiers for hints.
const sampleOCIRegions = "us-ashburn-1, us-phoenix-1, eu-frankfurt-1, ap-singapore-1"
