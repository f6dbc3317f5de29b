package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Environment variables that configure the key ring, the same for every
// command that uses the codec.
const (
	// EnvKey holds the key ring itself: one or more keys, separated by
	// commas or white space, the first one current.
	EnvKey = "OCIMOVE_CODEC_KEY"
	// EnvKeyFile names a file holding the key ring (one key per line, '#'
	// starts a comment, the first key current).
	EnvKeyFile = "OCIMOVE_CODEC_KEY_FILE"
)

// KeySize is the size of an AES-256 key in bytes.
const KeySize = 32

// ErrNoKey reports a key ring source that holds no key.
var ErrNoKey = errors.New("codec: no key")

// Key is one AES-256-GCM key and its id.
type Key struct {
	id   string
	aead cipher.AEAD
}

// ID returns the key's id: a fingerprint of the key that is safe to log
// and to store beside the ciphertext.
func (k *Key) ID() string { return k.id }

// Keyring is the set of keys a codec knows: Current encrypts, every key
// decrypts.
type Keyring struct {
	keys []*Key
	byID map[string]*Key
}

// Current returns the key that encrypts.
func (r *Keyring) Current() *Key { return r.keys[0] }

// IDs returns the ids of the keys, the current one first.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// lookup returns the key with id, or nil.
func (r *Keyring) lookup(id string) *Key { return r.byID[id] }

// KeyID returns the id of a raw key: the first 16 hex digits of a SHA-256
// over a fixed label and the key. It identifies the key without revealing
// it.
func KeyID(raw []byte) string {
	h := sha256.New()
	h.Write([]byte("ocimove codec key id\x00"))
	h.Write(raw)
	return "k" + hex.EncodeToString(h.Sum(nil))[:16]
}

// NewKeyring builds a key ring from raw 32-byte keys, the first current.
// Repeated keys count once.
func NewKeyring(raw ...[]byte) (*Keyring, error) {
	if len(raw) == 0 {
		return nil, ErrNoKey
	}
	r := &Keyring{byID: map[string]*Key{}}
	for i, k := range raw {
		if len(k) != KeySize {
			return nil, fmt.Errorf("codec: key %d is %d bytes; AES-256 needs %d", i+1, len(k), KeySize)
		}
		id := KeyID(k)
		if r.byID[id] != nil {
			continue
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("codec: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("codec: key %d: %w", i+1, err)
		}
		key := &Key{id: id, aead: aead}
		r.keys = append(r.keys, key)
		r.byID[id] = key
	}
	return r, nil
}

// ParseKeyring reads a key ring from text: keys in base64 (standard or
// URL alphabet, padded or not) or hex, 32 bytes each, separated by commas
// or white space; '#' starts a comment that runs to the end of the line.
// The first key is current. source names the text in errors, which never
// quote a key.
func ParseKeyring(source, text string) (*Keyring, error) {
	var raw [][]byte
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, field := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' }) {
			k, err := decodeKey(field)
			if err != nil {
				return nil, fmt.Errorf("codec: key %d of %s: %w", len(raw)+1, source, err)
			}
			raw = append(raw, k)
		}
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w in %s: give one or more 32-byte keys in base64 or hex (for example: openssl rand -base64 32)", ErrNoKey, source)
	}
	r, err := NewKeyring(raw...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return r, nil
}

// decodeKey decodes one key written in hex or base64.
func decodeKey(s string) ([]byte, error) {
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, fmt.Errorf("it decodes to %d bytes; AES-256 needs %d", len(b), KeySize)
		}
		return b, nil
	}
	return nil, fmt.Errorf("it is neither base64 nor hex of %d bytes", KeySize)
}

// LoadKeyring reads the key ring from file (a --codec-key-file flag), else
// from the file named by OCIMOVE_CODEC_KEY_FILE, else from
// OCIMOVE_CODEC_KEY, looked up with lookup (nil is os.LookupEnv). It
// returns nil and no error when none is set: no codec. Setting both a
// file and OCIMOVE_CODEC_KEY is an error, so that it is never unclear
// which keys are in use.
func LoadKeyring(lookup func(string) (string, bool), file string) (*Keyring, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	source := "--codec-key-file"
	if file == "" {
		if v, ok := lookup(EnvKeyFile); ok && v != "" {
			file, source = v, EnvKeyFile
		}
	}
	inline, hasInline := lookup(EnvKey)
	hasInline = hasInline && strings.TrimSpace(inline) != ""
	switch {
	case file != "" && hasInline:
		return nil, fmt.Errorf("codec: both %s (%s) and %s are set; keep one key ring source", source, file, EnvKey)
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("codec: read the key ring file given by %s: %w", source, err)
		}
		return ParseKeyring(file, string(data))
	case hasInline:
		return ParseKeyring(EnvKey, inline)
	}
	return nil, nil
}
