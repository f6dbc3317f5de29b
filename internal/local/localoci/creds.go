package localoci

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Credentials are test credentials written by WriteTestCredentials.
type Credentials struct {
	// ConfigPath is the OCI config file, for common.ConfigurationProviderFromFile
	// or ConfigurationProviderFromFileWithProfile.
	ConfigPath string
	// Profile is the config file profile holding the credentials ("DEFAULT").
	Profile string
	// KeyID is the signing key's id, "tenancy/user/fingerprint"; use it as
	// the key of Config.PublicKeys.
	KeyID string
	// PublicKey is the public half of the key in the config's key_file.
	PublicKey *rsa.PublicKey
}

// WriteTestCredentials generates an RSA key and writes, under dir, its PEM
// private key (oci_api_key.pem) and an OCI config file (config) with user,
// fingerprint, tenancy, region and key_file. The returned KeyID and
// PublicKey configure a Server that accepts requests signed with it.
func WriteTestCredentials(dir, region string) (Credentials, error) {
	if region == "" {
		return Credentials{}, fmt.Errorf("localoci: WriteTestCredentials needs a region, e.g. us-ashburn-1")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Credentials{}, fmt.Errorf("localoci: create credentials directory: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Credentials{}, fmt.Errorf("localoci: credentials directory: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return Credentials{}, fmt.Errorf("localoci: generate key: %w", err)
	}
	keyPath := filepath.Join(abs, "oci_api_key.pem")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return Credentials{}, fmt.Errorf("localoci: write key file: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return Credentials{}, fmt.Errorf("localoci: encode public key: %w", err)
	}
	sum := md5.Sum(pubDER)
	hexSum := hex.EncodeToString(sum[:])
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexSum); i += 2 {
		pairs = append(pairs, hexSum[i:i+2])
	}
	fingerprint := strings.Join(pairs, ":")
	suffix := strings.ReplaceAll(newID(), "-", "")
	tenancy := "ocid1.tenancy.oc1..aaaaaaaa" + suffix
	user := "ocid1.user.oc1..aaaaaaaa" + suffix
	cfgPath := filepath.Join(abs, "config")
	cfg := fmt.Sprintf("[DEFAULT]\nuser=%s\nfingerprint=%s\ntenancy=%s\nregion=%s\nkey_file=%s\n",
		user, fingerprint, tenancy, region, keyPath)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return Credentials{}, fmt.Errorf("localoci: write config file: %w", err)
	}
	return Credentials{
		ConfigPath: cfgPath,
		Profile:    "DEFAULT",
		KeyID:      tenancy + "/" + user + "/" + fingerprint,
		PublicKey:  &key.PublicKey,
	}, nil
}
