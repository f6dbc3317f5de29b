// Command devserver runs the project's embedded Temporal server as its own
// process, persisted to a SQLite file, until SIGTERM or SIGINT.
//
// Once the frontend accepts requests, the namespace exists and the product's
// search attributes are registered, it prints one line to standard output:
//
//	READY 127.0.0.1:7233
//
// Tests and scripts start it, wait for that line and dial the address.
//
// Usage:
//
//	devserver --db FILE [--port 7233] [--namespace default] [--host 127.0.0.1]
//	          [--log-level warn] [--log-file FILE] [--metrics-port 0] [--ui-port 0]
//	          [--ui-codec-endpoint URL] [--dynamic-config KEY=JSON ...]
//	          [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE [--require-client-cert]]
//	           [--api-key-file FILE]]
//
// With --tls-cert and --tls-key the frontend serves TLS only; with
// --require-client-cert it also requires a client certificate signed by a CA
// of --tls-client-ca (mTLS); with --api-key-file (one key per line, or the
// keys in OCIMOVE_DEVSERVER_API_KEYS) every call must carry one of the keys
// as "Authorization: Bearer <key>".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ocimove/ocimove/internal/local/devserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
}

// run parses args, starts the server, prints READY and serves until ctx
// ends (main ends it on SIGTERM or SIGINT).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, startTimeout, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}

	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	began := time.Now()
	srv, err := devserver.Start(startCtx, cfg)
	cancel()
	if err != nil {
		return err
	}
	security := "plain"
	switch {
	case cfg.RequireClientCert && len(cfg.APIKeys) > 0:
		security = "mTLS and API keys"
	case cfg.RequireClientCert:
		security = "mTLS"
	case len(cfg.APIKeys) > 0:
		security = fmt.Sprintf("TLS and %d API key(s)", len(cfg.APIKeys))
	case srv.TLS():
		security = "TLS"
	}
	fmt.Fprintf(stderr, "devserver: namespace %q ready in %s (db %q, %s)\n", srv.Namespace(), time.Since(began).Round(time.Millisecond), cfg.DBPath, security)
	if ui := srv.UIAddress(); ui != "" {
		fmt.Fprintf(stderr, "devserver: Web UI at %s\n", ui)
	}
	fmt.Fprintf(stdout, "READY %s\n", srv.Address())

	<-ctx.Done()
	fmt.Fprintln(stderr, "devserver: stopping")
	return srv.Stop()
}

// parseFlags reads the command line into a devserver.Config.
func parseFlags(args []string, stderr io.Writer) (devserver.Config, time.Duration, error) {
	var cfg devserver.Config
	var dynamic []string
	var startTimeout time.Duration
	var apiKeyFile string

	fs := flag.NewFlagSet("devserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DBPath, "db", "", `SQLite file holding the server state, created if missing ("" = in memory, lost on exit)`)
	fs.StringVar(&cfg.Host, "host", devserver.DefaultHost, "IPv4 address the frontend binds to")
	fs.IntVar(&cfg.Port, "port", 7233, "frontend gRPC port (0 = pick a free one)")
	fs.StringVar(&cfg.Namespace, "namespace", devserver.DefaultNamespace, "namespace to register")
	fs.StringVar(&cfg.LogLevel, "log-level", devserver.DefaultLogLevel, "server log level: debug, info, warn, error or off")
	fs.StringVar(&cfg.LogFile, "log-file", "", `file the server logs to ("" = standard error)`)
	fs.IntVar(&cfg.MetricsPort, "metrics-port", 0, "serve Prometheus metrics on this port (0 = none)")
	fs.IntVar(&cfg.UIPort, "ui-port", 0, "serve the Temporal Web UI on this port (0 = none)")
	fs.StringVar(&cfg.UICodecEndpoint, "ui-codec-endpoint", "", "codec server the Web UI decodes payloads with, e.g. a worker's http://127.0.0.1:9464/codec")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "frontend certificate (PEM); with --tls-key, serve TLS only")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "frontend private key (PEM)")
	fs.StringVar(&cfg.TLSClientCAFile, "tls-client-ca", "", "CA bundle (PEM) of the accepted client certificates")
	fs.BoolVar(&cfg.RequireClientCert, "require-client-cert", false, "refuse connections without a client certificate signed by --tls-client-ca (mTLS)")
	fs.StringVar(&apiKeyFile, "api-key-file", "", "file of accepted API keys, one per line ('#' comments); or the keys, comma-separated, in "+apiKeysEnv)
	fs.DurationVar(&startTimeout, "start-timeout", 2*time.Minute, "give up if the server is not ready within this time")
	fs.Func("dynamic-config", "server dynamic config value as KEY=JSON, repeatable (e.g. limit.historyCount.suggestContinueAsNew=200)", func(s string) error {
		dynamic = append(dynamic, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return cfg, 0, err
	}
	if fs.NArg() > 0 {
		return cfg, 0, fmt.Errorf("unexpected argument %q; all options are flags, see --help", fs.Arg(0))
	}
	if startTimeout <= 0 {
		return cfg, 0, fmt.Errorf("--start-timeout %s must be positive", startTimeout)
	}
	dc, err := parseDynamicConfig(dynamic)
	if err != nil {
		return cfg, 0, err
	}
	cfg.DynamicConfig = dc
	if cfg.APIKeys, err = apiKeys(apiKeyFile); err != nil {
		return cfg, 0, err
	}
	return cfg, startTimeout, nil
}

// apiKeysEnv holds accepted API keys, comma-separated.
const apiKeysEnv = "OCIMOVE_DEVSERVER_API_KEYS"

// apiKeys reads the accepted API keys from file, else from apiKeysEnv.
// Errors never quote a key.
func apiKeys(file string) ([]string, error) {
	text, sep := os.Getenv(apiKeysEnv), ","
	if file != "" {
		if text != "" {
			return nil, fmt.Errorf("both --api-key-file and %s are set; keep one", apiKeysEnv)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--api-key-file: %w", err)
		}
		text, sep = string(b), "\n"
	}
	var keys []string
	for _, line := range strings.Split(text, sep) {
		if i := strings.IndexByte(line, '#'); i >= 0 && sep == "\n" {
			line = line[:i]
		}
		if k := strings.TrimSpace(line); k != "" {
			keys = append(keys, k)
		}
	}
	if file != "" && len(keys) == 0 {
		return nil, fmt.Errorf("--api-key-file %s holds no key", file)
	}
	return keys, nil
}

// parseDynamicConfig turns KEY=JSON pairs into a map.
func parseDynamicConfig(pairs []string) (map[string]any, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(pairs))
	var errs []error
	for _, p := range pairs {
		key, raw, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(key) == "" {
			errs = append(errs, fmt.Errorf("--dynamic-config %q: want KEY=JSON, e.g. frontend.namespaceRPS.visibility=100", p))
			continue
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		if err == nil && dec.More() {
			err = errors.New("more than one value")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--dynamic-config %q: value is not one JSON value (strings need quotes): %w", p, err))
			continue
		}
		out[strings.TrimSpace(key)] = numbers(v)
	}
	return out, errors.Join(errs...)
}

// numbers turns JSON numbers into int64 when whole and float64 otherwise: the
// server's integer settings accept Go integers only, not float64.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = numbers(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = numbers(e)
		}
		return v
	default:
		return v
	}
}
