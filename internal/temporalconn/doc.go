// Package temporalconn is the one Temporal connection setup of the starter
// and the worker. Its flags, environment variables and profiles are the
// Temporal CLI's: --address, --namespace, --api-key, --tls,
// --tls-cert-path, --tls-key-path, --tls-ca-path, --tls-server-name,
// --tls-disable-host-verification, --profile and --config-file, the
// TEMPORAL_* variables and envconfig profile files, with the precedence
// defaults < profile < environment < flags. It adds the payload codec
// (--codec-key-file, OCIMOVE_CODEC_KEY_FILE, OCIMOVE_CODEC_KEY), applied
// through the client options' data and failure converters.
//
// Flags.Resolve turns the settings into a Conn (client options, a
// description without secrets, the identity the connection carries for
// audit records); Conn.Dial connects and checks health, the namespace and
// the credentials, with errors that name the address and what to set.
// The API key is never logged, printed or put in an error.
package temporalconn
