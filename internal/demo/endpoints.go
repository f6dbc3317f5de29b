package demo

import (
	"context"
	"crypto/rsa"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ocimove/ocimove/internal/local/localoci"
	"github.com/ocimove/ocimove/internal/local/locals3"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// Endpoints are the demo's local S3 and OCI Object Storage endpoints,
// serving the objects kept in a state directory.
type Endpoints struct {
	S3URL    string
	OCIURL   string
	OCICreds localoci.Credentials
	s3Creds  s3Creds
	stops    []func()
}

// OpenEndpoints starts the endpoints of an existing state directory on the
// addresses it recorded, for a look at the data after a run (the demo smoke
// test hashes every object through them). Close stops them.
func OpenEndpoints(dir string) (*Endpoints, error) {
	st, ok, err := loadState(dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("demo: %s holds no demo state; run the demo first", dir)
	}
	return startEndpoints(dir, st)
}

// startEndpoints starts both endpoints on disk under dir, on st's recorded
// addresses or, the first time, on free loopback ports that it records in st.
func startEndpoints(dir string, st *State) (*Endpoints, error) {
	sc, err := loadOrCreateS3Creds(dir)
	if err != nil {
		return nil, err
	}
	oc, err := loadOrCreateOCICreds(dir)
	if err != nil {
		return nil, err
	}
	e := &Endpoints{OCICreds: oc, s3Creds: sc}

	s3srv, err := locals3.New(locals3.Config{Region: S3Region, Dir: filepath.Join(dir, s3Dir),
		Credentials: map[string]string{sc.AccessKeyID: sc.SecretAccessKey}})
	if err != nil {
		return nil, fmt.Errorf("demo: local S3 endpoint: %w", err)
	}
	if err := s3srv.CreateBucket(SourceBucket); err != nil {
		return nil, err
	}
	url, stop, err := s3srv.Serve(listenAddr(st.S3Addr))
	if err != nil {
		return nil, portError("local S3 endpoint", st.S3Addr, err)
	}
	e.S3URL, st.S3Addr = url, hostPort(url)
	e.stops = append(e.stops, stop)

	ocisrv, err := localoci.New(localoci.Config{Namespace: Namespace, Region: OCIRegion, Dir: filepath.Join(dir, ociDir),
		PublicKeys: map[string]*rsa.PublicKey{oc.KeyID: oc.PublicKey}})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("demo: local OCI endpoint: %w", err)
	}
	// The bucket persists under dir; a second run finds it there.
	if err := ocisrv.CreateBucket(DestBucket); err != nil && !strings.Contains(err.Error(), "BucketAlreadyExists") {
		e.Close()
		return nil, err
	}
	url, stop, err = ocisrv.Serve(listenAddr(st.OCIAddr))
	if err != nil {
		e.Close()
		return nil, portError("local OCI endpoint", st.OCIAddr, err)
	}
	e.OCIURL, st.OCIAddr = url, hostPort(url)
	e.stops = append(e.stops, stop)
	return e, nil
}

func listenAddr(recorded string) string {
	if recorded == "" {
		return "127.0.0.1:0"
	}
	return recorded
}

func hostPort(url string) string { return strings.TrimPrefix(url, "http://") }

func portError(what, recorded string, err error) error {
	if recorded == "" {
		return fmt.Errorf("demo: %s: %w", what, err)
	}
	return fmt.Errorf("demo: %s: the plan names %s, recorded on the first run, and it cannot be used (%w); stop what listens there (another demo?) or run with --fresh", what, recorded, err)
}

// Close stops the endpoints.
func (e *Endpoints) Close() {
	for i := len(e.stops) - 1; i >= 0; i-- {
		e.stops[i]()
	}
	e.stops = nil
}

// Source opens the source bucket through aws-sdk-go-v2.
func (e *Endpoints) Source(ctx context.Context) (*s3store.Store, error) {
	return s3store.New(ctx, s3store.Config{
		Bucket: SourceBucket, Region: S3Region, Endpoint: e.S3URL, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(e.s3Creds.AccessKeyID, e.s3Creds.SecretAccessKey, ""),
		MaxBackoff:  time.Second,
	})
}

// Destination opens the destination bucket through oci-go-sdk.
func (e *Endpoints) Destination(ctx context.Context) (*ocistore.Store, error) {
	return ocistore.New(ctx, ocistore.Config{
		Namespace: Namespace, Bucket: DestBucket, Region: OCIRegion, Endpoint: e.OCIURL,
		ConfigFile: e.OCICreds.ConfigPath, Profile: e.OCICreds.Profile,
	})
}
