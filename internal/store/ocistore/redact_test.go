package ocistore_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store/ocistore"
)

// TestErrorsHideEndpointSecrets: endpoints the SDK refuses (a path, where a
// pre-authenticated request would carry its token; user info) or that do
// not parse fail without repeating the URL, and an unreachable endpoint
// fails with errors, hints and retry events that name it by scheme and
// host.
func TestErrorsHideEndpointSecrets(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	for _, endpoint := range []string{dead, dead + "/p/s3cr3t-par-token/n/ns", "http://user:s3cr3t@" + ln.Addr().String()} {
		cfg := e.config()
		cfg.Endpoint = endpoint
		c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		_, err = ocistore.New(c, cfg)
		cancel()
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "s3cr3t")
		if endpoint != dead {
			continue // the SDK refuses it before any request
		}
		assert.Contains(t, err.Error(), dead, "the error names the endpoint by scheme and host")
	}
	for _, ev := range e.rec.Events() {
		if ev.Err != nil {
			assert.NotContains(t, ev.Err.Error(), "s3cr3t", "retry events carry the redacted error")
		}
	}
	_, err = ocistore.New(context.Background(), ocistore.Config{Bucket: "b", Region: "us-ashburn-1", Endpoint: "http://[bad s3cr3t", ConfigFile: e.creds.ConfigPath})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t", "an endpoint that does not parse is not repeated")
}
