// Package s3store is the S3 implementation of store.Store, on
// aws-sdk-go-v2 (service/s3). It is split by concern, after rclone's
// backends: client.go (configuration, credentials), object.go (list, head,
// get, put, delete), multipart.go, retry.go (the one retry decision),
// errors.go (SDK errors to *store.Error) and region.go.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// Config configures a Store. Credentials come from the SDK's default chain
// (environment, shared config and credentials files, SSO, IMDS), optionally
// from a named Profile; Credentials overrides them (tests).
type Config struct {
	Bucket   string
	Region   string // required unless the default chain provides one (AWS_REGION, profile)
	Profile  string // optional named profile
	Endpoint string // custom endpoint, e.g. "http://127.0.0.1:9000"
	// UsePathStyle addresses buckets as endpoint/bucket/key (needed by most
	// S3-compatible endpoints, including locals3).
	UsePathStyle bool
	// MaxAttempts is the number of attempts per request, retries included
	// (default 5).
	MaxAttempts int
	// MaxBackoff caps the delay between attempts (default 20s).
	MaxBackoff time.Duration
	// RequestChecksumCalculation and ResponseChecksumValidation are
	// "when_supported" (the SDK default) or "when_required"; some
	// S3-compatible stores reject the CRC32 checksums the SDK sends by
	// default.
	RequestChecksumCalculation string
	ResponseChecksumValidation string
	// Credentials, if set, replaces the default chain.
	Credentials aws.CredentialsProvider
	// Observer receives Retry and Throttled events.
	Observer observe.Observer
	// HTTPClient, if set, sends the requests.
	HTTPClient *http.Client
	// CAFile is a PEM bundle of the CAs trusted for the endpoint's TLS
	// certificate instead of the system's (a private CA), and instead of
	// AWS_CA_BUNDLE or a profile's ca_bundle, which the SDK honours
	// otherwise; "" trusts those. TLS 1.2 at least either way. It applies
	// to the store's own HTTP client, or to HTTPClient's when that is an
	// *http.Transport.
	CAFile string
}

// Store is an S3 bucket seen through aws-sdk-go-v2.
type Store struct {
	cfg    Config
	client *s3.Client
	obs    observe.Observer

	regionOnce sync.Once
	region     string
}

var _ store.Store = (*Store)(nil)
var _ store.Regioner = (*Store)(nil)

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// planRegion matches AWS region names as plans write them: "us-east-1",
// "ap-southeast-1", "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1".
var planRegion = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)?-[a-z]+-[0-9]{1,2}$`)

// ValidRegion reports whether name has the syntax of an AWS region.
func ValidRegion(name string) bool { return planRegion.MatchString(name) }

// New returns a Store for cfg. It checks the configuration and resolves
// credentials (bounded in time) but sends no request to S3.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3store: no bucket: set Bucket")
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 20 * time.Second
	}
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
	}
	httpClient, err := buildHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	if httpClient != nil && cfg.CAFile == "" {
		opts = append(opts, config.WithHTTPClient(httpClient))
	}
	reqCk, err := parseRequestChecksum(cfg.RequestChecksumCalculation)
	if err != nil {
		return nil, err
	}
	respCk, err := parseResponseChecksum(cfg.ResponseChecksumValidation)
	if err != nil {
		return nil, err
	}
	opts = append(opts, config.WithRequestChecksumCalculation(reqCk), config.WithResponseChecksumValidation(respCk))
	opts = append(opts, config.WithRetryer(func() aws.Retryer { return newRetryer(cfg.MaxAttempts, cfg.MaxBackoff) }))
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		hint := "check AWS_PROFILE / Profile and the shared config files (~/.aws/config, ~/.aws/credentials)"
		return nil, &store.Error{Store: "s3://" + cfg.Bucket, Op: "config", Class: store.Permanent, Err: store.RedactURLs(err), Hint: hint}
	}
	if cfg.CAFile != "" {
		// Set after loading, so that the SDK does not add the roots of
		// AWS_CA_BUNDLE (or a profile's ca_bundle) to CAFile's: the
		// store's CAFile is the whole trust for its endpoint. The
		// credential providers keep the client they were loaded with.
		awsCfg.HTTPClient = httpClient
	}
	cfg.Region = awsCfg.Region
	if cfg.Region == "" {
		return nil, &store.Error{Store: "s3://" + cfg.Bucket, Op: "config", Class: store.Permanent,
			Err: errors.New("no region"), Hint: "set Region (or AWS_REGION, or region in the profile)"}
	}
	if !regionPattern.MatchString(cfg.Region) {
		return nil, &store.Error{Store: "s3://" + cfg.Bucket, Op: "config", Class: store.Permanent,
			Err: fmt.Errorf("region %q does not exist", cfg.Region), Hint: "set Region to an AWS region such as us-east-1 or eu-west-2"}
	}
	s := &Store{cfg: cfg, obs: observe.OrNop(cfg.Observer)}
	if awsCfg.Credentials == nil {
		return nil, s.mapErr("credentials", "", errors.New("failed to retrieve credentials: no provider"))
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := awsCfg.Credentials.Retrieve(cctx); err != nil {
		e := &store.Error{Store: s.String(), Op: "credentials", Class: store.Permanent, Err: fmt.Errorf("%w: %w", store.ErrPermission, store.RedactURLs(err)),
			Hint: "no usable AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or Profile (AWS_PROFILE) to a profile with credentials"}
		return nil, e
	}
	s.client = s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.UsePathStyle
		o.DisableLogOutputChecksumValidationSkipped = true
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	return s, nil
}

// buildHTTPClient returns the HTTP client the SDK sends with: HTTPClient,
// and with CAFile the SDK's own client (or a copy of HTTPClient) trusting
// the CAs of CAFile only; nil leaves the SDK's default.
func buildHTTPClient(cfg Config) (aws.HTTPClient, error) {
	if cfg.CAFile == "" {
		if cfg.HTTPClient == nil {
			return nil, nil
		}
		return cfg.HTTPClient, nil
	}
	tlsCfg, err := store.TLSConfig("s3://"+cfg.Bucket, cfg.CAFile)
	if err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.TLSClientConfig = tlsCfg
		}), nil
	}
	c := *cfg.HTTPClient
	var tr *http.Transport
	switch t := c.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return nil, &store.Error{Store: "s3://" + cfg.Bucket, Op: "configure", Class: store.Permanent,
			Err: fmt.Errorf("CAFile cannot be applied to an HTTP client whose transport is a %T", t), Hint: "set CAFile or HTTPClient, not both"}
	}
	tr.TLSClientConfig = tlsCfg
	c.Transport = tr
	return &c, nil
}

func parseRequestChecksum(v string) (aws.RequestChecksumCalculation, error) {
	switch v {
	case "", "when_supported":
		return aws.RequestChecksumCalculationWhenSupported, nil
	case "when_required":
		return aws.RequestChecksumCalculationWhenRequired, nil
	}
	return 0, fmt.Errorf("s3store: RequestChecksumCalculation %q: use when_supported or when_required", v)
}

func parseResponseChecksum(v string) (aws.ResponseChecksumValidation, error) {
	switch v {
	case "", "when_supported":
		return aws.ResponseChecksumValidationWhenSupported, nil
	case "when_required":
		return aws.ResponseChecksumValidationWhenRequired, nil
	}
	return 0, fmt.Errorf("s3store: ResponseChecksumValidation %q: use when_supported or when_required", v)
}

// String implements store.Store.
func (s *Store) String() string { return "s3://" + s.cfg.Bucket }

// Client returns the underlying SDK client, for operations the Store does
// not cover (versions, bucket configuration).
func (s *Store) Client() *s3.Client { return s.client }

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.cfg.Bucket }

// call returns per-operation options that attach op and key to the
// retryer, so that retries are reported with them.
func (s *Store) call(op, key string) func(*s3.Options) {
	return func(o *s3.Options) {
		inner, ok := o.Retryer.(aws.RetryerV2)
		if !ok {
			inner = retryV2{o.Retryer}
		}
		o.Retryer = &observingRetryer{RetryerV2: inner, obs: s.obs, store: s.String(), op: op, key: key}
	}
}

// retryV2 adapts an aws.Retryer to aws.RetryerV2.
type retryV2 struct{ aws.Retryer }

func (r retryV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}
