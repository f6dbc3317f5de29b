package ocistore_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
)

// rewriteKeyFile copies the env's OCI config file, pointing key_file at a
// file with the given content, and returns the new config path.
func rewriteKeyFile(t *testing.T, e *env, keyPEM []byte) string {
	t.Helper()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(keyPath, keyPEM, 0o600))
	cfg, err := os.ReadFile(e.creds.ConfigPath)
	require.NoError(t, err)
	re := regexp.MustCompile(`(?m)^(\s*key_file\s*=\s*).*$`)
	require.Regexp(t, re, string(cfg), "the test config file names a key_file")
	out := re.ReplaceAllString(string(cfg), "${1}"+keyPath)
	path := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(path, []byte(out), 0o600))
	return path
}

func TestWrongKeyIsPermissionDenied(t *testing.T) {
	e := newEnv(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	cfg := e.config()
	cfg.ConfigFile = rewriteKeyFile(t, e, keyPEM)

	_, err = ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, store.ErrPermission)
	assert.Equal(t, store.Permanent, store.ClassOf(err))
	var se *store.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 401, se.Status)
	assert.Contains(t, se.Hint, cfg.ConfigFile, "the hint names the config file to fix")
	assert.Zero(t, e.rec.Count(observe.Retry), "401 is not retried")
}

func TestMalformedKeyFile(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.ConfigFile = rewriteKeyFile(t, e, []byte("this is not a PEM key\n"))
	before := e.requests.Load()

	_, err := ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, store.ErrPermission)
	assert.Contains(t, err.Error(), "PEM")
	assert.Contains(t, err.Error(), "key_file")
	assert.Contains(t, err.Error(), cfg.ConfigFile)
	assert.Equal(t, before, e.requests.Load(), "a malformed key fails before any request")
}

func TestMissingConfigFile(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.ConfigFile = filepath.Join(t.TempDir(), "nope")
	_, err := ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, store.ErrPermission)
	assert.Contains(t, err.Error(), cfg.ConfigFile)
}

func TestUnknownProfile(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.Profile = "NO_SUCH_PROFILE"
	_, err := ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, store.ErrPermission)
	assert.Contains(t, err.Error(), "NO_SUCH_PROFILE")
}

func TestPassphraseEnvMissing(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.PassphraseEnv = "OCIMOVE_TEST_PASSPHRASE_UNSET"
	_, err := ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, ocistore.ErrConfig)
	assert.Contains(t, err.Error(), "OCIMOVE_TEST_PASSPHRASE_UNSET")
}

func TestMissingBucket(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.Bucket = "no-such-bucket"
	_, err := ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, store.ErrBucketNotFound)
	assert.Contains(t, err.Error(), "no-such-bucket")
	assert.Equal(t, store.Permanent, store.ClassOf(err))

	cfg.Bucket = ""
	_, err = ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, ocistore.ErrConfig)
	assert.Contains(t, err.Error(), "Bucket")
}

func TestRefusedEndpointFailsQuicklyNamingIt(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	cfg := e.config()
	cfg.Endpoint = dead
	cfg.RetryBaseDelay, cfg.RetryMaxDelay = 0, 0 // production backoff
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err = ocistore.New(c, cfg)
	require.Error(t, err)
	assert.False(t, errors.Is(err, context.DeadlineExceeded),
		"a refused connection must end by the connect budget, not the caller's deadline: %v", err)
	assert.Contains(t, err.Error(), dead, "the error names the endpoint")
	assert.Contains(t, err.Error(), "refused")
	assert.Equal(t, store.Retryable, store.ClassOf(err))
}

func TestUnknownRegion(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.Region = "mars-north-1"
	_, err := ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, ocistore.ErrConfig)
	assert.Contains(t, err.Error(), `"mars-north-1" is not a known OCI region`)

	// Without an endpoint, the profile's region picks the host: it is
	// checked too.
	cfgFile, err := os.ReadFile(e.creds.ConfigPath)
	require.NoError(t, err)
	re := regexp.MustCompile(`(?m)^(\s*region\s*=\s*).*$`)
	path := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(path, []byte(re.ReplaceAllString(string(cfgFile), "${1}atlantis-1")), 0o600))
	cfg = e.config()
	cfg.ConfigFile, cfg.Endpoint = path, ""
	_, err = ocistore.New(ctx(t), cfg)
	require.ErrorIs(t, err, ocistore.ErrConfig)
	assert.Contains(t, err.Error(), "atlantis-1")
}

func TestBadConfigValues(t *testing.T) {
	e := newEnv(t)
	for name, mut := range map[string]func(*ocistore.Config){
		"auth":     func(c *ocistore.Config) { c.Auth = "password" },
		"tier":     func(c *ocistore.Config) { c.StorageTier = "Glacier" },
		"endpoint": func(c *ocistore.Config) { c.Endpoint = "ftp://x" },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := e.config()
			mut(&cfg)
			_, err := ocistore.New(ctx(t), cfg)
			require.ErrorIs(t, err, ocistore.ErrConfig)
			var se *store.Error
			require.ErrorAs(t, err, &se)
			assert.NotEmpty(t, se.Hint)
		})
	}
}

func TestResourcePrincipalOutsideOCI(t *testing.T) {
	t.Setenv("OCI_RESOURCE_PRINCIPAL_VERSION", "")
	require.NoError(t, os.Unsetenv("OCI_RESOURCE_PRINCIPAL_VERSION"))
	_, err := ocistore.New(ctx(t), ocistore.Config{Bucket: "b", Auth: ocistore.AuthResourcePrincipal})
	require.ErrorIs(t, err, store.ErrPermission)
	assert.Contains(t, err.Error(), "OCI_RESOURCE_PRINCIPAL")
}

func TestUnresolvableEndpointIsPermanent(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.Endpoint = "http://no-such-host.invalid:9"
	_, err := ocistore.New(ctx(t), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-such-host.invalid")
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		assert.Zero(t, e.rec.Count(observe.Retry), "a name that does not resolve is not retried")
		assert.Equal(t, store.Permanent, store.ClassOf(err))
	}
}
