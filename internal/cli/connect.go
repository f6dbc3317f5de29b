package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	tlog "go.temporal.io/sdk/log"
)

// Defaults of the Temporal connection (those of cmd/worker).
const (
	DefaultAddress   = "127.0.0.1:7233"
	DefaultNamespace = "default"
	DefaultTaskQueue = "ocimove"
)

// connFlags are the Temporal connection flags, named as the Temporal
// CLI's. Precedence, lowest first: the defaults, the envconfig profile
// (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), the TEMPORAL_* environment
// variables, the flags.
type connFlags struct {
	address, namespace        string
	apiKey                    string
	tlsCert, tlsKey, tlsCA    string
	tlsServerName             string
	tls, tlsDisableHostVerify bool
	profile, configFile       string
	taskQueue                 string
	connectTimeout            time.Duration
	fs                        *pflag.FlagSet
	logLevel                  string
}

func (f *connFlags) register(fs *pflag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.address, "address", "", "Temporal frontend host:port (env TEMPORAL_ADDRESS; default "+DefaultAddress+")")
	fs.StringVarP(&f.namespace, "namespace", "n", "", "Temporal namespace (env TEMPORAL_NAMESPACE; default "+DefaultNamespace+")")
	fs.StringVar(&f.apiKey, "api-key", "", "Temporal API key (prefer env TEMPORAL_API_KEY: a flag shows in the process list)")
	fs.BoolVar(&f.tls, "tls", false, "use TLS without a client certificate (env TEMPORAL_TLS)")
	fs.StringVar(&f.tlsCert, "tls-cert-path", "", "client certificate for mTLS (env TEMPORAL_TLS_CLIENT_CERT_PATH)")
	fs.StringVar(&f.tlsKey, "tls-key-path", "", "client key for mTLS (env TEMPORAL_TLS_CLIENT_KEY_PATH)")
	fs.StringVar(&f.tlsCA, "tls-ca-path", "", "CA bundle of the server (env TEMPORAL_TLS_SERVER_CA_CERT_PATH)")
	fs.StringVar(&f.tlsServerName, "tls-server-name", "", "server name to verify (env TEMPORAL_TLS_SERVER_NAME)")
	fs.BoolVar(&f.tlsDisableHostVerify, "tls-disable-host-verification", false, "do not verify the server's host name (env TEMPORAL_TLS_DISABLE_HOST_VERIFICATION)")
	fs.StringVar(&f.profile, "profile", "", "envconfig profile of the Temporal config file (env TEMPORAL_PROFILE)")
	fs.StringVar(&f.configFile, "config-file", "", "Temporal config file, TOML (env TEMPORAL_CONFIG_FILE; default <user config dir>/temporalio/temporal.toml)")
	fs.StringVar(&f.taskQueue, "task-queue", envOr("OCIMOVE_TASK_QUEUE", DefaultTaskQueue), "task queue the workers poll (env OCIMOVE_TASK_QUEUE)")
	fs.DurationVar(&f.connectTimeout, "connect-timeout", 5*time.Second, "how long to wait for Temporal to answer before giving up")
	fs.StringVar(&f.logLevel, "log-level", envOr("OCIMOVE_LOG_LEVEL", "error"), "log level of the Temporal client: debug, info, warn or error (env OCIMOVE_LOG_LEVEL)")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// changed reports whether the flag was set on the command line.
func (f *connFlags) changed(name string) bool { return f.fs != nil && f.fs.Changed(name) }

// options builds the client options: envconfig (file profile, then env),
// then the flags, then the defaults. The API key is never printed.
func (f *connFlags) options(identity string, logOut io.Writer) (client.Options, string, error) {
	prof, err := envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{
		ConfigFilePath: f.configFile, ConfigFileProfile: f.profile,
	})
	if err != nil {
		return client.Options{}, "", usageError(fmt.Errorf("temporal config: %w; check --config-file/TEMPORAL_CONFIG_FILE and --profile/TEMPORAL_PROFILE", err))
	}
	if f.changed("address") {
		prof.Address = f.address
	}
	if f.changed("namespace") {
		prof.Namespace = f.namespace
	}
	if f.changed("api-key") {
		prof.APIKey = f.apiKey
	}
	tlsFlag := func(apply func(t *envconfig.ClientConfigTLS)) {
		if prof.TLS == nil {
			prof.TLS = &envconfig.ClientConfigTLS{}
		}
		apply(prof.TLS)
	}
	if f.changed("tls") {
		tlsFlag(func(t *envconfig.ClientConfigTLS) { t.Disabled = !f.tls })
	}
	if f.changed("tls-cert-path") {
		tlsFlag(func(t *envconfig.ClientConfigTLS) { t.ClientCertPath, t.ClientCertData = f.tlsCert, nil })
	}
	if f.changed("tls-key-path") {
		tlsFlag(func(t *envconfig.ClientConfigTLS) { t.ClientKeyPath, t.ClientKeyData = f.tlsKey, nil })
	}
	if f.changed("tls-ca-path") {
		tlsFlag(func(t *envconfig.ClientConfigTLS) { t.ServerCACertPath, t.ServerCACertData = f.tlsCA, nil })
	}
	if f.changed("tls-server-name") {
		tlsFlag(func(t *envconfig.ClientConfigTLS) { t.ServerName = f.tlsServerName })
	}
	if f.changed("tls-disable-host-verification") {
		tlsFlag(func(t *envconfig.ClientConfigTLS) { t.DisableHostVerification = f.tlsDisableHostVerify })
	}
	if prof.Address == "" {
		prof.Address = DefaultAddress
	}
	if prof.Namespace == "" {
		prof.Namespace = DefaultNamespace
	}
	opts, err := prof.ToClientOptions(envconfig.ToClientOptionsRequest{})
	if err != nil {
		return client.Options{}, "", usageError(fmt.Errorf("temporal connection: %w; check the --tls-* flags or TEMPORAL_TLS_* variables", err))
	}
	opts.Identity = identity
	opts.Logger = tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: parseLevel(f.logLevel)})))
	opts.ConnectionOptions.GetSystemInfoTimeout = f.connectTimeout
	return opts, describe(prof), nil
}

// describe names the connection for messages, without secrets.
func describe(p envconfig.ClientConfigProfile) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (namespace %s", p.Address, p.Namespace)
	if p.TLS != nil && !p.TLS.Disabled {
		b.WriteString(", TLS")
	}
	if p.APIKey != "" {
		b.WriteString(", API key")
	}
	b.WriteString(")")
	return b.String()
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelError
	}
	return l
}

// dial connects and checks the server's health within the connect
// timeout, so that an unreachable server is reported in seconds, naming
// the address and what to set.
func (f *connFlags) dial(ctx context.Context, identity string, logOut io.Writer) (client.Client, string, error) {
	opts, where, err := f.options(identity, logOut)
	if err != nil {
		return nil, "", err
	}
	timeout := f.connectTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := client.DialContext(dctx, opts)
	if err == nil {
		if _, herr := c.CheckHealth(dctx, &client.CheckHealthRequest{}); herr != nil {
			c.Close()
			err = herr
		}
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, "", ctx.Err()
		}
		return nil, "", unavailable(fmt.Errorf("cannot reach Temporal at %s within %s: %w\n"+
			"Is the server running? Set the address with --address or TEMPORAL_ADDRESS, the namespace with --namespace or TEMPORAL_NAMESPACE, "+
			"TLS with --tls-cert-path/--tls-key-path/--tls-ca-path (TEMPORAL_TLS_*), an API key with TEMPORAL_API_KEY, "+
			"or a profile with --profile/TEMPORAL_PROFILE", where, timeout, err))
	}
	return c, where, nil
}
