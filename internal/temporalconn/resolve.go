package temporalconn

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"

	"github.com/ocimove/ocimove/internal/codec"
)

// Conn is a resolved Temporal connection: the client options to dial with
// and what may be said about it.
type Conn struct {
	// Options are the client options. The caller sets Identity and Logger
	// before Dial.
	Options client.Options
	// Address and Namespace are where the connection goes.
	Address, Namespace string
	// TLS, ClientCert and APIKey say how it authenticates.
	TLS, ClientCert, APIKey bool
	// Codec is the payload codec, nil when none is configured.
	Codec *codec.Codec
	// Identity is who the connection's credentials say the caller is: the
	// client certificate's subject ("x509:<subject>") and an API key's
	// fingerprint ("api-key:<id>"), space-separated; "" when it carries
	// neither. It never holds a secret.
	Identity string
	// Timeout bounds Dial.
	Timeout time.Duration
}

// String names the connection for messages, without secrets.
func (c *Conn) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (namespace %s", c.Address, c.Namespace)
	if c.TLS {
		b.WriteString(", TLS")
	}
	if c.ClientCert {
		b.WriteString(", client certificate")
	}
	if c.APIKey {
		b.WriteString(", API key")
	}
	if c.Codec != nil {
		fmt.Fprintf(&b, ", payload codec key %s", c.Codec.Keyring().Current().ID())
	}
	b.WriteString(")")
	return b.String()
}

// Resolve builds the connection from, lowest precedence first: the
// defaults, the envconfig profile (--config-file/TEMPORAL_CONFIG_FILE,
// --profile/TEMPORAL_PROFILE), the TEMPORAL_* environment variables and
// the flags set on the command line; and the payload codec. Its errors
// are of kind Config.
func (f *Flags) Resolve() (*Conn, error) {
	if f.changed("config-file") {
		if _, err := os.Stat(f.ConfigFile); err != nil {
			return nil, configError(fmt.Errorf("--config-file: %w", err))
		}
	}
	prof, err := envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{
		ConfigFilePath: f.ConfigFile, ConfigFileProfile: f.Profile, EnvLookup: f.env(),
	})
	if err != nil {
		return nil, configError(fmt.Errorf("temporal config: %w; check --config-file/TEMPORAL_CONFIG_FILE and --profile/TEMPORAL_PROFILE", err))
	}
	f.applyFlags(&prof)
	if prof.Address == "" {
		prof.Address = DefaultAddress
	}
	if prof.Namespace == "" {
		prof.Namespace = DefaultNamespace
	}
	opts, err := prof.ToClientOptions(envconfig.ToClientOptionsRequest{})
	if err != nil {
		return nil, configError(fmt.Errorf("temporal connection: %w; check --tls-cert-path, --tls-key-path, --tls-ca-path (TEMPORAL_TLS_*) or the profile's tls section", err))
	}
	c := &Conn{
		Options: opts, Address: prof.Address, Namespace: prof.Namespace,
		TLS:     opts.ConnectionOptions.TLS != nil && !opts.ConnectionOptions.TLSDisabled,
		APIKey:  prof.APIKey != "",
		Timeout: f.ConnectTimeout,
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultConnectTimeout
	}
	id, hasCert, err := identity(opts, prof.APIKey)
	if err != nil {
		return nil, configError(err)
	}
	c.Identity, c.ClientCert = id, hasCert
	ring, err := codec.LoadKeyring(f.env().LookupEnv, f.CodecKeyFile)
	if err != nil {
		return nil, configError(err)
	}
	if ring != nil {
		if c.Codec, err = codec.New(ring); err != nil {
			return nil, configError(err)
		}
		c.Options.DataConverter = c.Codec.DataConverter()
		c.Options.FailureConverter = c.Codec.FailureConverter()
	}
	c.Options.ConnectionOptions.GetSystemInfoTimeout = c.Timeout
	return c, nil
}

// applyFlags lays the flags set on the command line over prof.
func (f *Flags) applyFlags(prof *envconfig.ClientConfigProfile) {
	if f.changed("address") {
		prof.Address = f.Address
	}
	if f.changed("namespace") {
		prof.Namespace = f.Namespace
	}
	if f.changed("api-key") {
		prof.APIKey = f.APIKey
	}
	tlsConf := func() *envconfig.ClientConfigTLS {
		if prof.TLS == nil {
			prof.TLS = &envconfig.ClientConfigTLS{}
		}
		return prof.TLS
	}
	if f.changed("tls") {
		tlsConf().Disabled = !f.TLS
	}
	if f.changed("tls-cert-path") {
		t := tlsConf()
		t.ClientCertPath, t.ClientCertData = f.TLSCertPath, nil
	}
	if f.changed("tls-key-path") {
		t := tlsConf()
		t.ClientKeyPath, t.ClientKeyData = f.TLSKeyPath, nil
	}
	if f.changed("tls-ca-path") {
		t := tlsConf()
		t.ServerCACertPath, t.ServerCACertData = f.TLSCAPath, nil
	}
	if f.changed("tls-server-name") {
		tlsConf().ServerName = f.TLSServerName
	}
	if f.changed("tls-disable-host-verification") {
		tlsConf().DisableHostVerification = f.TLSDisableHostVerification
	}
}

// ErrorKind classifies connection errors.
type ErrorKind int

// Kinds of connection errors.
const (
	// Config: the settings are wrong (a flag, a variable, a profile, a
	// certificate or key file).
	Config ErrorKind = iota + 1
	// Unreachable: the server did not answer, or the transport failed
	// (TLS handshake, a refused client certificate).
	Unreachable
	// Refused: the server answered and refused the credentials.
	Refused
	// UnknownNamespace: the namespace does not exist on the server.
	UnknownNamespace
)

// Error is a connection error of a kind.
type Error struct {
	Kind ErrorKind
	err  error
}

func (e *Error) Error() string { return e.err.Error() }
func (e *Error) Unwrap() error { return e.err }

// KindOf returns the kind of a connection error, 0 for other errors.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func configError(err error) error { return &Error{Kind: Config, err: err} }
