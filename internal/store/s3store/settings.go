package s3store

import (
	"context"
	"regexp"
	"strings"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/store"
)

// Kind is the store kind of S3 buckets in plans.
const Kind = "s3"

// Settings locate an S3 (or S3-compatible) bucket in a plan: kind "s3",
// the default kind of sources.primary. Credentials come from the worker:
// the SDK's default chain, or the named profile of its shared AWS
// configuration.
type Settings struct {
	// Bucket is the bucket name. Required.
	Bucket string `json:"bucket"`
	// Region is the AWS region, such as "us-east-1". Required: residency
	// evidence records it and SigV4 signs with it.
	Region string `json:"region"`
	// Profile is a named profile of the worker's shared AWS configuration.
	// Default: the SDK's default credential chain.
	Profile string `json:"profile,omitempty"`
	// Endpoint overrides the service endpoint ("http://127.0.0.1:9000").
	// It must not carry credentials. Default: the AWS endpoint of Region.
	Endpoint string `json:"endpoint,omitempty"`
	// UsePathStyle addresses buckets as endpoint/bucket/key, as most
	// S3-compatible endpoints need. Default false.
	UsePathStyle bool `json:"usePathStyle,omitempty"`
	// CAFile is a PEM bundle, on every worker, of the CAs that issued the
	// endpoint's TLS certificate, trusted instead of the system's (a
	// private CA, a TLS-inspecting proxy). Default: the system's CAs.
	CAFile string `json:"caFile,omitempty"`
}

var (
	_ store.Settings   = (*Settings)(nil)
	_ store.Rebucketer = (*Settings)(nil)
)

// bucketName follows the S3 general purpose bucket naming rules.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// Kind implements store.Settings.
func (s *Settings) Kind() string { return Kind }

// Normalize implements store.Settings: the region is lower-cased.
func (s *Settings) Normalize() { s.Region = strings.ToLower(strings.TrimSpace(s.Region)) }

// Validate implements store.Settings.
func (s *Settings) Validate(r kind.Reporter, _ store.Role) {
	switch {
	case s.Bucket == "":
		r.Add("bucket", "is required", "name the S3 bucket")
	case !bucketName.MatchString(s.Bucket) || strings.Contains(s.Bucket, ".."):
		r.Addf("bucket", "S3 bucket names have 3 to 63 lower-case letters, digits, '.' and '-'",
			"%q is not a valid S3 bucket name", s.Bucket)
	}
	switch {
	case s.Region == "":
		r.Add("region", "is required", "name the bucket's AWS region, such as us-east-1")
	case !ValidRegion(s.Region):
		r.Addf("region", "use an AWS region name such as us-east-1 or ap-southeast-1", "%q is not an AWS region name", s.Region)
	}
	kind.CheckCAFile(r, "caFile", s.CAFile, kind.CheckEndpoint(r, "endpoint", s.Endpoint))
}

// Place implements store.Settings.
func (s *Settings) Place() store.Place {
	return store.Place{Kind: Kind, Bucket: s.Bucket, Region: s.Region, Endpoint: s.Endpoint}
}

// Same implements store.Settings: the same bucket, region and endpoint.
func (s *Settings) Same(o store.Settings) bool {
	b, ok := o.(*Settings)
	return ok && s.Bucket == b.Bucket && s.Region == b.Region &&
		strings.TrimRight(s.Endpoint, "/") == strings.TrimRight(b.Endpoint, "/")
}

// InBucket implements store.Rebucketer.
func (s *Settings) InBucket(bucket string) store.Settings {
	c := *s
	c.Bucket = bucket
	return &c
}

// Open implements store.Settings: the bucket through aws-sdk-go-v2 with the
// worker's credentials.
func (s *Settings) Open(ctx context.Context, env store.Env) (store.Store, error) {
	return New(ctx, Config{Bucket: s.Bucket, Region: s.Region, Profile: s.Profile, Endpoint: s.Endpoint,
		UsePathStyle: s.UsePathStyle, CAFile: s.CAFile, Observer: env.Observer})
}

func init() {
	store.Register(store.Backend{Kind: Kind, New: func() store.Settings { return &Settings{} }})
}
