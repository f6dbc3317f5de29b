package codec_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ocimove/ocimove/internal/codec"
)

const uiOrigin = "http://127.0.0.1:8233"

func TestHandlerDecodesWithTokenOnly(t *testing.T) {
	c := newCodec(t, newKey(t))
	srv := httptest.NewServer(c.Handler(codec.HandlerOptions{Token: "s3cret", AllowedOrigins: []string{uiOrigin}}))
	defer srv.Close()

	plain, err := c.DataConverter().ToPayload(secretInput{Key: objectKey})
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{plain}})
	require.NoError(t, err)

	post := func(auth string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/codec/decode", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", uiOrigin)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	for _, auth := range []string{"", "Bearer wrong", "s3cret"} {
		resp := post(auth)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "Authorization %q", auth)
		out, _ := io.ReadAll(resp.Body)
		assert.NotContains(t, string(out), objectKey)
	}

	resp := post("Bearer s3cret")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, uiOrigin, resp.Header.Get("Access-Control-Allow-Origin"))
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(raw, &decoded))
	require.Len(t, decoded.Payloads, 1)
	var got secretInput
	require.NoError(t, json.Unmarshal(decoded.Payloads[0].Data, &got))
	assert.Equal(t, objectKey, got.Key)
}

func TestHandlerCORS(t *testing.T) {
	c := newCodec(t, newKey(t))
	srv := httptest.NewServer(c.Handler(codec.HandlerOptions{AllowedOrigins: []string{uiOrigin}}))
	defer srv.Close()
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, srv.URL+"/codec/decode", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	ok := preflight(uiOrigin)
	assert.Equal(t, uiOrigin, ok.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, ok.Header.Get("Access-Control-Allow-Headers"), "X-Namespace")
	other := preflight("http://evil.example")
	assert.Empty(t, other.Header.Get("Access-Control-Allow-Origin"))

	resp, err := http.Get(srv.URL + "/codec/decode")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
