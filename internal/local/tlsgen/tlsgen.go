// Package tlsgen issues X.509 certificates: a CA, and server and client
// certificates signed by it. The embedded Temporal server uses it for its
// internal identity, and tests for their TLS and mTLS setups.
package tlsgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// validity is how long issued certificates are valid, from an hour ago.
const validity = 7 * 24 * time.Hour

// Cert is a certificate and its private key.
type Cert struct {
	X509    *x509.Certificate
	CertPEM []byte
	KeyPEM  []byte
}

// TLS returns the certificate as a tls.Certificate.
func (c *Cert) TLS() (tls.Certificate, error) { return tls.X509KeyPair(c.CertPEM, c.KeyPEM) }

// Pool returns a pool holding only this certificate, for use as a root.
func (c *Cert) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.X509)
	return p
}

// WriteFiles writes the certificate and key as PEM files dir/name.pem and
// dir/name-key.pem (mode 0600) and returns their paths.
func (c *Cert) WriteFiles(dir, name string) (certPath, keyPath string, err error) {
	certPath, keyPath = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certPath, c.CertPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("tlsgen: %w", err)
	}
	if err := os.WriteFile(keyPath, c.KeyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("tlsgen: %w", err)
	}
	return certPath, keyPath, nil
}

// CA is a certificate authority that signs certificates.
type CA struct {
	Cert
	key *ecdsa.PrivateKey
}

// NewCA creates a self-signed CA named commonName.
func NewCA(commonName string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsgen: CA key: %w", err)
	}
	tmpl, err := template(pkix.Name{CommonName: commonName, Organization: []string{"ocimove"}})
	if err != nil {
		return nil, err
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	cert, err := sign(tmpl, tmpl, key, key)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: *cert, key: key}, nil
}

// Server issues a server certificate for the DNS names and IP addresses
// in hosts.
func (ca *CA) Server(hosts ...string) (*Cert, error) {
	tmpl, err := template(pkix.Name{CommonName: hosts[0]})
	if err != nil {
		return nil, err
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	return ca.issue(tmpl)
}

// Client issues a client certificate with subject.
func (ca *CA) Client(subject pkix.Name) (*Cert, error) {
	tmpl, err := template(subject)
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return ca.issue(tmpl)
}

func (ca *CA) issue(tmpl *x509.Certificate) (*Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsgen: key: %w", err)
	}
	return sign(tmpl, ca.X509, key, ca.key)
}

func template(subject pkix.Name) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("tlsgen: serial: %w", err)
	}
	now := time.Now()
	return &x509.Certificate{SerialNumber: serial, Subject: subject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validity)}, nil
}

func sign(tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) (*Cert, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("tlsgen: sign %s: %w", tmpl.Subject.CommonName, err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlsgen: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("tlsgen: %w", err)
	}
	return &Cert{
		X509:    parsed,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}
