// Package testenv starts the project's local S3 and OCI Object Storage
// endpoints on real listeners and opens stores on them through the real
// SDKs, for tests and benchmarks of the layers above the stores.
package testenv

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ocimove/ocimove/internal/local/localoci"
	"github.com/ocimove/ocimove/internal/local/locals3"
	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// Regions the local endpoints serve.
const (
	S3Region  = "us-east-1"
	OCIRegion = "us-ashburn-1"
	// S3AccessKey and S3SecretKey are the local S3 endpoint's credentials.
	S3AccessKey = "AKIATESTENV"
	S3SecretKey = "testenv-secret-key"
)

// Env is a pair of running local endpoints.
type Env struct {
	S3       *locals3.Server
	S3URL    string
	OCI      *localoci.Server
	OCIURL   string
	OCICreds localoci.Credentials
	seq      atomic.Int64
}

// OCIBytesIn returns the body bytes of every PUT the OCI endpoint received
// (objects and parts), re-sends included.
func (e *Env) OCIBytesIn() int64 { return e.OCI.Faults().PutBytes() }

// Options selects how the endpoints store objects.
type Options struct {
	// Disk stores objects in files under the test's temp dir (bounded
	// memory); otherwise in memory.
	Disk bool
	// WrapOCI, when set, wraps the OCI endpoint's handler, so that a test
	// can watch the requests it serves.
	WrapOCI func(http.Handler) http.Handler
}

// Start starts both endpoints, with authentication on, and stops them when
// the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	dir := func() string {
		if opts.Disk {
			return t.TempDir()
		}
		return ""
	}
	s3srv, err := locals3.New(locals3.Config{Region: S3Region, Dir: dir(), Credentials: map[string]string{S3AccessKey: S3SecretKey}})
	if err != nil {
		t.Fatalf("start local S3: %v", err)
	}
	s3url, stopS3, err := s3srv.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatalf("serve local S3: %v", err)
	}
	t.Cleanup(stopS3)

	creds, err := localoci.WriteTestCredentials(t.TempDir(), OCIRegion)
	if err != nil {
		t.Fatalf("write OCI test credentials: %v", err)
	}
	ocisrv, err := localoci.New(localoci.Config{Region: OCIRegion, Dir: dir(), PublicKeys: map[string]*rsa.PublicKey{creds.KeyID: creds.PublicKey}})
	if err != nil {
		t.Fatalf("start local OCI: %v", err)
	}
	e := &Env{S3: s3srv, S3URL: s3url, OCI: ocisrv, OCICreds: creds}
	h := ocisrv.Handler()
	if opts.WrapOCI != nil {
		h = opts.WrapOCI(h)
	}
	e.OCIURL = serve(t, h)
	return e
}

// serve serves h on a loopback listener until the test ends.
func serve(t testing.TB, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// Bucket returns a new bucket name, unique within this Env.
func (e *Env) Bucket(prefix string) string {
	return fmt.Sprintf("%s-%04d", prefix, e.seq.Add(1))
}

// S3Store creates bucket on the local S3 endpoint and opens a store on it.
func (e *Env) S3Store(t testing.TB, bucket string, obs observe.Observer) *s3store.Store {
	t.Helper()
	if err := e.S3.CreateBucket(bucket); err != nil {
		t.Fatalf("create S3 bucket %s: %v", bucket, err)
	}
	s, err := s3store.New(context.Background(), S3Config(e.S3URL, bucket, obs))
	if err != nil {
		t.Fatalf("open S3 store: %v", err)
	}
	return s
}

// S3Config is the s3store configuration for a bucket on a local S3
// endpoint at url, with fast retries.
func S3Config(url, bucket string, obs observe.Observer) s3store.Config {
	return s3store.Config{
		Bucket: bucket, Region: S3Region, Endpoint: url, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(S3AccessKey, S3SecretKey, ""),
		MaxBackoff:  50 * time.Millisecond, Observer: obs,
	}
}

// OCIStore creates bucket on the local OCI endpoint and opens a store on it.
func (e *Env) OCIStore(t testing.TB, bucket string, obs observe.Observer) *ocistore.Store {
	t.Helper()
	if err := e.OCI.CreateBucket(bucket); err != nil {
		t.Fatalf("create OCI bucket %s: %v", bucket, err)
	}
	s, err := ocistore.New(context.Background(), OCIConfig(e.OCIURL, e.OCICreds, bucket, obs))
	if err != nil {
		t.Fatalf("open OCI store: %v", err)
	}
	return s
}

// OCIConfig is the ocistore configuration for a bucket on a local OCI
// endpoint at url.
func OCIConfig(url string, creds localoci.Credentials, bucket string, obs observe.Observer) ocistore.Config {
	return ocistore.Config{
		Bucket: bucket, Region: OCIRegion, Endpoint: url,
		ConfigFile: creds.ConfigPath, Profile: creds.Profile, Observer: obs,
		RetryBaseDelay: 5 * time.Millisecond, RetryMaxDelay: 50 * time.Millisecond,
	}
}
