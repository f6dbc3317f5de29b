package e2e_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/localoci"
)

// secretForms returns the forms in which a secret value could leak: the
// value itself, its standard and URL-safe base64 (padded and not), its hex,
// and its base64 at each of the three byte alignments (so that the value
// is found inside a longer base64 text too).
func secretForms(v string) []string {
	b := []byte(v)
	forms := []string{v, hex.EncodeToString(b)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		forms = append(forms, enc.EncodeToString(b))
		for shift := 0; shift < 3; shift++ {
			s := enc.EncodeToString(append(make([]byte, shift), b...))
			// Drop the characters touched by the padding bytes and the
			// final partial group: what remains is in any encoding of a
			// text holding v at that alignment.
			start := (shift*8 + 5) / 6
			end := len(strings.TrimRight(s, "=")) - 2
			if end-start >= 12 {
				forms = append(forms, s[start:end])
			}
		}
	}
	out := forms[:0]
	seen := map[string]bool{}
	for _, f := range forms {
		if len(f) >= 6 && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// leak is one secret found in one text.
type leak struct {
	secret, form, where, context string
}

// scanSecrets looks for every form of every secret (by name) in every text
// (by where it came from).
func scanSecrets(secrets, texts map[string]string) []leak {
	var found []leak
	names := sortedKeys(secrets)
	for _, where := range sortedKeys(texts) {
		text := texts[where]
		for _, name := range names {
			for _, f := range secretForms(secrets[name]) {
				if i := strings.Index(text, f); i >= 0 {
					found = append(found, leak{name, f, where, text[max(0, i-80):min(len(text), i+len(f)+40)]})
					break
				}
			}
		}
	}
	return found
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ociKeySecrets returns the secrets of an OCI API key: its private key
// (the PEM text, and its base64 body whole and line by line) and its
// fingerprint.
func ociKeySecrets(t *testing.T, creds localoci.Credentials) map[string]string {
	t.Helper()
	keyPEM, err := os.ReadFile(strings.TrimSuffix(creds.ConfigPath, "config") + "oci_api_key.pem")
	require.NoError(t, err)
	block, _ := pem.Decode(keyPEM)
	require.NotNil(t, block, "the OCI test key is PEM")
	out := map[string]string{"OCI private key (PEM)": string(keyPEM),
		"OCI private key (DER, base64)": base64.StdEncoding.EncodeToString(block.Bytes)}
	body := strings.Split(strings.TrimSpace(string(keyPEM)), "\n")
	for i, line := range body[1 : len(body)-1] {
		out[fmt.Sprintf("OCI private key line %d", i+1)] = line
	}
	fp := creds.KeyID[strings.LastIndexByte(creds.KeyID, '/')+1:]
	require.Len(t, fp, 47, "an OCI fingerprint is 16 hex pairs")
	out["OCI key fingerprint"] = fp
	out["OCI key fingerprint (hex)"] = strings.ReplaceAll(fp, ":", "")
	return out
}

// TestSecretScanFindsEveryForm proves the scanner can fail: each form of a
// planted secret, alone in a text, is found.
func TestSecretScanFindsEveryForm(t *testing.T) {
	const s = "planted-s3cr3t-value-0123"
	for _, wrap := range []string{"", "x", "xy", "prefix bytes "} {
		for _, enc := range []func([]byte) string{base64.StdEncoding.EncodeToString, base64.URLEncoding.EncodeToString,
			base64.RawStdEncoding.EncodeToString, hex.EncodeToString, func(b []byte) string { return string(b) }} {
			text := "log line: " + enc([]byte(wrap+s+" suffix")) + " end"
			found := scanSecrets(map[string]string{"planted": s}, map[string]string{"text": text})
			require.Len(t, found, 1, "the secret wrapped as %q and encoded is found in %q", wrap, text)
		}
	}
	require.Empty(t, scanSecrets(map[string]string{"planted": s}, map[string]string{"text": "nothing here " + base64.StdEncoding.EncodeToString([]byte("planted-s3cr3t"))}))
}
