package store_test

import (
	"crypto/rsa"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/localoci"
	"github.com/ocimove/ocimove/internal/local/locals3"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/internal/testing/storetest"
)

// bucketSeq numbers the buckets the harnesses create, one per subtest.
var bucketSeq atomic.Int64

// newBucketName returns a bucket name valid on both clouds and unique in
// this test binary.
func newBucketName(kind string) string {
	return fmt.Sprintf("conf-%s-%04d", kind, bucketSeq.Add(1))
}

// TestConformance runs the store conformance suite against both stores,
// each through its real SDK over HTTP to its local endpoint, with the
// endpoint keeping objects on disk and in memory.
func TestConformance(t *testing.T) {
	for _, storage := range []string{"disk", "mem"} {
		t.Run("s3-"+storage, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, s3Harness(t, storageDir(t, storage), nil))
		})
		t.Run("oci-"+storage, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, ociHarness(t, storageDir(t, storage), nil))
		})
	}
	// Over HTTPS, the SDKs take their TLS paths: the S3 SDK sends checksums
	// as trailers of aws-chunked bodies. Memory storage only, to keep the
	// run short; the storage is the same as above.
	t.Run("s3-tls", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, s3Harness(t, "", newEndpointTLS(t)))
	})
	t.Run("oci-tls", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, ociHarness(t, "", newEndpointTLS(t)))
	})
}

// storageDir returns the endpoint's storage directory: a temporary one for
// "disk", "" (memory) for "mem".
func storageDir(t *testing.T, storage string) string {
	if storage == "disk" {
		return t.TempDir()
	}
	return ""
}

// s3Harness starts a locals3 endpoint that checks SigV4 signatures and
// stores objects in dir ("" for memory), over HTTPS with tl (nil: HTTP),
// and returns a harness for s3store on it.
func s3Harness(t *testing.T, dir string, tl *endpointTLS) storetest.Harness {
	const (
		region = "us-east-1"
		keyID  = "AKIACONFORMANCETEST"
		secret = "conformance-secret-key"
	)
	srv, err := locals3.New(locals3.Config{
		Region:      region,
		Dir:         dir,
		Credentials: map[string]string{keyID: secret},
		TLS:         tl.serverConfig(),
	})
	require.NoError(t, err)
	baseURL, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)

	open := func(t *testing.T, bucket, id, key string) store.Store {
		t.Helper()
		s, err := s3store.New(t.Context(), s3store.Config{
			Bucket:       bucket,
			Region:       region,
			Endpoint:     baseURL,
			UsePathStyle: true,
			Credentials:  credentials.NewStaticCredentialsProvider(id, key, ""),
			CAFile:       tl.clientCAFile(),
		})
		require.NoError(t, err, "s3store.New")
		return s
	}
	return storetest.Harness{
		Name: "s3",
		New: func(t *testing.T) store.Store {
			bucket := newBucketName("s3")
			require.NoError(t, srv.CreateBucket(bucket))
			return open(t, bucket, keyID, secret)
		},
		Deny: func(t *testing.T, _ store.Store, prefix string) {
			srv.Deny(prefix)
		},
		BadCredentials: func(t *testing.T) store.Store {
			bucket := newBucketName("s3")
			require.NoError(t, srv.CreateBucket(bucket))
			return open(t, bucket, keyID, "not-the-secret")
		},
	}
}

// ociHarness starts a localoci endpoint that checks OCI request signatures
// and stores objects in dir ("" for memory), and returns a harness for
// ocistore on it, over HTTPS with tl (nil: HTTP).
//
// localoci has no per-key deny, so Deny is nil and permission denied is
// covered by BadCredentials alone.
func ociHarness(t *testing.T, dir string, tl *endpointTLS) storetest.Harness {
	const region = "us-ashburn-1"
	good, err := localoci.WriteTestCredentials(t.TempDir(), region)
	require.NoError(t, err)
	// A second key the endpoint does not know, for BadCredentials.
	bad, err := localoci.WriteTestCredentials(t.TempDir(), region)
	require.NoError(t, err)

	srv, err := localoci.New(localoci.Config{
		Region:     region,
		Dir:        dir,
		PublicKeys: map[string]*rsa.PublicKey{good.KeyID: good.PublicKey},
		TLS:        tl.serverConfig(),
	})
	require.NoError(t, err)
	baseURL, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)

	newStore := func(t *testing.T, bucket string, provider common.ConfigurationProvider) store.Store {
		t.Helper()
		s, err := ocistore.New(t.Context(), ocistore.Config{
			Bucket:     bucket,
			Region:     region,
			Endpoint:   baseURL,
			ConfigFile: good.ConfigPath,
			Profile:    good.Profile,
			Provider:   provider,
			CAFile:     tl.clientCAFile(),
		})
		require.NoError(t, err, "ocistore.New")
		return s
	}
	return storetest.Harness{
		Name: "oci",
		New: func(t *testing.T) store.Store {
			bucket := newBucketName("oci")
			require.NoError(t, srv.CreateBucket(bucket))
			return newStore(t, bucket, nil)
		},
		BadCredentials: func(t *testing.T) store.Store {
			// ocistore.New checks the credentials against the bucket, so the
			// store is built with the good key and then signs with a key the
			// endpoint does not know, as after a key rotation.
			bucket := newBucketName("oci")
			require.NoError(t, srv.CreateBucket(bucket))
			goodP, err := common.ConfigurationProviderFromFileWithProfile(good.ConfigPath, good.Profile, "")
			require.NoError(t, err)
			badP, err := common.ConfigurationProviderFromFileWithProfile(bad.ConfigPath, bad.Profile, "")
			require.NoError(t, err)
			sw := &switchProvider{}
			sw.cur.Store(&goodP)
			s := newStore(t, bucket, sw)
			sw.cur.Store(&badP)
			return s
		},
	}
}

// switchProvider is an OCI configuration provider whose credentials can be
// replaced while a client uses it; the SDK asks for the key on every
// request.
type switchProvider struct {
	cur atomic.Pointer[common.ConfigurationProvider]
}

func (p *switchProvider) get() common.ConfigurationProvider { return *p.cur.Load() }

func (p *switchProvider) PrivateRSAKey() (*rsa.PrivateKey, error) { return p.get().PrivateRSAKey() }
func (p *switchProvider) KeyID() (string, error)                  { return p.get().KeyID() }
func (p *switchProvider) TenancyOCID() (string, error)            { return p.get().TenancyOCID() }
func (p *switchProvider) UserOCID() (string, error)               { return p.get().UserOCID() }
func (p *switchProvider) KeyFingerprint() (string, error)         { return p.get().KeyFingerprint() }
func (p *switchProvider) Region() (string, error)                 { return p.get().Region() }
func (p *switchProvider) AuthType() (common.AuthConfig, error)    { return p.get().AuthType() }
