package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

func TestParseFlags(t *testing.T) {
	cfg, timeout, err := parseFlags([]string{
		"--db", "/tmp/x.db", "--port", "7300", "--namespace", "mig",
		"--log-level", "error", "--start-timeout", "30s",
		"--dynamic-config", "limit.historyCount.suggestContinueAsNew=200",
		"--dynamic-config", `frontend.someString="abc"`,
		"--dynamic-config", "some.float=0.5",
		"--dynamic-config", "some.bool=true",
	}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "/tmp/x.db", cfg.DBPath)
	require.Equal(t, 7300, cfg.Port)
	require.Equal(t, "mig", cfg.Namespace)
	require.Equal(t, "error", cfg.LogLevel)
	require.Equal(t, 30*time.Second, timeout)
	require.Equal(t, map[string]any{
		"limit.historyCount.suggestContinueAsNew": int64(200), // an integer, which the server's int settings need
		"frontend.someString":                     "abc",
		"some.float":                              0.5,
		"some.bool":                               true,
	}, cfg.DynamicConfig)
}

func TestParseFlagsDefaults(t *testing.T) {
	cfg, timeout, err := parseFlags(nil, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "", cfg.DBPath)
	require.Equal(t, 7233, cfg.Port)
	require.Equal(t, "default", cfg.Namespace)
	require.Equal(t, "warn", cfg.LogLevel)
	require.Equal(t, 2*time.Minute, timeout)
	require.Nil(t, cfg.DynamicConfig)
}

func TestParseFlagsRejectsBadInput(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"no equals":      {[]string{"--dynamic-config", "novalue"}, "want KEY=JSON"},
		"empty key":      {[]string{"--dynamic-config", "=1"}, "want KEY=JSON"},
		"unquoted":       {[]string{"--dynamic-config", "k=abc"}, "not one JSON value"},
		"two values":     {[]string{"--dynamic-config", "k=1 2"}, "more than one value"},
		"stray argument": {[]string{"extra"}, `unexpected argument "extra"`},
		"bad timeout":    {[]string{"--start-timeout", "0s"}, "must be positive"},
		"unknown flag":   {[]string{"--nope"}, "flag provided but not defined"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := parseFlags(tc.args, io.Discard)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestRunRejectsBadConfig checks run reports a bad setting before starting
// anything, and prints no READY line.
func TestRunRejectsBadConfig(t *testing.T) {
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"--port", "-3"}, &stdout, io.Discard)
	require.ErrorContains(t, err, "Port -3")
	require.Empty(t, stdout.String())
}

// TestRunServesUntilCancelled runs the command on a fresh database file,
// waits for its READY line, dials the address it printed, then ends it the
// way SIGTERM does.
func TestRunServesUntilCancelled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--db", filepath.Join(dir, "t.db"), "--port", "0", "--log-file", filepath.Join(dir, "server.log")}, outW, io.Discard)
		_ = outW.Close()
	}()

	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "no READY line")
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "READY ")
	require.True(t, ok, "first line %q is not READY <address>", line)

	c, err := client.Dial(client.Options{HostPort: addr, Namespace: "default",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	require.NoError(t, err)
	_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
	require.NoError(t, err)
	c.Close()

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("run did not return within 60s of cancel")
	}
}

func TestParseFlagsSecurity(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	require.NoError(t, os.WriteFile(keys, []byte("# ops\nkey-one\n\n  key-two  # worker\n"), 0o600))
	cfg, _, err := parseFlags([]string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-ca", "ca.pem",
		"--require-client-cert", "--api-key-file", keys, "--ui-codec-endpoint", "http://127.0.0.1:9464/codec"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "c.pem", cfg.TLSCertFile)
	require.Equal(t, "k.pem", cfg.TLSKeyFile)
	require.Equal(t, "ca.pem", cfg.TLSClientCAFile)
	require.True(t, cfg.RequireClientCert)
	require.Equal(t, []string{"key-one", "key-two"}, cfg.APIKeys)
	require.Equal(t, "http://127.0.0.1:9464/codec", cfg.UICodecEndpoint)

	t.Setenv(apiKeysEnv, "a, b")
	cfg, _, err = parseFlags(nil, io.Discard)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, cfg.APIKeys)
	_, _, err = parseFlags([]string{"--api-key-file", keys}, io.Discard)
	require.ErrorContains(t, err, "keep one")

	t.Setenv(apiKeysEnv, "")
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, []byte("# none\n"), 0o600))
	_, _, err = parseFlags([]string{"--api-key-file", empty}, io.Discard)
	require.ErrorContains(t, err, "holds no key")
}
