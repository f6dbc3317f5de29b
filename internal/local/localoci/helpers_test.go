package localoci_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/localoci"
)

const (
	testRegion = "us-ashburn-1"
	testBucket = "bucket"
)

// env is a running endpoint and a real SDK client signed for it.
type env struct {
	srv    *localoci.Server
	base   string
	client objectstorage.ObjectStorageClient
	creds  localoci.Credentials
	ns     string
	stop   func()
}

// start runs a signature-checking endpoint (on disk when dir is set) with a
// bucket, and a client configured from the written OCI config file.
func start(t *testing.T, dir string, opts ...func(*localoci.Config)) *env {
	t.Helper()
	creds, err := localoci.WriteTestCredentials(t.TempDir(), testRegion)
	require.NoError(t, err)
	return startWith(t, creds, dir, opts...)
}

// withoutAuth turns signature checks off.
func withoutAuth(c *localoci.Config) { c.PublicKeys = nil }

func startWith(t *testing.T, creds localoci.Credentials, dir string, opts ...func(*localoci.Config)) *env {
	t.Helper()
	cfg := localoci.Config{
		Region:     testRegion,
		Dir:        dir,
		PublicKeys: map[string]*rsa.PublicKey{creds.KeyID: creds.PublicKey},
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := localoci.New(cfg)
	require.NoError(t, err)
	if err := srv.CreateBucket(testBucket); err != nil {
		require.ErrorContains(t, err, "BucketAlreadyExists") // a restarted disk endpoint
	}
	base, stop, err := srv.Serve("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(stop)
	e := &env{srv: srv, base: base, creds: creds, ns: localoci.DefaultNamespace, stop: stop}
	e.client = newClient(t, creds, base)
	return e
}

// newClient builds an objectstorage client from an OCI config file, pointed
// at base, with no retries (so injected faults are visible).
func newClient(t *testing.T, creds localoci.Credentials, base string) objectstorage.ObjectStorageClient {
	t.Helper()
	prov, err := common.ConfigurationProviderFromFileWithProfile(creds.ConfigPath, creds.Profile, "")
	require.NoError(t, err)
	client, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(cache(t, prov))
	require.NoError(t, err)
	noRetry := common.NoRetryPolicy()
	client.SetCustomClientConfiguration(common.CustomClientConfiguration{RetryPolicy: &noRetry})
	client.Host = base
	return client
}

// seekBody is a seekable request body, so the SDK may retry it.
type seekBody struct{ *bytes.Reader }

func (seekBody) Close() error { return nil }

func body(data []byte) io.ReadCloser { return seekBody{bytes.NewReader(data)} }

func md5b64(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func (e *env) put(t *testing.T, name string, data []byte, mod func(*objectstorage.PutObjectRequest)) (objectstorage.PutObjectResponse, error) {
	t.Helper()
	req := objectstorage.PutObjectRequest{
		NamespaceName: common.String(e.ns),
		BucketName:    common.String(testBucket),
		ObjectName:    common.String(name),
		ContentLength: common.Int64(int64(len(data))),
		PutObjectBody: body(data),
	}
	if mod != nil {
		mod(&req)
	}
	return e.client.PutObject(context.Background(), req)
}

func (e *env) mustPut(t *testing.T, name string, data []byte) objectstorage.PutObjectResponse {
	t.Helper()
	resp, err := e.put(t, name, data, func(r *objectstorage.PutObjectRequest) { r.ContentMD5 = common.String(md5b64(data)) })
	require.NoError(t, err, "put %q", name)
	return resp
}

func (e *env) get(t *testing.T, name string, mod func(*objectstorage.GetObjectRequest)) (objectstorage.GetObjectResponse, []byte, error) {
	t.Helper()
	req := objectstorage.GetObjectRequest{
		NamespaceName: common.String(e.ns),
		BucketName:    common.String(testBucket),
		ObjectName:    common.String(name),
	}
	if mod != nil {
		mod(&req)
	}
	resp, err := e.client.GetObject(context.Background(), req)
	if err != nil {
		return resp, nil, err
	}
	defer resp.Content.Close()
	data, err := io.ReadAll(resp.Content)
	return resp, data, err
}

func (e *env) head(t *testing.T, name string) (objectstorage.HeadObjectResponse, error) {
	t.Helper()
	return e.client.HeadObject(context.Background(), objectstorage.HeadObjectRequest{
		NamespaceName: common.String(e.ns),
		BucketName:    common.String(testBucket),
		ObjectName:    common.String(name),
	})
}

// requireServiceError asserts err is the service's error with status and code.
func requireServiceError(t *testing.T, err error, status int, code string) {
	t.Helper()
	require.Error(t, err)
	se, ok := common.IsServiceError(err)
	require.True(t, ok, "want a service error, got %v", err)
	require.Equal(t, status, se.GetHTTPStatusCode(), "status of %v", err)
	if code != "" {
		require.Equal(t, code, se.GetCode(), "code of %v", err)
	}
}

func ioNopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// cachedKeys wraps a file-based provider, which re-reads and re-parses the
// key file on every request, so that signing stays cheap.
type cachedKeys struct {
	common.ConfigurationProvider
	key *rsa.PrivateKey
	id  string
}

func (c cachedKeys) PrivateRSAKey() (*rsa.PrivateKey, error) { return c.key, nil }
func (c cachedKeys) KeyID() (string, error)                  { return c.id, nil }

func cache(t *testing.T, p common.ConfigurationProvider) common.ConfigurationProvider {
	t.Helper()
	key, err := p.PrivateRSAKey()
	require.NoError(t, err)
	id, err := p.KeyID()
	require.NoError(t, err)
	return cachedKeys{ConfigurationProvider: p, key: key, id: id}
}
