package tlsgen

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File names SelfSigned keeps in its directory.
const (
	CAFileName   = "ca.pem"
	CertFileName = "server.pem"
	KeyFileName  = "server-key.pem"
)

// Files are the paths of a server's certificate, its key and the
// certificate of the CA that signed it (the bundle clients trust).
type Files struct {
	CA, Cert, Key string
}

// SelfSigned returns the files of a server certificate for hosts, signed by
// a CA of its own, kept in dir as ca.pem, server.pem and server-key.pem.
// When all three exist they are reused as they are, so that a restarted
// server keeps the CA its clients trust (delete them to issue new ones for
// other hosts); otherwise a new CA and certificate are written. The CA's
// key is not kept.
func SelfSigned(dir string, hosts ...string) (Files, error) {
	if len(hosts) == 0 {
		return Files{}, errors.New("tlsgen: SelfSigned needs at least one host")
	}
	f := Files{CA: filepath.Join(dir, CAFileName), Cert: filepath.Join(dir, CertFileName), Key: filepath.Join(dir, KeyFileName)}
	present := 0
	for _, p := range []string{f.CA, f.Cert, f.Key} {
		switch _, err := os.Stat(p); {
		case err == nil:
			present++
		case !errors.Is(err, fs.ErrNotExist):
			return Files{}, fmt.Errorf("tlsgen: %w", err)
		}
	}
	if present == 3 {
		return f, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Files{}, fmt.Errorf("tlsgen: %w", err)
	}
	ca, err := NewCA("ocimove local endpoint CA")
	if err != nil {
		return Files{}, err
	}
	srv, err := ca.Server(hosts...)
	if err != nil {
		return Files{}, err
	}
	if err := os.WriteFile(f.CA, ca.CertPEM, 0o644); err != nil {
		return Files{}, fmt.Errorf("tlsgen: %w", err)
	}
	if f.Cert, f.Key, err = srv.WriteFiles(dir, "server"); err != nil {
		return Files{}, err
	}
	return f, nil
}

// ServerConfig returns a server TLS configuration (TLS 1.2 at least,
// HTTP/1.1) serving the certificate and key of the PEM files certFile and
// keyFile.
func ServerConfig(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tlsgen: load server certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// ServerTLS returns a server TLS configuration (TLS 1.2 at least) serving
// c, for tests that issue certificates in memory.
func (c *Cert) ServerTLS() (*tls.Config, error) {
	cert, err := c.TLS()
	if err != nil {
		return nil, fmt.Errorf("tlsgen: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
