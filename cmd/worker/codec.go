package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/ocimove/ocimove/internal/codec"
	"github.com/ocimove/ocimove/internal/temporalconn"
)

// codecTokenEnv holds the /codec bearer token itself.
const codecTokenEnv = "OCIMOVE_CODEC_TOKEN"

// codecEndpoint returns the codec server handler for the worker's HTTP
// server, or nil when the connection has no codec. Its bearer token comes
// from --codec-token-file or OCIMOVE_CODEC_TOKEN, never from a flag value.
func codecEndpoint(conn *temporalconn.Conn, o options) (http.Handler, error) {
	if conn.Codec == nil {
		if o.codecTokenFile != "" || len(o.codecOrigins) > 0 {
			return nil, fmt.Errorf("--codec-token-file and --codec-cors-origin configure the /codec endpoint, which needs a codec key (--codec-key-file, %s or %s)", codec.EnvKeyFile, codec.EnvKey)
		}
		return nil, nil
	}
	token := os.Getenv(codecTokenEnv)
	if o.codecTokenFile != "" {
		if token != "" {
			return nil, fmt.Errorf("both --codec-token-file and %s are set; keep one", codecTokenEnv)
		}
		b, err := os.ReadFile(o.codecTokenFile)
		if err != nil {
			return nil, fmt.Errorf("read --codec-token-file: %w", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" {
			return nil, fmt.Errorf("--codec-token-file %s is empty", o.codecTokenFile)
		}
	}
	return conn.Codec.Handler(codec.HandlerOptions{Token: token, AllowedOrigins: o.codecOrigins}), nil
}
