package ocistore_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// emptyPages turns the first n listings into empty pages that say where
// the next one starts (the first object the endpoint listed), as Object
// Storage may answer.
type emptyPages struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (e *emptyPages) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := e.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/o") || resp.StatusCode != http.StatusOK || e.n.Add(-1) < 0 {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var body struct {
		Objects []struct {
			Name string `json:"name"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || len(body.Objects) == 0 {
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		return resp, nil
	}
	out, _ := json.Marshal(map[string]any{"objects": []any{}, "nextStartWith": body.Objects[0].Name})
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return resp, nil
}

// TestListFollowsEmptyPages: the service answers with empty pages that
// name where the next page starts; List follows them and returns the next
// objects, never an empty truncated page.
func TestListFollowsEmptyPages(t *testing.T) {
	e := newEnv(t)
	for _, k := range []string{"p/a", "p/b", "p/c"} {
		_, err := e.st.Put(ctx(t), k, bytes.NewReader([]byte("x")), 1, store.PutOptions{})
		require.NoError(t, err)
	}
	rt := &emptyPages{next: http.DefaultTransport}
	cfg := e.config()
	cfg.HTTPClient = &http.Client{Transport: rt}
	st := e.open(t, cfg)
	rt.n.Store(3)
	page, err := st.List(ctx(t), store.ListOptions{Prefix: "p/", StartAfter: "p/a"})
	require.NoError(t, err)
	require.NotEmpty(t, page.Objects, "an empty page that says more follow is followed, not returned")
	assert.Equal(t, []string{"p/b", "p/c"}, []string{page.Objects[0].Key, page.Objects[len(page.Objects)-1].Key})
	assert.False(t, page.Truncated)
}
