package plan

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

var (
	// s3BucketName follows the S3 general purpose bucket naming rules.
	s3BucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// ociBucketName follows the OCI Object Storage bucket naming rules.
	ociBucketName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,256}$`)
	ociNamespace  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

func (p *Plan) checkSources(ps *problems) {
	pr := p.Sources.Primary
	checkS3(ps, "sources.primary", pr.S3Bucket)
	checkFilters(ps, "sources.primary.filters", pr.Filters)

	names := map[string]int{}
	for i, c := range p.Sources.Copies {
		f := fmt.Sprintf("sources.copies[%d]", i)
		switch c.Role {
		case RoleReplica, RoleBackup:
		case "":
			ps.add(f+".role", "is required", "use replica or backup")
		default:
			ps.addf(f+".role", "use replica or backup", "unknown role %q", c.Role)
		}
		if c.Name != "" {
			if j, dup := names[c.Name]; dup {
				ps.addf(f+".name", "give each copy its own name", "%q is also the name of sources.copies[%d]", c.Name, j)
			} else {
				names[c.Name] = i
			}
		}
		switch {
		case c.S3 == nil && c.OCI == nil:
			ps.add(f, "locates no bucket", "set s3 (bucket, region) or oci (namespace, region, bucket)")
		case c.S3 != nil && c.OCI != nil:
			ps.add(f, "sets both s3 and oci", "a copy is one bucket; list each bucket as its own copy")
		case c.S3 != nil:
			checkS3(ps, f+".s3", *c.S3)
			if sameS3(*c.S3, pr.S3Bucket) {
				ps.add(f+".s3", "is the primary bucket itself", "list only other copies of the data here")
			}
		default:
			checkOCI(ps, f+".oci", *c.OCI)
			if sameOCI(*c.OCI, p.Destination.OCIBucket) {
				ps.add(f+".oci", "is the destination bucket: a purge would delete the migrated data",
					"list only copies of the source data here")
			}
		}
	}
}

func sameS3(a, b S3Bucket) bool {
	return a.Bucket == b.Bucket && a.Region == b.Region && strings.TrimRight(a.Endpoint, "/") == strings.TrimRight(b.Endpoint, "/")
}

func sameOCI(a, b OCIBucket) bool {
	return a.Bucket == b.Bucket && a.Region == b.Region &&
		(a.Namespace == "" || b.Namespace == "" || a.Namespace == b.Namespace)
}

func checkS3(ps *problems, f string, b S3Bucket) {
	switch {
	case b.Bucket == "":
		ps.add(f+".bucket", "is required", "name the S3 bucket")
	case !s3BucketName.MatchString(b.Bucket) || strings.Contains(b.Bucket, ".."):
		ps.addf(f+".bucket", "S3 bucket names have 3 to 63 lower-case letters, digits, '.' and '-'",
			"%q is not a valid S3 bucket name", b.Bucket)
	}
	switch {
	case b.Region == "":
		ps.add(f+".region", "is required", "name the bucket's AWS region, such as us-east-1")
	case !ValidAWSRegion(b.Region):
		ps.addf(f+".region", "use an AWS region name such as us-east-1 or ap-southeast-1", "%q is not an AWS region name", b.Region)
	}
	checkEndpoint(ps, f+".endpoint", b.Endpoint)
}

func checkOCI(ps *problems, f string, b OCIBucket) {
	switch {
	case b.Bucket == "":
		ps.add(f+".bucket", "is required", "name the OCI bucket")
	case !ociBucketName.MatchString(b.Bucket):
		ps.addf(f+".bucket", "OCI bucket names have up to 256 letters, digits, '.', '_' and '-'",
			"%q is not a valid OCI bucket name", b.Bucket)
	}
	if b.Namespace != "" && !ociNamespace.MatchString(b.Namespace) {
		ps.addf(f+".namespace", "use the tenancy's Object Storage namespace, or omit it to discover it",
			"%q is not a valid namespace", b.Namespace)
	}
	region, known := CanonicalOCIRegion(b.Region)
	switch {
	case b.Region == "":
		ps.add(f+".region", "is required", "name the OCI region, such as us-ashburn-1")
	case !known:
		ps.addf(f+".region", "use an OCI region identifier such as "+sampleOCIRegions+
			", or add a new region through OCI_REGION_METADATA", "%q is not a known OCI region", b.Region)
	}
	if u := checkEndpoint(ps, f+".endpoint", b.Endpoint); u != nil && known {
		if er := endpointRegion(u); er != "" && er != region {
			ps.addf(f+".endpoint", "the region written to is derived from the endpoint; make the two agree",
				"names region %s, but %s.region is %s", er, f, region)
		}
	}
	a := b.Auth
	switch a.Method {
	case AuthConfigFile:
	case AuthInstancePrincipal, AuthResourcePrincipal:
		if a.ConfigFile != "" {
			ps.addf(f+".auth.configFile", "remove it, or use method config_file", "does not apply to %s auth", a.Method)
		}
		if a.Profile != "" {
			ps.addf(f+".auth.profile", "remove it, or use method config_file", "does not apply to %s auth", a.Method)
		}
	default:
		ps.addf(f+".auth.method", "use config_file, instance_principal or resource_principal", "unknown auth method %q", a.Method)
	}
}

// checkEndpoint checks an optional endpoint URL and returns it parsed, or
// nil. Messages never repeat the URL, which could hold a credential.
func checkEndpoint(ps *problems, f, endpoint string) *url.URL {
	if endpoint == "" {
		return nil
	}
	const hint = "write a URL such as https://host:port, without credentials, query or fragment"
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		ps.add(f, "is not a URL", hint)
		return nil
	case u.Scheme != "http" && u.Scheme != "https":
		ps.add(f, "must use http or https", hint)
		return nil
	case u.Host == "":
		ps.add(f, "has no host", hint)
		return nil
	case u.User != nil:
		ps.add(f, "must not carry credentials", "give credentials to the workers through a profile; "+hint)
		return nil
	case u.RawQuery != "" || u.Fragment != "":
		ps.add(f, "must not have a query or fragment", hint)
		return nil
	}
	return u
}

func checkFilters(ps *problems, f string, fl Filters) {
	for i, g := range fl.Include {
		if g == "" || !doublestar.ValidatePattern(g) {
			ps.addf(fmt.Sprintf("%s.include[%d]", f, i), "write a glob such as **/*.json ('*' within a segment, '**' across segments)",
				"%q is not a valid glob", g)
		}
	}
	for i, g := range fl.Exclude {
		if g == "" || !doublestar.ValidatePattern(g) {
			ps.addf(fmt.Sprintf("%s.exclude[%d]", f, i), "write a glob such as **/*.tmp ('*' within a segment, '**' across segments)",
				"%q is not a valid glob", g)
		}
	}
	if fl.MinAge < 0 {
		ps.addf(f+".minAge", "write a positive Go duration such as 24h", "must not be negative, not %s", fl.MinAge)
	}
	switch {
	case fl.MaxAge < 0:
		ps.addf(f+".maxAge", "write a positive Go duration such as 720h, or omit it for no limit", "must not be negative, not %s", fl.MaxAge)
	case fl.MaxAge > 0 && fl.MaxAge <= fl.MinAge:
		ps.addf(f+".maxAge", "no object could be in scope", "%s must exceed minAge (%s)", fl.MaxAge, fl.MinAge)
	}
}

var ocid = regexp.MustCompile(`^ocid1\.(compartment|tenancy)\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9]+$`)

func (p *Plan) checkDestination(ps *problems) {
	d := p.Destination
	checkOCI(ps, "destination", d.OCIBucket)
	if d.Compartment != "" && !ocid.MatchString(d.Compartment) {
		ps.add("destination.compartment", "is not a compartment OCID",
			"use the compartment's OCID (ocid1.compartment.oc1..…), or omit it")
	}
	switch d.StorageTier {
	case "", "Standard", "InfrequentAccess":
	case "Archive":
		ps.add("destination.storageTier", "Archive objects cannot be read back for verification",
			"use Standard or InfrequentAccess, and move objects to Archive after the migration with a lifecycle rule")
	default:
		ps.addf("destination.storageTier", "use Standard or InfrequentAccess, or omit it for the bucket's default",
			"unknown storage tier %q", d.StorageTier)
	}
	if d.ManifestBucket != "" && !ociBucketName.MatchString(d.ManifestBucket) {
		ps.addf("destination.manifestBucket", "OCI bucket names have up to 256 letters, digits, '.', '_' and '-'",
			"%q is not a valid OCI bucket name", d.ManifestBucket)
	}
	switch d.ForeignObjects {
	case ForeignRefuse, ForeignOverwrite:
	default:
		ps.addf("destination.foreignObjects", "use refuse (leave objects the migration did not write untouched) or overwrite",
			"unknown foreign-object policy %q", d.ForeignObjects)
	}
	switch mp := d.ManifestPrefix; {
	case mp == "" && d.ManifestBucket == d.Bucket && p.ID != "":
		ps.add("destination.manifestPrefix", "must not be empty in the destination bucket",
			"omit it for the default, "+DefaultManifestPrefix("<id>"))
	case strings.ContainsAny(mp, "\x00\n\r"):
		ps.add("destination.manifestPrefix", "holds a control character", "use a plain prefix such as _migrations/")
	}
}
