package store

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrCertificate is wrapped by errors of a TLS connection whose server
// certificate did not verify: signed by a CA the client does not trust,
// expired, or issued for another host.
var ErrCertificate = errors.New("TLS certificate not trusted")

// CAFileHint is the advice of a caFile that cannot be used.
const CAFileHint = "set caFile to a readable PEM file of the CA certificates that issued the endpoint's certificate, or remove it to trust the system's CAs"

// TLSConfig returns the client TLS configuration of a store whose settings
// name caFile, a PEM bundle of CA certificates: TLS 1.2 at least, and the
// bundle's certificates as the only roots, so that a private CA is trusted
// without touching the system pool. A leading "~/" is the user's home. The
// error, a permanent *Error of op "configure" for storeName, names the
// file.
func TLSConfig(storeName, caFile string) (*tls.Config, error) {
	path := ExpandHome(caFile)
	fail := func(err error) error {
		return &Error{Store: storeName, Op: "configure", Class: Permanent, Err: fmt.Errorf("caFile %s: %w", path, err), Hint: CAFileHint}
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fail(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fail(errors.New("holds no PEM certificate"))
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// ExpandHome expands a leading "~/" of path to the user's home directory.
func ExpandHome(path string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(path, "~"))
		}
	}
	return path
}

// IsCertificateError reports whether err is a failure to verify a server's
// TLS certificate. Such an error does not go away by retrying.
func IsCertificateError(err error) bool {
	var (
		unknown   x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		host      x509.HostnameError
		verifyErr *tls.CertificateVerificationError
	)
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) || errors.As(err, &verifyErr)
}

// CertificateHint says what to do about a certificate error of the
// endpoint (scheme://host) of a store whose caFile is caFile ("" for the
// system's CAs).
func CertificateHint(endpoint, caFile string) string {
	if caFile == "" {
		return fmt.Sprintf("the TLS certificate of %s is not trusted by the system's CAs; "+
			"if the endpoint uses a private CA, set caFile in the plan to its CA bundle (PEM)", endpoint)
	}
	return fmt.Sprintf("the TLS certificate of %s is not trusted by the CAs of caFile %s; "+
		"set caFile to the bundle of the CA that issued the endpoint's certificate (and check that it is valid for this host)", endpoint, caFile)
}

// CertificateErrorOf returns err as a permanent *Error of store s's
// operation op on key, wrapping ErrCertificate, with the hint of
// CertificateHint.
// A certificate issued for another host has a hint of its own.
func CertificateErrorOf(s, op, key string, err error, endpoint, caFile string) *Error {
	hint := CertificateHint(endpoint, caFile)
	var host x509.HostnameError
	if errors.As(err, &host) {
		hint = fmt.Sprintf("the TLS certificate of %s is not issued for that host; "+
			"write the endpoint with a host name the certificate names, or give the endpoint a certificate for it", endpoint)
	}
	return &Error{Store: s, Op: op, Key: key, Class: Permanent,
		Err: fmt.Errorf("%w: %w", ErrCertificate, err), Hint: hint}
}
