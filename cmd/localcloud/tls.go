package main

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"slices"

	"github.com/spf13/pflag"

	"github.com/ocimove/ocimove/internal/local/tlsgen"
)

// tlsFlags are the flags that make an endpoint serve HTTPS.
type tlsFlags struct {
	cert, key, selfSigned string
	hosts                 []string
}

func (f *tlsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.cert, "tls-cert", "", "serve HTTPS with this PEM certificate (with --tls-key)")
	fs.StringVar(&f.key, "tls-key", "", "the PEM private key of --tls-cert")
	fs.StringVar(&f.selfSigned, "tls-self-signed", "",
		"serve HTTPS with a certificate issued by a CA of its own, kept in this directory as "+
			tlsgen.CAFileName+" (the CA clients trust: a store's caFile), "+tlsgen.CertFileName+" and "+tlsgen.KeyFileName+
			"; existing files are reused")
	fs.StringSliceVar(&f.hosts, "tls-host", nil,
		"a host name or IP the self-signed certificate is also valid for (repeatable; 127.0.0.1, ::1, localhost and the --addr host always are)")
}

// config returns the server TLS configuration the flags ask for, nil for
// plain HTTP.
func (f *tlsFlags) config(addr string, log *slog.Logger) (*tls.Config, error) {
	switch {
	case (f.cert == "") != (f.key == ""):
		return nil, errors.New("set both --tls-cert and --tls-key, or neither")
	case f.cert != "" && f.selfSigned != "":
		return nil, errors.New("set --tls-cert/--tls-key or --tls-self-signed, not both")
	case f.selfSigned == "" && len(f.hosts) > 0:
		return nil, errors.New("--tls-host applies only with --tls-self-signed")
	case f.cert != "":
		return tlsgen.ServerConfig(f.cert, f.key)
	case f.selfSigned == "":
		return nil, nil
	}
	hosts := []string{"127.0.0.1", "::1", "localhost"}
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, h)
		}
	}
	for _, h := range append(hosts, f.hosts...) {
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	files, err := tlsgen.SelfSigned(f.selfSigned, hosts...)
	if err != nil {
		return nil, err
	}
	log.Info("serving HTTPS with a self-signed CA; give clients its certificate (caFile)", "ca", files.CA, "cert", files.Cert)
	return tlsgen.ServerConfig(files.Cert, files.Key)
}
