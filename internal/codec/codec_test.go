package codec_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/internal/codec"
)

func newKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, codec.KeySize)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

func newCodec(t *testing.T, keys ...[]byte) *codec.Codec {
	t.Helper()
	ring, err := codec.NewKeyring(keys...)
	require.NoError(t, err)
	c, err := codec.New(ring)
	require.NoError(t, err)
	return c
}

type secretInput struct {
	Key  string `json:"key"`
	Plan string `json:"plan"`
}

const objectKey = "users/3f/alice/avatar.png"

func TestRoundTripHidesPlaintext(t *testing.T) {
	k := newKey(t)
	c := newCodec(t, k)
	dc := c.DataConverter()
	p, err := dc.ToPayload(secretInput{Key: objectKey, Plan: "sources: primary"})
	require.NoError(t, err)

	assert.Equal(t, codec.EncodingEncrypted, string(p.Metadata[codec.MetadataEncoding]))
	assert.Equal(t, codec.KeyID(k), string(p.Metadata[codec.MetadataKeyID]))
	assert.NotContains(t, string(p.Data), objectKey)
	assert.NotContains(t, string(p.Data), "json/plain", "the inner encoding is sealed too")
	for _, v := range p.Metadata {
		assert.NotContains(t, string(v), objectKey)
	}

	var got secretInput
	require.NoError(t, dc.FromPayload(p, &got))
	assert.Equal(t, objectKey, got.Key)

	q, err := dc.ToPayload(secretInput{Key: objectKey})
	require.NoError(t, err)
	r, err := dc.ToPayload(secretInput{Key: objectKey})
	require.NoError(t, err)
	assert.NotEqual(t, q.Data, r.Data, "a random nonce makes equal inputs differ")
}

func TestRotationDecryptsWithAnyConfiguredKey(t *testing.T) {
	oldKey, newKeyBytes := newKey(t), newKey(t)
	sealed, err := newCodec(t, oldKey).Encode([]*commonpb.Payload{{Data: []byte(objectKey)}})
	require.NoError(t, err)

	rotated := newCodec(t, newKeyBytes, oldKey)
	opened, err := rotated.Decode(sealed)
	require.NoError(t, err)
	assert.Equal(t, objectKey, string(opened[0].Data))

	again, err := rotated.Encode([]*commonpb.Payload{{Data: []byte(objectKey)}})
	require.NoError(t, err)
	assert.Equal(t, codec.KeyID(newKeyBytes), string(again[0].Metadata[codec.MetadataKeyID]), "the first key encrypts")

	_, err = newCodec(t, newKeyBytes).Decode(sealed)
	require.ErrorIs(t, err, codec.ErrUnknownKey)
	assert.Contains(t, err.Error(), codec.KeyID(oldKey))
}

func TestDecodeRefusesAlteredPayloads(t *testing.T) {
	c := newCodec(t, newKey(t))
	sealed, err := c.Encode([]*commonpb.Payload{{Data: []byte(objectKey)}})
	require.NoError(t, err)

	flipped := bytes.Clone(sealed[0].Data)
	flipped[len(flipped)/2] ^= 0x01
	_, err = c.Decode([]*commonpb.Payload{{Metadata: sealed[0].Metadata, Data: flipped}})
	assert.ErrorContains(t, err, "does not authenticate")

	_, err = c.Decode([]*commonpb.Payload{{Metadata: sealed[0].Metadata, Data: sealed[0].Data[:8]}})
	assert.ErrorContains(t, err, "truncated")
}

func TestDecodePassesUnsealedPayloads(t *testing.T) {
	c := newCodec(t, newKey(t))
	plain, err := converter.GetDefaultDataConverter().ToPayload("hello")
	require.NoError(t, err)
	out, err := c.Decode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	assert.Same(t, plain, out[0])
}

func TestFailureConverterSealsMessages(t *testing.T) {
	c := newCodec(t, newKey(t))
	f := c.FailureConverter().ErrorToFailure(temporal.NewApplicationError("copy "+objectKey+": access denied", "Denied"))
	assert.NotContains(t, f.GetMessage(), objectKey)
	require.NotNil(t, f.GetEncodedAttributes())
	assert.NotContains(t, string(f.GetEncodedAttributes().GetData()), objectKey)

	back := c.FailureConverter().FailureToError(f)
	var app *temporal.ApplicationError
	require.True(t, errors.As(back, &app))
	assert.Contains(t, app.Message(), objectKey)
}
