// Package ocistore is the OCI Object Storage implementation of store.Store,
// built on the official github.com/oracle/oci-go-sdk/v65 client.
//
// The package is split by concern, in the manner of rclone's backends:
// client.go (configuration, authentication, namespace discovery), object.go
// (list, head, get, put, delete), multipart.go, metadata.go (HTTP and
// opc-meta-* metadata), region.go (the region actually written to),
// retry.go (the one retry decision) and errors.go (mapping service errors
// to *store.Error).
package ocistore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/common/auth"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/secret"
	"github.com/ocimove/ocimove/internal/store"
)

// Auth methods accepted in Config.Auth.
const (
	// AuthConfigFile signs requests with the API key named by an OCI config
	// file and profile (the SDK's file configuration provider).
	AuthConfigFile = "config_file"
	// AuthInstancePrincipal uses the instance principal of the OCI compute
	// instance the worker runs on.
	AuthInstancePrincipal = "instance_principal"
	// AuthResourcePrincipal uses the resource principal of an OCI Function
	// or other resource, taken from the OCI_RESOURCE_PRINCIPAL_* variables.
	AuthResourcePrincipal = "resource_principal"
)

// Defaults for Config fields left zero.
const (
	DefaultConfigFile     = "~/.oci/config"
	DefaultProfile        = "DEFAULT"
	DefaultMaxAttempts    = 8
	DefaultRetryBaseDelay = 250 * time.Millisecond
	DefaultRetryMaxDelay  = 20 * time.Second
	DefaultConnectBudget  = 3 * time.Second
	DefaultDialTimeout    = 5 * time.Second
)

// ErrConfig is wrapped by errors about the store's configuration itself: a
// missing bucket name, an unknown auth method, region or storage tier.
var ErrConfig = errors.New("invalid OCI store configuration")

// Config configures a Store. Only Bucket is required when the OCI config
// file at its default place holds a DEFAULT profile with a region.
//
// Config carries no secret values: the key file and its passphrase are read
// from the OCI config file, and PassphraseRef (or PassphraseEnv) refers to
// the passphrase rather than holding it.
type Config struct {
	// Namespace is the Object Storage namespace; "" discovers it with
	// GetNamespace.
	Namespace string
	// Bucket is the bucket name. Required.
	Bucket string
	// Region overrides the region of the auth provider (for example
	// "eu-frankfurt-1" or its short form "fra"). It must be a region the
	// SDK knows, or one added through the SDK's region metadata.
	Region string
	// Endpoint overrides the service endpoint, e.g. "http://127.0.0.1:9100"
	// for the local endpoint. "" uses objectstorage.<region>.<realm domain>.
	Endpoint string
	// Auth is AuthConfigFile (the default), AuthInstancePrincipal or
	// AuthResourcePrincipal.
	Auth string
	// ConfigFile and Profile select the OCI config file and profile for
	// AuthConfigFile. Defaults: ~/.oci/config and DEFAULT.
	ConfigFile string
	Profile    string
	// PassphraseRef refers to the passphrase of an encrypted key file, for
	// profiles that do not set pass_phrase, in any form of secret.Ref; it
	// is resolved with Lookup (file: references need none).
	PassphraseRef secret.Ref
	// Lookup resolves PassphraseRef's env: and profile: forms (nil:
	// os.LookupEnv).
	Lookup func(string) (string, bool)
	// PassphraseEnv names an environment variable holding the passphrase,
	// when PassphraseRef is empty.
	PassphraseEnv string
	// StorageTier is the default tier of written objects ("Standard",
	// "InfrequentAccess" or "Archive"); "" leaves it to the bucket.
	StorageTier string
	// MaxAttempts bounds the attempts per request, retries included.
	// 0 means DefaultMaxAttempts; 1 disables retries.
	MaxAttempts int
	// RetryBaseDelay and RetryMaxDelay shape the exponential backoff with
	// full jitter between attempts. 0 means the defaults.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// ConnectBudget bounds the time spent retrying an endpoint that
	// refuses or does not accept connections, so that a dead endpoint fails
	// within seconds. 0 means DefaultConnectBudget.
	ConnectBudget time.Duration
	// Observer receives Retry and Throttled events. nil drops them.
	Observer observe.Observer
	// Provider, if set, replaces Auth/ConfigFile/Profile with an explicit
	// SDK configuration provider (tests, embedding programs).
	Provider common.ConfigurationProvider
	// HTTPClient, if set, replaces the store's own HTTP client.
	HTTPClient *http.Client
	// CAFile is a PEM bundle of the CAs trusted for the endpoint's TLS
	// certificate instead of the system's (a private CA); "" trusts the
	// system's. TLS 1.2 at least either way. It applies to the store's own
	// HTTP client, or to HTTPClient's when that is an *http.Transport.
	CAFile string
}

// Store is one OCI Object Storage bucket seen through the OCI Go SDK. It
// implements store.Store and store.Regioner and is safe for concurrent use.
type Store struct {
	client    objectstorage.ObjectStorageClient
	namespace string
	bucket    string
	endpoint  string // the service endpoint actually used
	tier      objectstorage.StorageTierEnum
	retry     retrySettings
	obs       observe.Observer
	regions   *regionRecorder
	authDesc  string // names the credentials for hints, never secret
	caFile    string // the CA bundle trusted, "" for the system's
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.Regioner = (*Store)(nil)
)

// New builds a Store, checks its credentials, discovers the namespace if
// it is not set, and probes the bucket so that a missing bucket, bad
// credentials or an unreachable endpoint fail here with a clear error.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if strings.TrimSpace(cfg.Bucket) == "" {
		return nil, configError("Bucket is empty", "set the bucket name (Config.Bucket)")
	}
	tier, err := parseTier(cfg.StorageTier)
	if err != nil {
		return nil, err
	}
	if cfg.Region != "" {
		if err := validateRegion(cfg.Region); err != nil {
			return nil, err
		}
	}
	var endpoint string
	if cfg.Endpoint != "" {
		if endpoint, err = normalizeEndpoint(cfg.Endpoint); err != nil {
			return nil, err
		}
	}
	var tlsCfg *tls.Config
	if cfg.CAFile != "" {
		if tlsCfg, err = store.TLSConfig("oci://"+cfg.Bucket, cfg.CAFile); err != nil {
			return nil, err
		}
	}

	provider, desc, err := buildProvider(cfg)
	if err != nil {
		return nil, err
	}
	if err := checkCredentials(provider, desc); err != nil {
		return nil, err
	}
	provider, err = ensureRegion(provider, cfg, desc)
	if err != nil {
		return nil, err
	}

	client, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(provider)
	if err != nil {
		return nil, &store.Error{Store: "oci", Op: "configure", Class: store.Permanent,
			Err: fmt.Errorf("%w: %w", store.ErrPermission, compact(err)), Hint: "check " + desc}
	}
	if cfg.Region != "" {
		client.SetRegion(cfg.Region)
	}
	if endpoint != "" {
		client.Host = endpoint
	}
	// The store makes its own retry decisions (retry.go); the SDK's
	// circuit breaker would turn a throttling storm into opaque
	// "circuit breaker is open" failures, so it is off.
	client.BaseClient.Configuration.CircuitBreaker = nil
	regions := &regionRecorder{}
	if client.HTTPClient, err = instrumentedClient(cfg.HTTPClient, tlsCfg, regions); err != nil {
		return nil, err
	}

	s := &Store{
		client:    client,
		namespace: cfg.Namespace,
		bucket:    cfg.Bucket,
		endpoint:  client.Host,
		tier:      tier,
		caFile:    cfg.CAFile,
		retry:     newRetrySettings(cfg),
		obs:       observe.OrNop(cfg.Observer),
		regions:   regions,
		authDesc:  desc,
	}
	if s.namespace == "" {
		if err := s.discoverNamespace(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.probe(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// String names the store, e.g. "oci://namespace/bucket".
func (s *Store) String() string {
	ns := s.namespace
	if ns == "" {
		ns = "?" // not yet discovered
	}
	return "oci://" + ns + "/" + s.bucket
}

// Namespace returns the Object Storage namespace in use.
func (s *Store) Namespace() string { return s.namespace }

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// Endpoint returns the service endpoint requests go to.
func (s *Store) Endpoint() string { return s.endpoint }

// discoverNamespace asks the service for the tenancy's namespace.
func (s *Store) discoverNamespace(ctx context.Context) error {
	resp, err := s.client.GetNamespace(ctx, objectstorage.GetNamespaceRequest{
		RequestMetadata: s.requestMetadata("namespace", ""),
	})
	if err != nil {
		return s.mapError("namespace", "", err)
	}
	if resp.Value == nil || *resp.Value == "" {
		return &store.Error{Store: s.String(), Op: "namespace", Class: store.Permanent,
			Err:  fmt.Errorf("%w: the service returned an empty namespace", ErrConfig),
			Hint: "set Namespace explicitly"}
	}
	s.namespace = *resp.Value
	return nil
}

// probe lists at most one object, which needs only the least privilege
// (OBJECT_INSPECT) and proves that the bucket exists and the credentials
// are accepted.
func (s *Store) probe(ctx context.Context) error {
	_, err := s.client.ListObjects(ctx, objectstorage.ListObjectsRequest{
		NamespaceName:   &s.namespace,
		BucketName:      &s.bucket,
		Limit:           common.Int(1),
		Fields:          common.String("name"),
		RequestMetadata: s.requestMetadata("check-bucket", ""),
	})
	if err != nil {
		return s.mapError("check-bucket", "", err)
	}
	return nil
}

// buildProvider returns the SDK configuration provider selected by cfg and
// a description of it for hints (paths and profile names only).
func buildProvider(cfg Config) (common.ConfigurationProvider, string, error) {
	if cfg.Provider != nil {
		return cfg.Provider, "the configured credentials provider", nil
	}
	switch cfg.Auth {
	case "", AuthConfigFile:
		path := cfg.ConfigFile
		if path == "" {
			path = DefaultConfigFile
		}
		path = store.ExpandHome(path)
		profile := cfg.Profile
		if profile == "" {
			profile = DefaultProfile
		}
		desc := fmt.Sprintf("OCI config file %s, profile [%s]", path, profile)
		if _, err := os.Stat(path); err != nil {
			return nil, desc, &store.Error{Store: "oci", Op: "configure", Class: store.Permanent,
				Err:  fmt.Errorf("%w: cannot read OCI config file: %w", store.ErrPermission, err),
				Hint: "create it (oci setup config) or set ConfigFile, or use instance_principal / resource_principal auth"}
		}
		passphrase, err := resolvePassphrase(cfg)
		if err != nil {
			return nil, desc, err
		}
		p, err := common.ConfigurationProviderFromFileWithProfile(path, profile, passphrase)
		if err != nil {
			return nil, desc, &store.Error{Store: "oci", Op: "configure", Class: store.Permanent,
				Err: fmt.Errorf("%w: %w", store.ErrPermission, compact(err)), Hint: "check " + desc}
		}
		return &cachedKeyProvider{ConfigurationProvider: p}, desc, nil
	case AuthInstancePrincipal:
		desc := "the instance principal of this compute instance"
		p, err := auth.InstancePrincipalConfigurationProvider()
		if err != nil {
			return nil, desc, &store.Error{Store: "oci", Op: "configure", Class: store.Permanent,
				Err:  fmt.Errorf("%w: instance principal: %w", store.ErrPermission, compact(err)),
				Hint: "instance_principal works only on an OCI compute instance in a dynamic group with a policy for the bucket"}
		}
		return p, desc, nil
	case AuthResourcePrincipal:
		desc := "the resource principal of this resource"
		p, err := auth.ResourcePrincipalConfigurationProvider()
		if err != nil {
			return nil, desc, &store.Error{Store: "oci", Op: "configure", Class: store.Permanent,
				Err:  fmt.Errorf("%w: resource principal: %w", store.ErrPermission, compact(err)),
				Hint: "resource_principal needs the OCI_RESOURCE_PRINCIPAL_* environment an OCI Function or job provides"}
		}
		return p, desc, nil
	default:
		return nil, "", configError(fmt.Sprintf("unknown Auth %q", cfg.Auth),
			fmt.Sprintf("set Auth to %q, %q or %q", AuthConfigFile, AuthInstancePrincipal, AuthResourcePrincipal))
	}
}

// checkCredentials resolves the key id and private key once, so that a
// profile with missing fields or a malformed key file fails with a hint
// instead of on the first request. Nothing secret is put in the error.
func checkCredentials(p common.ConfigurationProvider, desc string) error {
	if _, err := p.KeyID(); err != nil {
		return &store.Error{Store: "oci", Op: "configure", Class: store.Permanent,
			Err:  fmt.Errorf("%w: incomplete credentials: %w", store.ErrPermission, compact(err)),
			Hint: "set tenancy, user, fingerprint and key_file in " + desc}
	}
	if _, err := p.PrivateRSAKey(); err != nil {
		return &store.Error{Store: "oci", Op: "configure", Class: store.Permanent,
			Err: fmt.Errorf("%w: cannot load the private key: %w", store.ErrPermission, compact(err)),
			Hint: "key_file in " + desc + " must be a PEM RSA private key; " +
				"for an encrypted key set pass_phrase in the profile or PassphraseEnv"}
	}
	return nil
}

// ensureRegion makes sure the SDK can build its client: it needs a region
// even when a custom endpoint replaces the host it derives from it.
func ensureRegion(p common.ConfigurationProvider, cfg Config, desc string) (common.ConfigurationProvider, error) {
	region, err := p.Region()
	switch {
	case err == nil:
		if cfg.Region == "" && cfg.Endpoint == "" {
			// The region picks the endpoint: it must be real.
			if err := validateRegion(region); err != nil {
				return nil, err
			}
		}
		return p, nil
	case cfg.Region != "":
		return regionProvider{ConfigurationProvider: p, region: cfg.Region}, nil
	case cfg.Endpoint != "":
		// Only the SDK's client constructor sees this region: the custom
		// endpoint replaces the host, and Region() derives the real one.
		return regionProvider{ConfigurationProvider: p, region: string(common.RegionIAD)}, nil
	default:
		return nil, configError("no region: "+firstLine(err.Error()),
			"set Region, or region= in "+desc+", or the OCI_REGION environment variable")
	}
}

// regionProvider overrides the region of a provider that has none.
type regionProvider struct {
	common.ConfigurationProvider
	region string
}

func (r regionProvider) Region() (string, error) { return r.region, nil }

// normalizeEndpoint checks a custom endpoint and adds https:// if it has no
// scheme.
func normalizeEndpoint(ep string) (string, error) {
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		// The message never repeats the endpoint, which could hold a
		// credential.
		return "", configError("Endpoint is not a valid http(s) URL",
			`set Endpoint like "https://objectstorage.eu-frankfurt-1.oraclecloud.com" or "http://127.0.0.1:9100"`)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// instrumentedClient returns the HTTP client the SDK uses: no overall
// timeout (the SDK default of 60 s would cut long part uploads and slow
// streaming reads), a bounded dial, a connection pool sized for parallel
// parts, and a hook that records the region header of every response.
// With tlsCfg (a CA bundle), the TLS configuration is tlsCfg, also for a
// base client whose transport is an *http.Transport.
func instrumentedClient(base *http.Client, tlsCfg *tls.Config, regions *regionRecorder) (*http.Client, error) {
	if base != nil {
		c := *base
		rt := c.Transport
		if tlsCfg != nil {
			switch t := rt.(type) {
			case nil:
				rt = withTLS(http.DefaultTransport.(*http.Transport), tlsCfg)
			case *http.Transport:
				rt = withTLS(t, tlsCfg)
			default:
				return nil, configError(fmt.Sprintf("CAFile cannot be applied to an HTTP client whose transport is a %T", t), "set CAFile or HTTPClient, not both")
			}
		}
		if rt == nil {
			rt = http.DefaultTransport
		}
		c.Transport = regionTransport{next: rt, regions: regions}
		return &c, nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tlsCfg != nil {
		tr.TLSClientConfig = tlsCfg
	}
	tr.DialContext = (&net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 64
	tr.IdleConnTimeout = 90 * time.Second
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 5 * time.Minute
	tr.ExpectContinueTimeout = 1 * time.Second
	tr.DisableCompression = true
	return &http.Client{Transport: regionTransport{next: tr, regions: regions}}, nil
}

// withTLS returns a copy of tr with the TLS configuration c.
func withTLS(tr *http.Transport, c *tls.Config) *http.Transport {
	tr = tr.Clone()
	tr.TLSClientConfig = c
	return tr
}

// regionTransport records the region the endpoint reports about itself,
// and keeps object bytes from being decompressed in transit.
type regionTransport struct {
	next    http.RoundTripper
	regions *regionRecorder
}

func (t regionTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Accept-Encoding") == "" {
		// Objects are bytes: an object stored with Content-Encoding gzip
		// must come back as stored, so the transport must not ask for
		// compression and transparently decode it.
		r2 := *r
		r2.Header = r.Header.Clone()
		r2.Header.Set("Accept-Encoding", "identity")
		r = &r2
	}
	resp, err := t.next.RoundTrip(r)
	if resp != nil {
		t.regions.observe(resp.Header.Get(RegionHeader))
	}
	return resp, err
}

// configError is an *store.Error for a bad Config value.
func configError(msg, hint string) error {
	return &store.Error{Store: "oci", Op: "configure", Class: store.Permanent,
		Err: fmt.Errorf("%w: %s", ErrConfig, msg), Hint: hint}
}
