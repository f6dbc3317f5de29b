package temporalconn_test

import (
	"context"
	"crypto/x509/pkix"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/codec"
	"github.com/ocimove/ocimove/internal/local/tlsgen"
	"github.com/ocimove/ocimove/internal/temporalconn"
)

// envMap is an environment for Flags.Env.
type envMap map[string]string

func (e envMap) Environ() []string {
	var out []string
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	return out
}

func (e envMap) LookupEnv(k string) (string, bool) { v, ok := e[k]; return v, ok }

// resolve parses args as the command line with env as the environment.
func resolve(t *testing.T, env envMap, args ...string) (*temporalconn.Conn, error) {
	t.Helper()
	if env == nil {
		env = envMap{}
	}
	if _, ok := env["TEMPORAL_CONFIG_FILE"]; !ok {
		// Keep the developer's own config file out of the test.
		env["TEMPORAL_CONFIG_FILE"] = filepath.Join(t.TempDir(), "none.toml")
	}
	f := temporalconn.Flags{Env: env}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f.Register(fs)
	require.NoError(t, fs.Parse(args))
	return f.Resolve()
}

func TestPrecedenceDefaultsProfileEnvFlags(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "temporal.toml")
	require.NoError(t, os.WriteFile(cfg, []byte(`
[profile.default]
address = "profile-default:7233"
namespace = "ns-default"

[profile.prod]
address = "profile-prod:7233"
namespace = "ns-prod"
`), 0o600))

	c, err := resolve(t, nil)
	require.NoError(t, err)
	assert.Equal(t, temporalconn.DefaultAddress, c.Address)
	assert.Equal(t, temporalconn.DefaultNamespace, c.Namespace)
	assert.False(t, c.TLS)
	assert.Nil(t, c.Codec)
	assert.Empty(t, c.Identity)

	c, err = resolve(t, envMap{"TEMPORAL_CONFIG_FILE": cfg})
	require.NoError(t, err)
	assert.Equal(t, "profile-default:7233", c.Address)

	c, err = resolve(t, envMap{"TEMPORAL_CONFIG_FILE": cfg, "TEMPORAL_PROFILE": "prod"})
	require.NoError(t, err)
	assert.Equal(t, "profile-prod:7233", c.Address)
	assert.Equal(t, "ns-prod", c.Namespace)

	c, err = resolve(t, nil, "--config-file", cfg, "--profile", "prod")
	require.NoError(t, err)
	assert.Equal(t, "profile-prod:7233", c.Options.HostPort)

	c, err = resolve(t, envMap{"TEMPORAL_CONFIG_FILE": cfg, "TEMPORAL_ADDRESS": "env:7233"}, "--profile", "prod")
	require.NoError(t, err)
	assert.Equal(t, "env:7233", c.Address, "the environment overrides the profile")
	assert.Equal(t, "ns-prod", c.Namespace)

	c, err = resolve(t, envMap{"TEMPORAL_CONFIG_FILE": cfg, "TEMPORAL_ADDRESS": "env:7233", "TEMPORAL_NAMESPACE": "ns-env"},
		"--address", "flag:7233", "-n", "ns-flag")
	require.NoError(t, err)
	assert.Equal(t, "flag:7233", c.Options.HostPort, "a flag overrides the environment")
	assert.Equal(t, "ns-flag", c.Options.Namespace)

	_, err = resolve(t, envMap{"TEMPORAL_CONFIG_FILE": cfg}, "--profile", "missing")
	assert.Equal(t, temporalconn.Config, temporalconn.KindOf(err), "%v", err)
	_, err = resolve(t, nil, "--config-file", filepath.Join(dir, "typo.toml"))
	assert.Equal(t, temporalconn.Config, temporalconn.KindOf(err), "%v", err)
	assert.ErrorContains(t, err, "typo.toml")
}

func TestTLSSettings(t *testing.T) {
	dir := t.TempDir()
	ca, err := tlsgen.NewCA("test CA")
	require.NoError(t, err)
	caPath, _, err := ca.WriteFiles(dir, "ca")
	require.NoError(t, err)
	client, err := ca.Client(pkix.Name{CommonName: "ops-alice", Organization: []string{"Acme"}})
	require.NoError(t, err)
	certPath, keyPath, err := client.WriteFiles(dir, "client")
	require.NoError(t, err)

	c, err := resolve(t, nil, "--tls")
	require.NoError(t, err)
	assert.True(t, c.TLS)
	assert.NotNil(t, c.Options.ConnectionOptions.TLS)

	c, err = resolve(t, nil, "--tls-ca-path", caPath, "--tls-server-name", "temporal.internal")
	require.NoError(t, err)
	assert.True(t, c.TLS, "a TLS setting turns TLS on")
	assert.NotNil(t, c.Options.ConnectionOptions.TLS.RootCAs)
	assert.Equal(t, "temporal.internal", c.Options.ConnectionOptions.TLS.ServerName)
	assert.False(t, c.ClientCert)

	c, err = resolve(t, envMap{"TEMPORAL_TLS_CLIENT_CERT_PATH": certPath, "TEMPORAL_TLS_CLIENT_KEY_PATH": keyPath, "TEMPORAL_TLS_SERVER_CA_CERT_PATH": caPath})
	require.NoError(t, err)
	assert.True(t, c.ClientCert)
	assert.Equal(t, "x509:CN=ops-alice,O=Acme", c.Identity)
	assert.Contains(t, c.String(), "client certificate")

	c, err = resolve(t, nil, "--tls-cert-path", certPath, "--tls-key-path", keyPath, "--tls-disable-host-verification")
	require.NoError(t, err)
	assert.True(t, c.Options.ConnectionOptions.TLS.InsecureSkipVerify)

	c, err = resolve(t, envMap{"TEMPORAL_TLS_SERVER_CA_CERT_PATH": caPath}, "--tls=false")
	require.NoError(t, err)
	assert.False(t, c.TLS, "--tls=false turns TLS off")

	_, err = resolve(t, nil, "--tls-cert-path", certPath)
	assert.Equal(t, temporalconn.Config, temporalconn.KindOf(err), "%v", err)
	_, err = resolve(t, nil, "--tls-ca-path", filepath.Join(dir, "missing.pem"))
	assert.Equal(t, temporalconn.Config, temporalconn.KindOf(err), "%v", err)
}

func TestAPIKeyIsNeverShown(t *testing.T) {
	const key = "tmprl-very-secret-key-0123456789"
	for _, c := range []struct {
		env  envMap
		args []string
	}{
		{envMap{"TEMPORAL_API_KEY": key}, nil},
		{nil, []string{"--api-key", key}},
	} {
		conn, err := resolve(t, c.env, c.args...)
		require.NoError(t, err)
		assert.True(t, conn.APIKey)
		assert.True(t, conn.TLS, "an API key turns TLS on")
		assert.NotNil(t, conn.Options.Credentials)
		assert.Equal(t, "api-key:"+temporalconn.APIKeyID(key), conn.Identity)
		assert.NotContains(t, conn.Identity, key)
		assert.NotContains(t, conn.String(), key)
		assert.Contains(t, conn.String(), "API key")
	}
	conn, err := resolve(t, envMap{"TEMPORAL_API_KEY": key}, "--tls=false")
	require.NoError(t, err)
	assert.False(t, conn.TLS)
	assert.NotEqual(t, temporalconn.APIKeyID(key), temporalconn.APIKeyID(key+"x"))
}

func TestCodecFromEnvOrFile(t *testing.T) {
	k := make([]byte, codec.KeySize)
	for i := range k {
		k[i] = byte(i)
	}
	c, err := resolve(t, envMap{codec.EnvKey: hex.EncodeToString(k)})
	require.NoError(t, err)
	require.NotNil(t, c.Codec)
	assert.NotNil(t, c.Options.DataConverter)
	assert.NotNil(t, c.Options.FailureConverter)
	assert.Contains(t, c.String(), codec.KeyID(k))
	assert.NotContains(t, c.String(), hex.EncodeToString(k))

	file := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(file, []byte(hex.EncodeToString(k)), 0o600))
	c, err = resolve(t, nil, "--codec-key-file", file)
	require.NoError(t, err)
	require.NotNil(t, c.Codec)

	_, err = resolve(t, envMap{codec.EnvKey: "not-a-key"})
	assert.Equal(t, temporalconn.Config, temporalconn.KindOf(err), "%v", err)
	assert.NotContains(t, err.Error(), "not-a-key")
}

func TestDialUnreachableNamesTheAddress(t *testing.T) {
	c, err := resolve(t, nil, "--address", "127.0.0.1:1", "--connect-timeout", "2s")
	require.NoError(t, err)
	_, err = c.Dial(context.Background())
	require.Error(t, err)
	assert.Equal(t, temporalconn.Unreachable, temporalconn.KindOf(err))
	assert.Contains(t, err.Error(), "127.0.0.1:1")
	assert.True(t, strings.Contains(err.Error(), "TEMPORAL_ADDRESS"), err.Error())
	assert.Equal(t, 2*time.Second, c.Timeout)
}
