package temporalconn

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"

	"go.temporal.io/sdk/client"
)

// APIKeyID returns the non-secret id of an API key: "sha256:" and the
// first 16 hex digits of its SHA-256. The embedded server names API-key
// callers with the same id.
func APIKeyID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])[:16]
}

// CertIdentity returns the audit identity of a client certificate.
func CertIdentity(cert *x509.Certificate) string { return "x509:" + cert.Subject.String() }

// identity returns the identity the client options' credentials carry and
// whether they include a client certificate.
func identity(opts client.Options, apiKey string) (string, bool, error) {
	var parts []string
	hasCert := false
	if tc := opts.ConnectionOptions.TLS; tc != nil && !opts.ConnectionOptions.TLSDisabled && len(tc.Certificates) > 0 {
		cert := tc.Certificates[0]
		leaf := cert.Leaf
		if leaf == nil && len(cert.Certificate) > 0 {
			var err error
			if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
				return "", false, fmt.Errorf("client certificate: %w", err)
			}
		}
		if leaf != nil {
			parts = append(parts, CertIdentity(leaf))
			hasCert = true
		}
	}
	if apiKey != "" {
		parts = append(parts, "api-key:"+APIKeyID(apiKey))
	}
	return strings.Join(parts, " "), hasCert, nil
}
