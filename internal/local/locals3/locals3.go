// Package locals3 is a local S3-compatible endpoint for development, tests
// and the demo. The real aws-sdk-go-v2 client talks to it over HTTP or
// HTTPS (path-style addressing).
//
// It is gofakes3 (github.com/johannesboyne/gofakes3) wrapped in middleware
// that adds what gofakes3 lacks: AWS SigV4 verification with the SDK's own
// signer, fault injection (internal/local/faults), per-prefix access denial,
// If-Match and If-None-Match on GET/HEAD, per-key locking around
// conditional writes, x-amz-bucket-region on HeadBucket, persisted
// x-amz-checksum-* values, and Cache-Control / Content-Language round trips.
// Objects live in memory (gofakes3's s3mem, with versioning) or, with
// Config.Dir, on disk in the project's own backend (diskBackend), where keys
// are arbitrary strings, never file paths, and a refused write leaves the
// previous object untouched. Multipart parts in flight are kept on disk too.
//
// A multipart object's ETag is S3's composite "<md5 of part md5s>-N" in
// every response: CompleteMultipartUpload, HEAD, GET, listings and the
// If-Match / If-None-Match comparisons.
//
// Request checksums: send them as headers (x-amz-checksum-crc32 and the
// like), which the SDK does over plain HTTP. Every algorithm S3 has (CRC32,
// CRC32C, CRC64NVME, SHA1, SHA256) is verified against the body of a PUT or
// UploadPart, stored, and returned in checksum mode, never for a range. A
// multipart upload created with x-amz-checksum-algorithm requires that
// checksum on each part, echoes it, and gives the object the checksum of
// its type: COMPOSITE ("<checksum of the part checksums>-N") or
// FULL_OBJECT (of the content, checked against the value the complete
// request asserts). GetObjectAttributes reports the ETag, checksum, size,
// storage class and the parts with their sizes and checksums. An object
// written without checksums has none (S3's default CRC64NVME for such
// objects is not emulated, so that older objects can be tested). Over
// HTTPS the SDK sends them as trailers of an aws-chunked body
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER); such a body is decoded first
// (chunked.go) and its trailers verified as the headers would be.
//
// With Config.TLS, Serve serves HTTPS (HTTP/1.1) instead of HTTP.
//
// Listings honour encoding-type=url as S3 does, so that keys holding
// characters XML 1.0 cannot carry list intact.
//
// Known differences from S3: versioning works in memory only; object keys
// stored on disk must be valid UTF-8.
package locals3

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/ocimove/ocimove/internal/local/faults"
)

// Config configures a Server.
type Config struct {
	// Region is reported in x-amz-bucket-region and must be the region that
	// clients sign with. Default "us-east-1".
	Region string
	// Dir holds objects on disk; "" keeps them in memory.
	Dir string
	// Credentials maps access key ids to secrets. Empty accepts unsigned
	// requests and does not check signatures.
	Credentials map[string]string
	// Logger receives request errors; nil logs nothing.
	Logger *slog.Logger
	// TLS, if set, makes Serve serve HTTPS with it (HTTP/1.1, as S3);
	// nil serves plain HTTP.
	TLS *tls.Config
}

// Server is a local S3 endpoint.
type Server struct {
	cfg     Config
	backend gofakes3.Backend
	fake    http.Handler
	faults  *faults.Injector
	handler http.Handler
	locks   keyLocks
	log     *slog.Logger

	mu   sync.Mutex
	deny []string
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	for id, secret := range cfg.Credentials {
		if id == "" || secret == "" {
			return nil, errors.New("locals3: credentials need a non-empty access key id and secret")
		}
	}
	backend, err := newBackend(cfg.Dir)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, backend: backend, faults: &faults.Injector{}, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.fake = gofakes3.New(backend,
		gofakes3.WithIntegrityCheck(true),
		gofakes3.WithTimeSkewLimit(15*time.Minute),
	).Server()
	s.handler = s.faults.Middleware(http.HandlerFunc(s.serve), classify, writeStatus)
	return s, nil
}

// Handler returns the endpoint's HTTP handler, fault injection included
// (rules also settable at faults.AdminPath).
func (s *Server) Handler() http.Handler { return s.handler }

// Faults returns the fault injector. Operation names are the Op* constants.
func (s *Server) Faults() *faults.Injector { return s.faults }

// Region returns the configured region.
func (s *Server) Region() string { return s.cfg.Region }

// CreateBucket creates a bucket; an existing bucket is not an error.
func (s *Server) CreateBucket(name string) error {
	if err := gofakes3.ValidateBucketName(name); err != nil {
		return fmt.Errorf("locals3: bucket name %q: %w", name, err)
	}
	if ok, err := s.backend.BucketExists(name); err == nil && ok {
		return nil
	}
	if err := s.backend.CreateBucket(name); err != nil {
		return fmt.Errorf("locals3: create bucket %q: %w", name, err)
	}
	return nil
}

// EnableVersioning turns versioning on for a bucket (memory storage only).
func (s *Server) EnableVersioning(bucket string) error {
	vb, ok := s.backend.(gofakes3.VersionedBackend)
	if !ok {
		return errors.New("locals3: versioning needs in-memory storage (Config.Dir empty)")
	}
	return vb.SetVersioningConfiguration(bucket, gofakes3.VersioningConfiguration{Status: gofakes3.VersioningEnabled})
}

// Deny makes every object whose key starts with keyPrefix answer 403
// AccessDenied, so tests can exercise permission errors.
func (s *Server) Deny(keyPrefix string) {
	s.mu.Lock()
	s.deny = append(s.deny, keyPrefix)
	s.mu.Unlock()
}

func (s *Server) denied(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.deny {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Serve listens on addr ("127.0.0.1:0" picks a free port) and serves until
// stop is called. baseURL is "http://host:port", or "https://host:port"
// with Config.TLS.
func (s *Server) Serve(addr string) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("locals3: listen on %s: %w", addr, err)
	}
	scheme := "http"
	if s.cfg.TLS != nil {
		ln, scheme = tls.NewListener(ln, http11(s.cfg.TLS)), "https"
	}
	// Connection errors (a client refusing the certificate) go to the
	// logger, not to the standard log.
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("locals3: serve", "err", err)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = srv.Close()
			<-done
		})
	}
	return scheme + "://" + ln.Addr().String(), stop, nil
}

// http11 returns a copy of c that offers HTTP/1.1 only: S3 speaks no
// HTTP/2, and the SDK's HTTPS path is tested as it meets S3.
func http11(c *tls.Config) *tls.Config {
	c = c.Clone()
	c.NextProtos = []string{"http/1.1"}
	return c
}
