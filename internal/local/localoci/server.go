package localoci

import (
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ocimove/ocimove/internal/local/faults"
)

// DefaultNamespace is the namespace served when Config.Namespace is empty.
const DefaultNamespace = "ocimove"

// RegionHeader is the response header naming the region this endpoint
// serves. The real service has no such header; a store uses it to learn the
// region of a non-OCI hostname.
const RegionHeader = "x-ocimove-region"

// Config configures a Server.
type Config struct {
	// Namespace is the Object Storage namespace served; default "ocimove".
	Namespace string
	// Region is the region this endpoint serves, e.g. "us-ashburn-1".
	// Buckets created here live in it.
	Region string
	// Dir is where objects are stored as files; "" keeps them in memory.
	Dir string
	// PublicKeys maps an OCI keyId ("tenancy/user/fingerprint") to its
	// public key. If empty, request signatures are not checked.
	PublicKeys map[string]*rsa.PublicKey
	// TLS, if set, makes Serve serve HTTPS with it (HTTP/1.1); nil serves
	// plain HTTP.
	TLS *tls.Config
}

// Server is a local OCI Object Storage endpoint.
type Server struct {
	cfg    Config
	store  backend
	faults faults.Injector

	mu      sync.RWMutex // guards buckets (and their object indexes) and uploads
	buckets map[string]*bucketState
	uploads map[string]*uploadState

	keys keyLocks // per-object writer locks

	now func() time.Time
}

// New returns a Server for cfg. With cfg.Dir set, objects, buckets and open
// uploads already stored there are served again.
func New(cfg Config) (*Server, error) {
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if cfg.Region == "" {
		return nil, errors.New("localoci: Config.Region is empty; set the region this endpoint serves, e.g. us-ashburn-1")
	}
	for id, k := range cfg.PublicKeys {
		if k == nil {
			return nil, fmt.Errorf("localoci: Config.PublicKeys[%q] is nil; give the RSA public key of that keyId", id)
		}
	}
	s := &Server{
		cfg:     cfg,
		buckets: map[string]*bucketState{},
		uploads: map[string]*uploadState{},
		now:     func() time.Time { return time.Now().UTC() },
	}
	if cfg.Dir == "" {
		s.store = newMemBackend()
	} else {
		b, err := newDiskBackend(cfg.Dir)
		if err != nil {
			return nil, err
		}
		s.store = b
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Namespace returns the namespace served.
func (s *Server) Namespace() string { return s.cfg.Namespace }

// Region returns the region served.
func (s *Server) Region() string { return s.cfg.Region }

// Faults returns the fault injector that wraps the handler.
func (s *Server) Faults() *faults.Injector { return &s.faults }

// Handler returns the full HTTP handler: common response headers, fault
// injection (and its admin endpoint faults.AdminPath), signature checks and
// the API.
func (s *Server) Handler() http.Handler {
	api := http.HandlerFunc(s.serveAPI)
	inner := s.faults.Middleware(api, classify, func(w http.ResponseWriter, r *http.Request, status int) {
		writeAPIError(w, r, statusError(status))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("opc-request-id", newID())
		h.Set(RegionHeader, s.cfg.Region)
		if id := r.Header.Get("opc-client-request-id"); id != "" {
			h.Set("opc-client-request-id", id)
		}
		inner.ServeHTTP(w, r)
	})
}

// CreateBucket creates a bucket in the server's namespace and region. It is
// a convenience for tests and the demo; clients use the CreateBucket API.
func (s *Server) CreateBucket(name string) error {
	_, aerr := s.createBucket(bucketRecord{Name: name, CompartmentID: "ocid1.compartment.oc1..ocimove"})
	if aerr != nil {
		return fmt.Errorf("localoci: create bucket %q: %w", name, aerr)
	}
	return nil
}

// Serve listens on addr ("127.0.0.1:0" picks a free port) and serves the
// handler until stop is called. baseURL is e.g. "http://127.0.0.1:41234"
// ("https://…" with Config.TLS), ready for
// objectstorage.ObjectStorageClient.Host.
func (s *Server) Serve(addr string) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("localoci: listen on %s: %w", addr, err)
	}
	scheme := "http"
	if s.cfg.TLS != nil {
		c := s.cfg.TLS.Clone()
		c.NextProtos = []string{"http/1.1"}
		ln, scheme = tls.NewListener(ln, c), "https"
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
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
