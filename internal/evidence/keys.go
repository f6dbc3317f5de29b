package evidence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// GenerateKey creates a new ed25519 key pair for signing evidence: the
// private key at path as PEM PKCS #8 (mode 0600), the public key at
// path+".pub" as PEM PKIX. It refuses to overwrite an existing file.
func GenerateKey(path string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("evidence: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("evidence: encode private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("evidence: encode public key: %w", err)
	}
	if err := writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(path+".pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return nil, err
	}
	return pub, nil
}

func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("evidence: write key: %w (remove it first, or choose another path)", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("evidence: write key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("evidence: write key %s: %w", path, err)
	}
	return nil
}

// LoadPrivateKey reads an ed25519 private key: PEM PKCS #8, a raw 32-byte
// seed, or the seed as 64 hex digits (see the package doc).
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("evidence: read private key: %w", err)
	}
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("evidence: private key %s: a PEM %q block, want \"PRIVATE KEY\" (PKCS #8 ed25519, as from openssl genpkey -algorithm ed25519)", path, blk.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("evidence: private key %s: not PKCS #8: %w", path, err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("evidence: private key %s: a %T, want ed25519", path, k)
		}
		return priv, nil
	}
	raw, ok := rawKey(b)
	if !ok || len(raw) != ed25519.SeedSize {
		return nil, fmt.Errorf("evidence: private key %s: not a PEM PRIVATE KEY, a 32-byte seed or 64 hex digits", path)
	}
	return ed25519.NewKeyFromSeed(raw), nil
}

// LoadPublicKey reads an ed25519 public key: PEM PKIX, raw 32 bytes, or
// 64 hex digits (see the package doc).
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("evidence: read public key: %w", err)
	}
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("evidence: public key %s: a PEM %q block, want \"PUBLIC KEY\" (give the .pub file, not the private key)", path, blk.Type)
		}
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("evidence: public key %s: not PKIX: %w", path, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("evidence: public key %s: a %T, want ed25519", path, k)
		}
		return pub, nil
	}
	raw, ok := rawKey(b)
	if !ok || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("evidence: public key %s: not a PEM PUBLIC KEY, 32 raw bytes or 64 hex digits", path)
	}
	return ed25519.PublicKey(raw), nil
}

// rawKey reads 32 raw bytes, or 64 hex digits with optional surrounding
// white space.
func rawKey(b []byte) ([]byte, bool) {
	if len(b) == 32 {
		return b, true
	}
	t := bytes.TrimSpace(b)
	if len(t) == 64 {
		raw, err := hex.DecodeString(string(t))
		if err == nil {
			return raw, true
		}
	}
	return nil, false
}

// KeyID is the first 16 hex digits of the SHA-256 of pub: it names a key
// without revealing anything secret.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

var errNoKey = errors.New("evidence: no key given")
