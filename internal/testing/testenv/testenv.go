// Package testenv starts the project's local S3 and OCI Object Storage
// endpoints on real listeners and opens stores on them through the real
// SDKs, for tests and benchmarks of the layers above the stores.
package testenv

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ocimove/ocimove/internal/local/localoci"
	"github.com/ocimove/ocimove/internal/local/locals3"
	"github.com/ocimove/ocimove/internal/local/tlsgen"
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
	// CAFile is the PEM file of the CA that issued both endpoints'
	// certificates with Options.TLS ("" without), for the stores'
	// caFile setting.
	CAFile string
	seq    atomic.Int64
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
	// TLS serves both endpoints over HTTPS, with a certificate for
	// 127.0.0.1 and localhost issued by a CA of the test's own (Env.CAFile).
	TLS bool
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
	var serverTLS *tls.Config
	var caFile string
	if opts.TLS {
		serverTLS, caFile = newTLS(t)
	}
	s3srv, err := locals3.New(locals3.Config{Region: S3Region, Dir: dir(), Credentials: map[string]string{S3AccessKey: S3SecretKey}, TLS: serverTLS})
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
	e := &Env{S3: s3srv, S3URL: s3url, OCI: ocisrv, OCICreds: creds, CAFile: caFile}
	h := ocisrv.Handler()
	if opts.WrapOCI != nil {
		h = opts.WrapOCI(h)
	}
	e.OCIURL = serve(t, h, serverTLS)
	return e
}

// newTLS issues a CA and a server certificate for the loopback endpoints,
// and returns the servers' TLS configuration and the CA's PEM file.
func newTLS(t testing.TB) (*tls.Config, string) {
	t.Helper()
	ca, err := tlsgen.NewCA("ocimove testenv CA")
	if err != nil {
		t.Fatalf("issue CA: %v", err)
	}
	cert, err := ca.Server("127.0.0.1", "localhost")
	if err != nil {
		t.Fatalf("issue server certificate: %v", err)
	}
	cfg, err := cert.ServerTLS()
	if err != nil {
		t.Fatalf("server TLS: %v", err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o600); err != nil {
		t.Fatalf("write CA: %v", err)
	}
	return cfg, caFile
}

// serve serves h on a loopback listener until the test ends, over HTTPS
// (HTTP/1.1) when tlsCfg is set.
func serve(t testing.TB, h http.Handler, tlsCfg *tls.Config) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	scheme := "http"
	if tlsCfg != nil {
		c := tlsCfg.Clone()
		c.NextProtos = []string{"http/1.1"}
		ln, scheme = tls.NewListener(ln, c), "https"
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return scheme + "://" + ln.Addr().String()
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
	cfg := S3Config(e.S3URL, bucket, obs)
	cfg.CAFile = e.CAFile
	s, err := s3store.New(context.Background(), cfg)
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
	cfg := OCIConfig(e.OCIURL, e.OCICreds, bucket, obs)
	cfg.CAFile = e.CAFile
	s, err := ocistore.New(context.Background(), cfg)
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
