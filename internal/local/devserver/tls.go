package devserver

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"os"

	"go.temporal.io/server/common/rpc/encryption"

	"github.com/ocimove/ocimove/internal/local/tlsgen"
)

// internalSubject is the common name of the server's internal identity.
const internalSubject = "ocimove-devserver-internal"

// security is the frontend's TLS and the server's internal identity: a CA
// and a client certificate made at each start, kept in memory, with which
// the server's own clients (its system worker, the readiness probe, the
// Web UI) authenticate to the frontend.
type security struct {
	serverCert tls.Certificate
	clientCAs  *x509.CertPool
	require    bool

	internalCA   *x509.Certificate
	internalCert *tlsgen.Cert
}

// newSecurity loads cfg's certificates and makes the internal identity;
// nil when cfg has no TLS.
func newSecurity(cfg Config) (*security, error) {
	if !cfg.tlsEnabled() {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("devserver: TLSCertFile %q and TLSKeyFile %q: %w", cfg.TLSCertFile, cfg.TLSKeyFile, err)
	}
	ca, err := tlsgen.NewCA("ocimove devserver internal CA")
	if err != nil {
		return nil, fmt.Errorf("devserver: internal identity: %w", err)
	}
	internal, err := ca.Client(pkix.Name{CommonName: internalSubject})
	if err != nil {
		return nil, fmt.Errorf("devserver: internal identity: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.X509)
	if cfg.TLSClientCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("devserver: TLSClientCAFile: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("devserver: TLSClientCAFile %q holds no PEM certificate", cfg.TLSClientCAFile)
		}
	}
	return &security{serverCert: cert, clientCAs: pool, require: cfg.RequireClientCert, internalCA: ca.X509, internalCert: internal}, nil
}

// serverTLS is the frontend's TLS: client certificates are verified when
// given (they identify their holder) and, with RequireClientCert,
// required.
func (s *security) serverTLS() *tls.Config {
	auth := tls.VerifyClientCertIfGiven
	if s.require {
		auth = tls.RequireAndVerifyClientCert
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{s.serverCert},
		ClientAuth:   auth,
		ClientCAs:    s.clientCAs,
	}
}

// internalClientTLS is the TLS of the server's own clients: the internal
// certificate, and the frontend's certificate pinned (it is this process's
// own, whatever names it holds).
func (s *security) internalClientTLS() (*tls.Config, error) {
	cert, err := s.internalCert.TLS()
	if err != nil {
		return nil, fmt.Errorf("devserver: internal identity: %w", err)
	}
	want := s.serverCert.Certificate[0]
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		// The chain is not checked against roots; the leaf is pinned below.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], want) {
				return errors.New("devserver: the frontend's certificate is not the one configured")
			}
			return nil
		},
	}, nil
}

// provider is the server's TLS configuration: TLS on the frontend, the
// internal identity for its clients (the system worker dials the frontend
// with it), plain loopback between the internal services.
func (s *security) provider() (encryption.TLSConfigProvider, error) {
	client, err := s.internalClientTLS()
	if err != nil {
		return nil, err
	}
	return &encryption.FixedTLSConfigProvider{FrontendServerConfig: s.serverTLS(), FrontendClientConfig: client}, nil
}

// isInternal reports whether a verified client chain ends at the internal
// CA, whose key never leaves this process.
func (s *security) isInternal(chains [][]*x509.Certificate) bool {
	if s == nil || len(chains) == 0 || len(chains[0]) == 0 {
		return false
	}
	root := chains[0][len(chains[0])-1]
	return root.Equal(s.internalCA)
}

// uiTLS is the Web UI's connection to the frontend: the internal identity,
// base64 PEM as the UI server takes it.
func (s *security) uiTLS() (certData, keyData string) {
	return base64.StdEncoding.EncodeToString(s.internalCert.CertPEM), base64.StdEncoding.EncodeToString(s.internalCert.KeyPEM)
}
