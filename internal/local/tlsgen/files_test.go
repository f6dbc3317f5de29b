package tlsgen_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/tlsgen"
)

func parse(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk, path)
	c, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	return c
}

// TestSelfSigned issues a server certificate its CA file verifies for the
// hosts asked, reuses complete files, and issues anew when one is missing.
func TestSelfSigned(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	f, err := tlsgen.SelfSigned(dir, "127.0.0.1", "s3.local")
	require.NoError(t, err)
	ca, srv := parse(t, f.CA), parse(t, f.Cert)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, host := range []string{"127.0.0.1", "s3.local"} {
		_, err := srv.Verify(x509.VerifyOptions{Roots: pool, DNSName: host, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		assert.NoError(t, err, host)
	}
	_, err = srv.Verify(x509.VerifyOptions{Roots: pool, DNSName: "other.local"})
	assert.Error(t, err, "not valid for a host it was not issued for")
	_, err = tlsgen.ServerConfig(f.Cert, f.Key)
	require.NoError(t, err)

	again, err := tlsgen.SelfSigned(dir, "127.0.0.1")
	require.NoError(t, err)
	assert.Equal(t, f, again)
	assert.True(t, parse(t, again.CA).Equal(ca), "complete files are reused")

	require.NoError(t, os.Remove(f.Key))
	renewed, err := tlsgen.SelfSigned(dir, "127.0.0.1")
	require.NoError(t, err)
	assert.False(t, parse(t, renewed.CA).Equal(ca), "an incomplete set is issued anew")
	_, err = tlsgen.ServerConfig(renewed.Cert, renewed.Key)
	require.NoError(t, err)

	_, err = tlsgen.ServerConfig(filepath.Join(dir, "none.pem"), renewed.Key)
	assert.ErrorContains(t, err, "none.pem")
}
