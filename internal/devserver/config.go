package devserver

import (
	"errors"
	"fmt"
	"net"
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
}

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

	return cfg, errors.Join(errs...)
}
