package temporalconn

import (
	"time"

	"github.com/spf13/pflag"
	"go.temporal.io/sdk/contrib/envconfig"
)

// Defaults of the connection when neither a profile, the environment nor
// a flag sets them.
const (
	DefaultAddress        = "127.0.0.1:7233"
	DefaultNamespace      = "default"
	DefaultConnectTimeout = 5 * time.Second
)

// Flags are the Temporal connection settings given on the command line.
// A field applies only when its flag was set; otherwise the environment,
// the profile or the default decide.
type Flags struct {
	Address, Namespace         string
	APIKey                     string
	TLS                        bool
	TLSCertPath, TLSKeyPath    string
	TLSCAPath, TLSServerName   string
	TLSDisableHostVerification bool
	Profile, ConfigFile        string
	CodecKeyFile               string
	// ConnectTimeout bounds Dial. A value set before Register is the
	// flag's default (DefaultConnectTimeout when zero).
	ConnectTimeout time.Duration
	// Env looks up environment variables; nil is the process environment.
	Env envconfig.EnvLookup

	fs *pflag.FlagSet
}

// Register adds the connection flags to fs.
func (f *Flags) Register(fs *pflag.FlagSet) {
	f.fs = fs
	timeout := f.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	fs.StringVar(&f.Address, "address", "", "Temporal frontend host:port (env TEMPORAL_ADDRESS; default "+DefaultAddress+")")
	fs.StringVarP(&f.Namespace, "namespace", "n", "", "Temporal namespace (env TEMPORAL_NAMESPACE; default "+DefaultNamespace+")")
	fs.StringVar(&f.APIKey, "api-key", "", "Temporal API key; prefer env TEMPORAL_API_KEY, since a flag shows in the process list. Turns TLS on unless --tls=false")
	fs.BoolVar(&f.TLS, "tls", false, "use TLS; on by default with an API key or any --tls-* setting, --tls=false turns it off (env TEMPORAL_TLS)")
	fs.StringVar(&f.TLSCertPath, "tls-cert-path", "", "client certificate (PEM) for mTLS (env TEMPORAL_TLS_CLIENT_CERT_PATH)")
	fs.StringVar(&f.TLSKeyPath, "tls-key-path", "", "client private key (PEM) for mTLS (env TEMPORAL_TLS_CLIENT_KEY_PATH)")
	fs.StringVar(&f.TLSCAPath, "tls-ca-path", "", "CA bundle (PEM) that signed the server's certificate, instead of the system roots (env TEMPORAL_TLS_SERVER_CA_CERT_PATH)")
	fs.StringVar(&f.TLSServerName, "tls-server-name", "", "server name to ask for and verify (env TEMPORAL_TLS_SERVER_NAME)")
	fs.BoolVar(&f.TLSDisableHostVerification, "tls-disable-host-verification", false, "do not verify the server's certificate (env TEMPORAL_TLS_DISABLE_HOST_VERIFICATION)")
	fs.StringVar(&f.Profile, "profile", "", "profile of the Temporal config file (env TEMPORAL_PROFILE; default \"default\")")
	fs.StringVar(&f.ConfigFile, "config-file", "", "Temporal config file, TOML (env TEMPORAL_CONFIG_FILE; default <user config dir>/temporalio/temporal.toml)")
	fs.StringVar(&f.CodecKeyFile, "codec-key-file", "", "file holding the payload codec's AES-256 key ring, one base64 or hex key per line, the first one encrypting (env OCIMOVE_CODEC_KEY_FILE; or the keys themselves in env OCIMOVE_CODEC_KEY)")
	fs.DurationVar(&f.ConnectTimeout, "connect-timeout", timeout, "how long to wait for Temporal to answer before giving up")
}

// changed reports whether the flag was set on the command line.
func (f *Flags) changed(name string) bool { return f.fs != nil && f.fs.Changed(name) }

// env returns the environment lookup.
func (f *Flags) env() envconfig.EnvLookup {
	if f.Env != nil {
		return f.Env
	}
	return envconfig.EnvLookupOS
}
