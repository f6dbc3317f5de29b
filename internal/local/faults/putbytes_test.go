package faults

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPutBytesCountsEveryPutBody counts the body bytes of PUTs the handler
// read, re-sends included, and not those of other methods; the admin GET
// reports the count beside the fired faults.
func TestPutBytesCountsEveryPutBody(t *testing.T) {
	var in Injector
	in.Set(Rule{Op: "put", Status: 500, Count: 1})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
	srv := httptest.NewServer(in.Middleware(handler,
		func(r *http.Request) (string, string) { return strings.ToLower(r.Method), "k" },
		func(w http.ResponseWriter, r *http.Request, status int) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(status)
		}))
	defer srv.Close()

	do := func(method, body string) int {
		req, err := http.NewRequest(method, srv.URL+"/k", strings.NewReader(body))
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, 500, do(http.MethodPut, "0123456789"), "the first PUT fails")
	assert.Equal(t, 200, do(http.MethodPut, "0123456789"), "its re-send succeeds")
	assert.Equal(t, 200, do(http.MethodPost, "not counted"))
	assert.Equal(t, int64(20), in.PutBytes())

	res, err := http.Get(srv.URL + AdminPath)
	require.NoError(t, err)
	defer res.Body.Close()
	var v struct {
		Fired    map[string]int `json:"fired"`
		PutBytes int64          `json:"putBytes"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&v))
	assert.Equal(t, int64(20), v.PutBytes)
	assert.Equal(t, map[string]int{"put": 1}, v.Fired)
}
