package devserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/devserver"
)

// TestWebUI serves the Temporal Web UI beside the embedded server: the page
// loads, and its API lists the server's namespace.
func TestWebUI(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{UIPort: port, LogLevel: "off"})
	require.NoError(t, err)
	defer srv.Stop()
	require.NotEmpty(t, srv.UIAddress())

	get := func(path string) (int, string) {
		var lastErr error
		for i := 0; i < 100; i++ { // the UI server starts in the background
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
	code, body := get("/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, strings.ToLower(body), "<html")
	code, body = get("/api/v1/namespaces")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, srv.Namespace())

	_, err = devserver.Start(ctx, devserver.Config{UIPort: port, LogLevel: "off"})
	require.ErrorContains(t, err, "Web UI port", "a taken UI port is an error, not a crash")
}
