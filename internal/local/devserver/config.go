package devserver

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Default values applied by Start to a zero Config field.
const (
	DefaultHost      = "127.0.0.1"
	DefaultNamespace = "default"
	DefaultLogLevel  = "warn"
)

// Config says where the server keeps its state, where it listens and how much
// it logs. The zero value is an in-memory server on a free loopback port.
type Config struct {
	// DBPath is the SQLite file holding all server state. It is created, with
	// its schema, when missing; its directory must exist. "" keeps the state
	// in memory, lost when the process ends.
	DBPath string
	// Host is the IPv4 address the frontend binds to. Default "127.0.0.1";
	// "localhost" is read as 127.0.0.1.
	Host string
	// Port is the frontend gRPC port. 0 picks a free one; Address reports it.
	Port int
	// Namespace is registered on start when missing. Default "default".
	Namespace string
	// LogLevel is the server's log level: debug, info, warn, error or off.
	// Default "warn".
	LogLevel string
	// LogFile receives the server's logs (JSON lines, appended). "" writes
	// them to standard error.
	LogFile string
	// MetricsPort, when not 0, serves the server's Prometheus metrics at
	// http://Host:MetricsPort/metrics.
	MetricsPort int
	// UIPort, when not 0, serves the Temporal Web UI at http://Host:UIPort.
	UIPort int
	// DynamicConfig overrides server dynamic config values by key, for
	// example "limit.historyCount.suggestContinueAsNew": 200. They are applied
	// on top of this package's defaults (see defaultDynamicConfig).
	DynamicConfig map[string]any

	// TLSCertFile and TLSKeyFile are the frontend's certificate (PEM, the
	// leaf first, then any intermediates) and private key. Setting both
	// serves the frontend, gRPC and HTTP API, over TLS only.
	TLSCertFile, TLSKeyFile string
	// TLSClientCAFile is a PEM bundle of the CAs whose client certificates
	// the frontend accepts. Needs TLS.
	TLSClientCAFile string
	// RequireClientCert refuses, in the TLS handshake, every connection
	// without a client certificate signed by a CA of TLSClientCAFile (mTLS).
	RequireClientCert bool
	// APIKeys, when not empty, are the API keys the frontend accepts: every
	// call but the health checks must carry "Authorization: Bearer <key>"
	// with one of them, and is refused (PermissionDenied, with the reason)
	// otherwise. Needs TLS, so that keys never cross the wire in clear.
	APIKeys []string
	// UICodecEndpoint is the codec server the Web UI calls to decode
	// payloads, for example a worker's http://127.0.0.1:9464/codec. Needs
	// UIPort.
	UICodecEndpoint string
}

// tlsEnabled reports whether the frontend serves TLS.
func (cfg Config) tlsEnabled() bool { return cfg.TLSCertFile != "" }

// logLevels are the accepted values of Config.LogLevel.
var logLevels = map[string]bool{"debug": true, "info": true, "warn": true, "error": true, "off": true}

// withDefaults returns a copy of cfg with defaults filled in and checks it,
// naming the field at fault and what to do about it.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error

	cfg.Host = strings.TrimSpace(cfg.Host)
	switch cfg.Host {
	case "":
		cfg.Host = DefaultHost
	case "localhost":
		cfg.Host = DefaultHost
	}
	if ip := net.ParseIP(cfg.Host); ip == nil || ip.To4() == nil {
		errs = append(errs, fmt.Errorf("devserver: Host %q is not an IPv4 address; use one such as 127.0.0.1", cfg.Host))
	}

	if cfg.Port < 0 || cfg.Port > 65535 {
		errs = append(errs, fmt.Errorf("devserver: Port %d is out of range; use 1-65535, or 0 to pick a free port", cfg.Port))
	}
	if cfg.MetricsPort < 0 || cfg.MetricsPort > 65535 {
		errs = append(errs, fmt.Errorf("devserver: MetricsPort %d is out of range; use 1-65535, or 0 for no metrics", cfg.MetricsPort))
	}
	if cfg.UIPort < 0 || cfg.UIPort > 65535 {
		errs = append(errs, fmt.Errorf("devserver: UIPort %d is out of range; use 1-65535, or 0 for no Web UI", cfg.UIPort))
	}

	cfg.Namespace = strings.TrimSpace(cfg.Namespace)
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}

	cfg.LogLevel = strings.ToLower(strings.TrimSpace(cfg.LogLevel))
	if cfg.LogLevel == "" {
		cfg.LogLevel = DefaultLogLevel
	}
	if !logLevels[cfg.LogLevel] {
		errs = append(errs, fmt.Errorf("devserver: LogLevel %q is unknown; use debug, info, warn, error or off", cfg.LogLevel))
	}

	if cfg.DBPath != "" {
		abs, err := filepath.Abs(cfg.DBPath)
		if err != nil {
			errs = append(errs, fmt.Errorf("devserver: DBPath %q: %w", cfg.DBPath, err))
		} else {
			cfg.DBPath = abs
			if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
				errs = append(errs, fmt.Errorf("devserver: DBPath %q: directory %q does not exist; create it first", cfg.DBPath, filepath.Dir(abs)))
			} else if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
				errs = append(errs, fmt.Errorf("devserver: DBPath %q is a directory; give a file name", cfg.DBPath))
			}
		}
	}

	errs = append(errs, cfg.checkSecurity()...)
	return cfg, errors.Join(errs...)
}

// checkSecurity checks the TLS, API key and codec endpoint settings.
func (cfg Config) checkSecurity() []error {
	var errs []error
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		errs = append(errs, errors.New("devserver: set both TLSCertFile and TLSKeyFile, or neither"))
	}
	if !cfg.tlsEnabled() {
		if cfg.TLSClientCAFile != "" || cfg.RequireClientCert {
			errs = append(errs, errors.New("devserver: TLSClientCAFile and RequireClientCert need TLS: set TLSCertFile and TLSKeyFile"))
		}
		if len(cfg.APIKeys) > 0 {
			errs = append(errs, errors.New("devserver: APIKeys need TLS, so that keys never cross the wire in clear: set TLSCertFile and TLSKeyFile"))
		}
	}
	if cfg.RequireClientCert && cfg.TLSClientCAFile == "" {
		errs = append(errs, errors.New("devserver: RequireClientCert needs TLSClientCAFile, the CAs of the accepted client certificates"))
	}
	for i, k := range cfg.APIKeys {
		if strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t\r\n") {
			errs = append(errs, fmt.Errorf("devserver: API key %d is empty or holds white space", i+1))
		}
	}
	if cfg.UICodecEndpoint != "" {
		u, err := url.Parse(cfg.UICodecEndpoint)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs = append(errs, fmt.Errorf("devserver: UICodecEndpoint %q is not an http(s) URL", cfg.UICodecEndpoint))
		case cfg.UIPort == 0:
			errs = append(errs, errors.New("devserver: UICodecEndpoint configures the Web UI: set UIPort too"))
		}
	}
	return errs
}
