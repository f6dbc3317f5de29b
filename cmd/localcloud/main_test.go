package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/tlsgen"
)

// TestS3PrintsReadyAndServes runs the s3 subcommand in-process, waits for
// its READY line and checks the endpoint answers, then stops it.
func TestS3PrintsReadyAndServes(t *testing.T) {
	pr, pw := io.Pipe()
	cmd := newRootCmd(pw, io.Discard)
	cmd.SetArgs([]string{"s3", "--addr", "127.0.0.1:0", "--bucket", "bench-src", "--region", "eu-west-1"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx); pw.Close() }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "READY ")
	require.True(t, ok, line)

	req, _ := http.NewRequest(http.MethodHead, url+"/bench-src", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "eu-west-1", resp.Header.Get("x-amz-bucket-region"))

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("localcloud did not stop")
	}
}

func TestS3RejectsHalfCredentials(t *testing.T) {
	cmd := newRootCmd(io.Discard, io.Discard)
	cmd.SetArgs([]string{"s3", "--addr", "127.0.0.1:0", "--access-key", "K"})
	err := cmd.Execute()
	assert.ErrorContains(t, err, "--secret-key")
}

// startCmd runs the command line args in-process and returns the URL of
// its READY line; the command stops when the test ends.
func startCmd(t *testing.T, args ...string) string {
	t.Helper()
	pr, pw := io.Pipe()
	cmd := newRootCmd(pw, io.Discard)
	cmd.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Error("localcloud did not stop")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err, "the command ended before READY")
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "READY ")
	require.True(t, ok, line)
	return url
}

// trusting returns an HTTP client that trusts only the CA in the PEM file.
func trusting(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// TestS3ServesHTTPSSelfSigned serves the S3 endpoint over HTTPS with a CA
// it writes: a client trusting that CA is answered, one trusting the
// system's CAs is refused the certificate, and a second start reuses the CA.
func TestS3ServesHTTPSSelfSigned(t *testing.T) {
	dir := t.TempDir()
	url := startCmd(t, "s3", "--addr", "127.0.0.1:0", "--bucket", "tls-bkt", "--tls-self-signed", dir)
	require.True(t, strings.HasPrefix(url, "https://127.0.0.1:"), url)
	resp, err := trusting(t, filepath.Join(dir, "ca.pem")).Head(url + "/tls-bkt")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "HTTP/1.1", resp.Proto)

	_, err = http.Head(url + "/tls-bkt")
	var unknown x509.UnknownAuthorityError
	assert.ErrorAs(t, err, &unknown, "the system's CAs do not vouch for the endpoint")

	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	require.NoError(t, err)
	url2 := startCmd(t, "s3", "--addr", "127.0.0.1:0", "--bucket", "tls-bkt", "--tls-self-signed", dir)
	again, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	require.NoError(t, err)
	assert.Equal(t, ca, again, "a restart keeps the CA")
	resp, err = trusting(t, filepath.Join(dir, "ca.pem")).Head(url2 + "/tls-bkt")
	require.NoError(t, err)
	resp.Body.Close()
}

// TestOCIServesHTTPSWithGivenCertificate serves the OCI endpoint with a
// certificate and key given as files.
func TestOCIServesHTTPSWithGivenCertificate(t *testing.T) {
	dir := t.TempDir()
	ca, err := tlsgen.NewCA("localcloud test CA")
	require.NoError(t, err)
	cert, err := ca.Server("127.0.0.1")
	require.NoError(t, err)
	certFile, keyFile, err := cert.WriteFiles(dir, "server")
	require.NoError(t, err)
	_, _, err = ca.WriteFiles(dir, "ca")
	require.NoError(t, err)
	url := startCmd(t, "oci", "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	require.True(t, strings.HasPrefix(url, "https://"), url)
	resp, err := trusting(t, filepath.Join(dir, "ca.pem")).Get(url + "/n/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Less(t, resp.StatusCode, 500)
}

func TestTLSFlagsAreChecked(t *testing.T) {
	for _, args := range [][]string{
		{"s3", "--addr", "127.0.0.1:0", "--tls-cert", "c.pem"},
		{"oci", "--addr", "127.0.0.1:0", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-self-signed", "d"},
		{"s3", "--addr", "127.0.0.1:0", "--tls-host", "s3.local"},
	} {
		cmd := newRootCmd(io.Discard, io.Discard)
		cmd.SetArgs(args)
		assert.ErrorContains(t, cmd.Execute(), "--tls-", args)
	}
}
