package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

func TestSafeURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://user:pw@app.example.com:8443/hooks/s3cr3t?token=s3cr3t#frag": "https://app.example.com:8443",
		"http://127.0.0.1:9000/bucket/key?X-Amz-Signature=abc":                "http://127.0.0.1:9000",
		"not a url":      "(URL hidden)",
		"/relative/path": "(URL hidden)",
	} {
		assert.Equal(t, want, store.SafeURL(raw), raw)
	}
}

// TestRedactURLs: a network error of an HTTP client holds the whole
// request URL; once redacted, nothing but scheme and host is left, however
// deep the *url.Error is wrapped.
func TestRedactURLs(t *testing.T) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://user:pw@127.0.0.1:1/path-s3cr3t?token=s3cr3t", nil)
	require.NoError(t, err)
	_, doErr := http.DefaultClient.Do(req)
	require.Error(t, doErr)
	require.Contains(t, doErr.Error(), "s3cr3t", "the client's error holds the URL")

	wrapped := fmt.Errorf("outer: %w", errors.Join(errors.New("other"), fmt.Errorf("inner: %w", doErr)))
	got := store.RedactURLs(wrapped).Error()
	assert.NotContains(t, got, "s3cr3t")
	assert.NotContains(t, got, "pw")
	assert.Contains(t, got, "http://127.0.0.1:1")
	assert.Nil(t, store.RedactURLs(nil))
}

func TestRedactText(t *testing.T) {
	assert.Equal(t, `post "https://app.example.com" failed; see http://h:1 (s3://bucket kept)`,
		store.RedactText(`post "https://app.example.com/hooks/s3cr3t?token=s3cr3t" failed; see http://u:pw@h:1/x (s3://bucket kept)`))
}
