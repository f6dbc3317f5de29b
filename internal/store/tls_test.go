package store_test

import (
	"context"
	"crypto/rsa"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/localoci"
	"github.com/ocimove/ocimove/internal/local/locals3"
	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// tlsEndpoints are the two local endpoints served over HTTPS with one
// test CA's certificate.
type tlsEndpoints struct {
	tls          *endpointTLS
	s3URL        string
	ociURL       string
	ociCreds     localoci.Credentials
	s3Bucket     string
	ociBucket    string
	ociNamespace string
}

func startTLSEndpoints(t *testing.T) tlsEndpoints {
	t.Helper()
	e := tlsEndpoints{tls: newEndpointTLS(t), s3Bucket: newBucketName("s3"), ociBucket: newBucketName("oci")}
	s3srv, err := locals3.New(locals3.Config{TLS: e.tls.server})
	require.NoError(t, err)
	require.NoError(t, s3srv.CreateBucket(e.s3Bucket))
	var stop func()
	e.s3URL, stop, err = s3srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)
	require.True(t, strings.HasPrefix(e.s3URL, "https://"), e.s3URL)

	e.ociCreds, err = localoci.WriteTestCredentials(t.TempDir(), "us-ashburn-1")
	require.NoError(t, err)
	ocisrv, err := localoci.New(localoci.Config{Region: "us-ashburn-1", TLS: e.tls.server,
		PublicKeys: map[string]*rsa.PublicKey{e.ociCreds.KeyID: e.ociCreds.PublicKey}})
	require.NoError(t, err)
	require.NoError(t, ocisrv.CreateBucket(e.ociBucket))
	e.ociNamespace = ocisrv.Namespace()
	e.ociURL, stop, err = ocisrv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)
	return e
}

// retryCounter counts the Retry events a store reports.
func retryCounter() (observe.Observer, *atomic.Int64) {
	var n atomic.Int64
	return observe.Func(func(ev observe.Event) {
		if ev.Kind == observe.Retry {
			n.Add(1)
		}
	}), &n
}

// TestTLSUntrustedCertificate opens both stores on endpoints whose
// certificate their CA bundle does not vouch for: a second CA's bundle, or
// none (the system's CAs). The first request fails at once, without a
// retry, with a permanent error that says the certificate of the endpoint
// is not trusted and to set caFile.
func TestTLSUntrustedCertificate(t *testing.T) {
	e := startTLSEndpoints(t)
	other := newEndpointTLS(t) // another CA
	for _, tc := range []struct{ name, caFile, want string }{
		{"other CA", other.caFile, "not trusted by the CAs of caFile " + other.caFile},
		{"system CAs", "", "not trusted by the system's CAs"},
	} {
		t.Run("s3 "+tc.name, func(t *testing.T) {
			obs, retries := retryCounter()
			s, err := s3store.New(t.Context(), s3store.Config{Bucket: e.s3Bucket, Region: "us-east-1", Endpoint: e.s3URL,
				UsePathStyle: true, CAFile: tc.caFile, Observer: obs, MaxBackoff: time.Second,
				Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")})
			require.NoError(t, err, "s3store.New sends no request")
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			_, err = s.Head(ctx, "some/key")
			checkUntrusted(t, err, e.s3URL, tc.want)
			assert.Zero(t, retries.Load(), "a certificate error is not retried")
		})
		t.Run("oci "+tc.name, func(t *testing.T) {
			obs, retries := retryCounter()
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			_, err := ocistore.New(ctx, ocistore.Config{Bucket: e.ociBucket, Region: "us-ashburn-1", Endpoint: e.ociURL,
				ConfigFile: e.ociCreds.ConfigPath, Profile: e.ociCreds.Profile, CAFile: tc.caFile, Observer: obs})
			checkUntrusted(t, err, e.ociURL, tc.want)
			assert.Zero(t, retries.Load(), "a certificate error is not retried")
		})
	}
}

func checkUntrusted(t *testing.T, err error, endpoint, want string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, store.ErrCertificate)
	assert.Equal(t, store.Permanent, store.ClassOf(err))
	msg := err.Error()
	t.Log(msg)
	for _, s := range []string{"TLS certificate of " + endpoint, want, "set caFile", "certificate signed by unknown authority"} {
		assert.Contains(t, msg, s)
	}
}

// TestTLSTrustedThroughPlanSettings opens both stores through their plan
// settings with caFile, as workers do, and round-trips an object over
// HTTPS: the setting reaches the SDKs' HTTP clients.
func TestTLSTrustedThroughPlanSettings(t *testing.T) {
	e := startTLSEndpoints(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, set := range []store.Settings{
		&s3store.Settings{Bucket: e.s3Bucket, Region: "us-east-1", Endpoint: e.s3URL, UsePathStyle: true, CAFile: e.tls.caFile},
		&ocistore.Settings{Bucket: e.ociBucket, Region: "us-ashburn-1", Namespace: e.ociNamespace, Endpoint: e.ociURL, CAFile: e.tls.caFile,
			Auth: ocistore.Auth{Method: ocistore.AuthConfigFile, ConfigFile: e.ociCreds.ConfigPath, Profile: e.ociCreds.Profile}},
	} {
		t.Run(set.Kind(), func(t *testing.T) {
			set.Normalize()
			s, err := set.Open(t.Context(), store.Env{})
			require.NoError(t, err)
			body := strings.NewReader("over https")
			_, err = s.Put(t.Context(), "tls/object", body, body.Size(), store.PutOptions{})
			require.NoError(t, err)
			info, err := s.Head(t.Context(), "tls/object")
			require.NoError(t, err)
			assert.EqualValues(t, body.Size(), info.Size)
		})
	}
}

// TestTLSMissingCAFile opens both stores through their plan settings with
// a caFile that does not exist: a permanent configuration error that names
// the file, before any request.
func TestTLSMissingCAFile(t *testing.T) {
	e := startTLSEndpoints(t)
	missing := filepath.Join(t.TempDir(), "no-such-ca.pem")
	for _, set := range []store.Settings{
		&s3store.Settings{Bucket: e.s3Bucket, Region: "us-east-1", Endpoint: e.s3URL, UsePathStyle: true, CAFile: missing},
		&ocistore.Settings{Bucket: e.ociBucket, Region: "us-ashburn-1", Endpoint: e.ociURL, CAFile: missing,
			Auth: ocistore.Auth{Method: ocistore.AuthConfigFile, ConfigFile: e.ociCreds.ConfigPath, Profile: e.ociCreds.Profile}},
	} {
		t.Run(set.Kind(), func(t *testing.T) {
			set.Normalize()
			_, err := set.Open(t.Context(), store.Env{})
			require.Error(t, err)
			assert.Equal(t, store.Permanent, store.ClassOf(err))
			assert.Contains(t, err.Error(), "caFile "+missing+": open "+missing+": no such file or directory")
			assert.Contains(t, err.Error(), "set caFile to a readable PEM file")
			var se *store.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "configure", se.Op)
		})
	}
	t.Run("not PEM", func(t *testing.T) {
		_, err := store.TLSConfig("s3://b", e.ociCreds.ConfigPath)
		assert.ErrorContains(t, err, "caFile "+e.ociCreds.ConfigPath+": holds no PEM certificate")
	})
}

// roundTripperFunc is an http.RoundTripper that is not an *http.Transport.
type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTLSCAFileWithHTTPClient applies CAFile to a given HTTP client whose
// transport is an *http.Transport, and refuses one it cannot apply to.
func TestTLSCAFileWithHTTPClient(t *testing.T) {
	e := startTLSEndpoints(t)
	creds := credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")
	s3cfg := s3store.Config{Bucket: e.s3Bucket, Region: "us-east-1", Endpoint: e.s3URL, UsePathStyle: true,
		CAFile: e.tls.caFile, Credentials: creds, HTTPClient: &http.Client{Transport: &http.Transport{}}}
	s, err := s3store.New(t.Context(), s3cfg)
	require.NoError(t, err)
	_, err = s.Head(t.Context(), "absent")
	assert.ErrorIs(t, err, store.ErrNotFound, "the request reached the endpoint over HTTPS")

	ocicfg := ocistore.Config{Bucket: e.ociBucket, Region: "us-ashburn-1", Endpoint: e.ociURL, CAFile: e.tls.caFile,
		ConfigFile: e.ociCreds.ConfigPath, Profile: e.ociCreds.Profile, HTTPClient: &http.Client{}}
	_, err = ocistore.New(t.Context(), ocicfg)
	require.NoError(t, err)

	other := roundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, io.EOF })
	s3cfg.HTTPClient = &http.Client{Transport: other}
	_, err = s3store.New(t.Context(), s3cfg)
	assert.ErrorContains(t, err, "set CAFile or HTTPClient, not both")
	ocicfg.HTTPClient = &http.Client{Transport: other}
	_, err = ocistore.New(t.Context(), ocicfg)
	assert.ErrorContains(t, err, "set CAFile or HTTPClient, not both")
}

// TestTLSCAFileReplacesAWSCABundle: the SDK's own AWS_CA_BUNDLE is honoured
// without caFile, and caFile, when set, is the whole trust for the
// endpoint: the bundle's CA does not add to it.
func TestTLSCAFileReplacesAWSCABundle(t *testing.T) {
	e := startTLSEndpoints(t)
	other := newEndpointTLS(t)
	t.Setenv("AWS_CA_BUNDLE", e.tls.caFile)
	open := func(caFile string) error {
		s, err := s3store.New(t.Context(), s3store.Config{Bucket: e.s3Bucket, Region: "us-east-1", Endpoint: e.s3URL,
			UsePathStyle: true, CAFile: caFile, Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")})
		require.NoError(t, err)
		_, err = s.Head(t.Context(), "absent")
		return err
	}
	assert.ErrorIs(t, open(""), store.ErrNotFound, "AWS_CA_BUNDLE alone is trusted")
	assert.ErrorIs(t, open(other.caFile), store.ErrCertificate, "caFile replaces AWS_CA_BUNDLE")
}

// TestTLSCertificateForAnotherHost: a certificate from the trusted CA but
// issued for another host is a certificate error too, not retried.
func TestTLSCertificateForAnotherHost(t *testing.T) {
	tl := newEndpointTLS(t)
	cert, err := tl.ca.Server("s3.elsewhere.example")
	require.NoError(t, err)
	cfg, err := cert.ServerTLS()
	require.NoError(t, err)
	srv, err := locals3.New(locals3.Config{TLS: cfg})
	require.NoError(t, err)
	require.NoError(t, srv.CreateBucket("other-host"))
	url, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)

	obs, retries := retryCounter()
	s, err := s3store.New(t.Context(), s3store.Config{Bucket: "other-host", Region: "us-east-1", Endpoint: url, UsePathStyle: true,
		CAFile: tl.caFile, Observer: obs, Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")})
	require.NoError(t, err)
	_, err = s.Head(t.Context(), "k")
	assert.ErrorIs(t, err, store.ErrCertificate)
	assert.ErrorContains(t, err, "x509: cannot validate certificate for 127.0.0.1")
	assert.ErrorContains(t, err, "the TLS certificate of "+url+" is not issued for that host")
	assert.Equal(t, store.Permanent, store.ClassOf(err))
	assert.Zero(t, retries.Load())
}
