package ocistore_test

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/localoci"
	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store/ocistore"
)

const (
	testRegion    = "eu-frankfurt-1"
	testNamespace = "testns"
	testBucket    = "bkt"
)

// env is one local OCI endpoint with signature checks on, and a store on
// it that goes through the real SDK.
type env struct {
	srv      *localoci.Server
	url      string
	creds    localoci.Credentials
	rec      *observe.Recorder
	requests *atomic.Int64 // HTTP requests the store sent
	st       *ocistore.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	creds, err := localoci.WriteTestCredentials(dir, testRegion)
	require.NoError(t, err)
	srv, err := localoci.New(localoci.Config{
		Namespace:  testNamespace,
		Region:     testRegion,
		PublicKeys: map[string]*rsa.PublicKey{creds.KeyID: creds.PublicKey},
	})
	require.NoError(t, err)
	require.NoError(t, srv.CreateBucket(testBucket))
	url, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)

	e := &env{srv: srv, url: url, creds: creds, rec: &observe.Recorder{}, requests: &atomic.Int64{}}
	e.st = e.open(t, e.config())
	return e
}

// config is a store configuration for the env's endpoint and credentials.
func (e *env) config() ocistore.Config {
	return ocistore.Config{
		Bucket:         testBucket,
		Endpoint:       e.url,
		ConfigFile:     e.creds.ConfigPath,
		Profile:        e.creds.Profile,
		Observer:       e.rec,
		RetryBaseDelay: time.Millisecond,
		RetryMaxDelay:  5 * time.Millisecond,
		HTTPClient:     &http.Client{Transport: countingTransport{next: http.DefaultTransport, n: e.requests}},
	}
}

func (e *env) open(t *testing.T, cfg ocistore.Config) *ocistore.Store {
	t.Helper()
	st, err := ocistore.New(ctx(t), cfg)
	require.NoError(t, err)
	return st
}

// countingTransport counts the requests that reach the network.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func md5sum(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}
