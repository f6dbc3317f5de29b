package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
