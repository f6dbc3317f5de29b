package codec_test

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/codec"
)

func TestParseKeyringFormats(t *testing.T) {
	a, b, c := newKey(t), newKey(t), newKey(t)
	text := "# current key first\n" +
		hex.EncodeToString(a) + "  # added 2025-01\n" +
		base64.StdEncoding.EncodeToString(b) + ", " + base64.RawURLEncoding.EncodeToString(c) + "\n" +
		hex.EncodeToString(a) + "\n"
	ring, err := codec.ParseKeyring("test", text)
	require.NoError(t, err)
	assert.Equal(t, []string{codec.KeyID(a), codec.KeyID(b), codec.KeyID(c)}, ring.IDs(), "a repeated key counts once")
	assert.Equal(t, codec.KeyID(a), ring.Current().ID())
}

func TestParseKeyringErrorsNeverQuoteKeys(t *testing.T) {
	short := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	for name, text := range map[string]string{
		"short":     short,
		"not a key": "correct-horse-battery-staple!",
		"empty":     "# nothing\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := codec.ParseKeyring("OCIMOVE_CODEC_KEY", text)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "OCIMOVE_CODEC_KEY")
			if s := strings.TrimSpace(strings.Split(text, "#")[0]); s != "" {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}
}

func TestLoadKeyringSources(t *testing.T) {
	k := newKey(t)
	file := filepath.Join(t.TempDir(), "codec.keys")
	require.NoError(t, os.WriteFile(file, []byte(hex.EncodeToString(k)+"\n"), 0o600))
	env := func(m map[string]string) func(string) (string, bool) {
		return func(name string) (string, bool) { v, ok := m[name]; return v, ok }
	}

	ring, err := codec.LoadKeyring(env(nil), "")
	require.NoError(t, err)
	assert.Nil(t, ring, "nothing set: no codec")

	ring, err = codec.LoadKeyring(env(nil), file)
	require.NoError(t, err)
	assert.Equal(t, codec.KeyID(k), ring.Current().ID())

	ring, err = codec.LoadKeyring(env(map[string]string{codec.EnvKeyFile: file}), "")
	require.NoError(t, err)
	assert.Equal(t, codec.KeyID(k), ring.Current().ID())

	ring, err = codec.LoadKeyring(env(map[string]string{codec.EnvKey: base64.StdEncoding.EncodeToString(k)}), "")
	require.NoError(t, err)
	assert.Equal(t, codec.KeyID(k), ring.Current().ID())

	_, err = codec.LoadKeyring(env(map[string]string{codec.EnvKey: base64.StdEncoding.EncodeToString(k)}), file)
	assert.ErrorContains(t, err, "keep one key ring source")

	_, err = codec.LoadKeyring(env(nil), filepath.Join(t.TempDir(), "missing"))
	assert.ErrorContains(t, err, "--codec-key-file")
}
