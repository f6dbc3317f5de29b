package codec

import (
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Payload metadata written by Encode.
const (
	// MetadataEncoding is the standard payload metadata key of the encoding.
	MetadataEncoding = converter.MetadataEncoding
	// EncodingEncrypted marks a payload this codec sealed.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key that sealed the payload.
	MetadataKeyID = "encryption-key-id"
	// MetadataCipher names the cipher.
	MetadataCipher = "encryption-cipher"
	// CipherAESGCM is the value of MetadataCipher.
	CipherAESGCM = "AES-256-GCM"
)

// nonceSize is the size of a GCM nonce.
const nonceSize = 12

// ErrUnknownKey reports a payload sealed with a key the ring does not hold.
var ErrUnknownKey = errors.New("codec: payload encrypted with a key that is not configured")

// Codec is a converter.PayloadCodec that seals each payload, metadata
// and data, with AES-256-GCM under the key ring's current key and a random
// nonce, and opens payloads sealed under any key of the ring. Payloads not
// sealed by it pass Decode unchanged. It is safe for concurrent use.
type Codec struct {
	ring *Keyring
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a codec over ring.
func New(ring *Keyring) (*Codec, error) {
	if ring == nil || len(ring.keys) == 0 {
		return nil, ErrNoKey
	}
	return &Codec{ring: ring}, nil
}

// Keyring returns the codec's keys.
func (c *Codec) Keyring() *Keyring { return c.ring }

// additionalData binds a ciphertext to the id of the key that sealed it.
func additionalData(keyID string) []byte { return []byte("ocimove/codec/v1 " + keyID) }

// Encode seals every payload under the current key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	key := c.ring.Current()
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("codec: marshal payload: %w", err)
		}
		buf := make([]byte, nonceSize, nonceSize+len(plain)+key.aead.Overhead())
		if _, err := rand.Read(buf); err != nil {
			return payloads, fmt.Errorf("codec: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:    []byte(key.id),
				MetadataCipher:   []byte(CipherAESGCM),
			},
			Data: key.aead.Seal(buf, buf, plain, additionalData(key.id)),
		}
	}
	return out, nil
}

// Decode opens every payload this codec sealed and returns the others
// unchanged. A payload sealed under a key outside the ring, or altered,
// is an error naming the key id.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		key := c.ring.lookup(id)
		if key == nil {
			return payloads, fmt.Errorf("%w: key id %q (configured: %v); add that key to the key ring (%s or %s), after the current one",
				ErrUnknownKey, id, c.ring.IDs(), EnvKey, EnvKeyFile)
		}
		data := p.GetData()
		if len(data) < nonceSize+key.aead.Overhead() {
			return payloads, fmt.Errorf("codec: payload sealed with key %s is truncated (%d bytes)", id, len(data))
		}
		plain, err := key.aead.Open(nil, data[:nonceSize], data[nonceSize:], additionalData(id))
		if err != nil {
			return payloads, fmt.Errorf("codec: payload sealed with key %s does not authenticate (altered, or another key with the same id): %w", id, err)
		}
		var decoded commonpb.Payload
		if err := proto.Unmarshal(plain, &decoded); err != nil {
			return payloads, fmt.Errorf("codec: payload sealed with key %s: unmarshal: %w", id, err)
		}
		out[i] = &decoded
	}
	return out, nil
}

// DataConverter returns the SDK's default data converter with this codec
// applied to every payload.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter returns a failure converter that moves each failure's
// message and stack trace into an encoded payload, so that error texts
// (which may name object keys) are sealed too.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: c.DataConverter(), EncodeCommonAttributes: true,
	})
}
