package ocistore

import (
	"context"
	"regexp"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/ociregion"
	"github.com/ocimove/ocimove/internal/secret"
	"github.com/ocimove/ocimove/internal/store"
)

// Kind is the store kind of OCI Object Storage buckets in plans.
const Kind = "oci"

// Settings locate an OCI Object Storage bucket in a plan: kind "oci", the
// default kind of the destination.
type Settings struct {
	// Namespace is the Object Storage namespace. Default: discovered by
	// the worker with GetNamespace.
	Namespace string `json:"namespace,omitempty"`
	// Region is the OCI region identifier, such as "us-ashburn-1" (short
	// codes such as "iad" are normalized to it). Required.
	Region string `json:"region"`
	// Bucket is the bucket name. Required.
	Bucket string `json:"bucket"`
	// Endpoint overrides the service endpoint ("http://127.0.0.1:9100").
	// It must not carry credentials. Default: the OCI endpoint of Region.
	Endpoint string `json:"endpoint,omitempty"`
	// Auth is how workers authenticate.
	Auth Auth `json:"auth,omitzero"`
	// Compartment is the OCID of the bucket's compartment, used when the
	// worker creates buckets (destination only). Optional.
	Compartment string `json:"compartment,omitempty"`
	// StorageTier is the tier of written objects (destination only):
	// "Standard" or "InfrequentAccess". Default: the bucket's default tier.
	// "Archive" is refused: archived objects cannot be read back for
	// verification.
	StorageTier string `json:"storageTier,omitempty"`
	// CAFile is a PEM bundle, on every worker, of the CAs that issued the
	// endpoint's TLS certificate, trusted instead of the system's (a
	// private CA, a TLS-inspecting proxy). Default: the system's CAs.
	CAFile string `json:"caFile,omitempty"`
}

// Auth is how the workers authenticate to OCI. It holds no key: the config
// file names the key file, and PassphraseRef refers to the passphrase of
// an encrypted key.
type Auth struct {
	// Method is AuthConfigFile, AuthInstancePrincipal or
	// AuthResourcePrincipal. Default AuthConfigFile.
	Method string `json:"method,omitempty"`
	// ConfigFile is the worker's OCI config file (config_file only).
	// Default DefaultConfigFile.
	ConfigFile string `json:"configFile,omitempty"`
	// Profile is the config file profile (config_file only). Default
	// DefaultProfile.
	Profile string `json:"profile,omitempty"`
	// PassphraseRef refers to the passphrase of an encrypted key file, for
	// profiles that do not hold pass_phrase: any form of secret.Ref, which
	// the worker resolves. Optional.
	PassphraseRef secret.Ref `json:"passphraseRef,omitempty"`
}

var (
	_ store.Settings   = (*Settings)(nil)
	_ store.Rebucketer = (*Settings)(nil)
)

var (
	// bucketName follows the OCI Object Storage bucket naming rules.
	bucketName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,256}$`)
	namespace  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	ocid       = regexp.MustCompile(`^ocid1\.(compartment|tenancy)\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9]+$`)
)

// Kind implements store.Settings.
func (s *Settings) Kind() string { return Kind }

// Normalize implements store.Settings: the region becomes its identifier,
// and the auth defaults are filled (the config file and profile only for
// config_file auth).
func (s *Settings) Normalize() {
	s.Region, _ = ociregion.Canonical(s.Region)
	a := &s.Auth
	if a.Method == "" {
		a.Method = AuthConfigFile
	}
	if a.Method == AuthConfigFile {
		if a.ConfigFile == "" {
			a.ConfigFile = DefaultConfigFile
		}
		if a.Profile == "" {
			a.Profile = DefaultProfile
		}
	}
	a.PassphraseRef = a.PassphraseRef.Canonical()
}

// Validate implements store.Settings.
func (s *Settings) Validate(r kind.Reporter, role store.Role) {
	switch {
	case s.Bucket == "":
		r.Add("bucket", "is required", "name the OCI bucket")
	case !bucketName.MatchString(s.Bucket):
		r.Addf("bucket", "OCI bucket names have up to 256 letters, digits, '.', '_' and '-'",
			"%q is not a valid OCI bucket name", s.Bucket)
	}
	if s.Namespace != "" && !namespace.MatchString(s.Namespace) {
		r.Addf("namespace", "use the tenancy's Object Storage namespace, or omit it to discover it",
			"%q is not a valid namespace", s.Namespace)
	}
	region, known := ociregion.Canonical(s.Region)
	switch {
	case s.Region == "":
		r.Add("region", "is required", "name the OCI region, such as us-ashburn-1")
	case !known:
		r.Addf("region", "use an OCI region identifier such as "+ociregion.Samples+
			", or add a new region through OCI_REGION_METADATA", "%q is not a known OCI region", s.Region)
	}
	u := kind.CheckEndpoint(r, "endpoint", s.Endpoint)
	if u != nil && known {
		if er := ociregion.FromHost(u.String()); er != "" && er != region {
			r.Addf("endpoint", "the region written to is derived from the endpoint; make the two agree",
				"names region %s, but region is %s", er, region)
		}
	}
	kind.CheckCAFile(r, "caFile", s.CAFile, u)
	s.validateAuth(r)
	if role != store.RoleDestination {
		if s.Compartment != "" {
			r.Add("compartment", "applies only to the destination", "remove it")
		}
		if s.StorageTier != "" {
			r.Add("storageTier", "applies only to the destination, which is written to", "remove it")
		}
		return
	}
	if s.Compartment != "" && !ocid.MatchString(s.Compartment) {
		r.Add("compartment", "is not a compartment OCID", "use the compartment's OCID (ocid1.compartment.oc1..…), or omit it")
	}
	switch s.StorageTier {
	case "", "Standard", "InfrequentAccess":
	case "Archive":
		r.Add("storageTier", "Archive objects cannot be read back for verification",
			"use Standard or InfrequentAccess, and move objects to Archive after the migration with a lifecycle rule")
	default:
		r.Addf("storageTier", "use Standard or InfrequentAccess, or omit it for the bucket's default",
			"unknown storage tier %q", s.StorageTier)
	}
}

func (s *Settings) validateAuth(r kind.Reporter) {
	a := s.Auth
	switch a.Method {
	case AuthConfigFile:
	case AuthInstancePrincipal, AuthResourcePrincipal:
		if a.ConfigFile != "" {
			r.Addf("auth.configFile", "remove it, or use method config_file", "does not apply to %s auth", a.Method)
		}
		if a.Profile != "" {
			r.Addf("auth.profile", "remove it, or use method config_file", "does not apply to %s auth", a.Method)
		}
	default:
		r.Addf("auth.method", "use config_file, instance_principal or resource_principal", "unknown auth method %q", a.Method)
	}
}

// Place implements store.Settings.
func (s *Settings) Place() store.Place {
	return store.Place{Kind: Kind, Bucket: s.Bucket, Region: s.Region, Namespace: s.Namespace, Namespaced: true, Endpoint: s.Endpoint}
}

// Same implements store.Settings: the same bucket in the same region, and
// the same namespace unless one of them is discovered.
func (s *Settings) Same(o store.Settings) bool {
	b, ok := o.(*Settings)
	return ok && s.Bucket == b.Bucket && s.Region == b.Region &&
		(s.Namespace == "" || b.Namespace == "" || s.Namespace == b.Namespace)
}

// InBucket implements store.Rebucketer; the bucket is written to in its
// default tier.
func (s *Settings) InBucket(bucket string) store.Settings {
	c := *s
	c.Bucket, c.StorageTier = bucket, ""
	return &c
}

// Config returns the store configuration of the settings, for a worker
// whose secret references resolve with lookup.
func (s *Settings) Config(lookup func(string) (string, bool)) Config {
	return Config{Namespace: s.Namespace, Bucket: s.Bucket, Region: s.Region, Endpoint: s.Endpoint,
		Auth: s.Auth.Method, ConfigFile: s.Auth.ConfigFile, Profile: s.Auth.Profile,
		PassphraseRef: s.Auth.PassphraseRef, Lookup: lookup, StorageTier: s.StorageTier, CAFile: s.CAFile}
}

// Open implements store.Settings: the bucket through the OCI SDK with the
// worker's credentials, as Auth says.
func (s *Settings) Open(ctx context.Context, env store.Env) (store.Store, error) {
	cfg := s.Config(env.Lookup)
	cfg.Observer = env.Observer
	return New(ctx, cfg)
}

func init() {
	store.Register(store.Backend{Kind: Kind, New: func() store.Settings { return &Settings{} }})
}
