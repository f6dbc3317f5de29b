package store_test

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/tlsgen"
)

// endpointTLS is how a test endpoint serves HTTPS: its certificate, issued
// for 127.0.0.1 by a CA of the test's own, and that CA's PEM file, which
// the stores trust through their CAFile. A nil *endpointTLS is plain HTTP.
type endpointTLS struct {
	ca     *tlsgen.CA
	server *tls.Config
	caFile string
}

// newEndpointTLS issues a CA and a server certificate for 127.0.0.1.
func newEndpointTLS(t *testing.T) *endpointTLS {
	t.Helper()
	ca, err := tlsgen.NewCA("store test CA")
	require.NoError(t, err)
	cert, err := ca.Server("127.0.0.1")
	require.NoError(t, err)
	cfg, err := cert.ServerTLS()
	require.NoError(t, err)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, ca.CertPEM, 0o600))
	return &endpointTLS{ca: ca, server: cfg, caFile: caFile}
}

// serverConfig is the endpoint's TLS configuration, nil for HTTP.
func (e *endpointTLS) serverConfig() *tls.Config {
	if e == nil {
		return nil
	}
	return e.server
}

// clientCAFile is the CA bundle the stores trust, "" for HTTP.
func (e *endpointTLS) clientCAFile() string {
	if e == nil {
		return ""
	}
	return e.caFile
}
