package devserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/devserver"
)

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// getUI GETs path from the server's Web UI, which starts in the
// background, and returns the status and body.
func getUI(t *testing.T, srv *devserver.Server, path string) (int, string) {
	t.Helper()
	var lastErr error
	for i := 0; i < 100; i++ {
		resp, err := http.Get(srv.UIAddress() + path)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(body)
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s: %v", path, lastErr)
	return 0, ""
}

// TestWebUIOnASecuredServer serves the Web UI beside a server with TLS
// and API keys: the UI reaches the frontend with the server's internal
// identity, and its settings name the configured codec endpoint.
func TestWebUIOnASecuredServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pki := newPKI(t, t.TempDir())
	const endpoint = "http://127.0.0.1:9464/codec"
	srv, err := devserver.Start(ctx, devserver.Config{UIPort: freePort(t), LogLevel: "off", UICodecEndpoint: endpoint,
		TLSCertFile: pki.serverCert, TLSKeyFile: pki.serverKey, APIKeys: []string{"ui-test-key"}})
	require.NoError(t, err)
	defer srv.Stop()

	code, body := getUI(t, srv, "/api/v1/namespaces")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, srv.Namespace())
	code, body = getUI(t, srv, "/api/v1/settings")
	require.Equal(t, http.StatusOK, code, body)
	var settings struct{ Codec struct{ Endpoint string } }
	require.NoError(t, json.Unmarshal([]byte(body), &settings), body)
	require.Equal(t, endpoint, settings.Codec.Endpoint)
}

// TestWebUI serves the Temporal Web UI beside the embedded server: the page
// loads, and its API lists the server's namespace.
func TestWebUI(t *testing.T) {
	port := freePort(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{UIPort: port, LogLevel: "off"})
	require.NoError(t, err)
	defer srv.Stop()
	require.NotEmpty(t, srv.UIAddress())

	get := func(path string) (int, string) { return getUI(t, srv, path) }
	code, body := get("/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, strings.ToLower(body), "<html")
	code, body = get("/api/v1/namespaces")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, srv.Namespace())

	_, err = devserver.Start(ctx, devserver.Config{UIPort: port, LogLevel: "off"})
	require.ErrorContains(t, err, "Web UI port", "a taken UI port is an error, not a crash")
}
