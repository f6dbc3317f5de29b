package demo

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ocimove/ocimove/internal/codec"
)

// TestStartCodec: without a key the demo has no codec; with
// OCIMOVE_CODEC_KEY it seals payloads and serves the Web UI's codec
// endpoint, which decodes them for the UI's origin.
func TestStartCodec(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Setenv(codec.EnvKey, "")
	t.Setenv(codec.EnvKeyFile, "")
	c, endpoint, err := startCodec(ctx, 8233, log)
	require.NoError(t, err)
	assert.Nil(t, c)
	assert.Empty(t, endpoint)

	t.Setenv(codec.EnvKey, hex.EncodeToString(bytes.Repeat([]byte{7}, codec.KeySize)))
	c, endpoint, err = startCodec(ctx, 8233, log)
	require.NoError(t, err)
	require.NotNil(t, c)
	sealed, err := c.DataConverter().ToPayload("users/3f/alice.png")
	require.NoError(t, err)
	assert.NotContains(t, string(sealed.GetData()), "alice")

	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{sealed}})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, endpoint+"/decode", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Origin", "http://127.0.0.1:8233")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	assert.Equal(t, "http://127.0.0.1:8233", resp.Header.Get("Access-Control-Allow-Origin"))
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(out, &decoded))
	require.Len(t, decoded.Payloads, 1)
	assert.Equal(t, `"users/3f/alice.png"`, string(decoded.Payloads[0].GetData()))
}
