package demo

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ocimove/ocimove/internal/local/localoci"
)

// Regions the local endpoints serve.
const (
	S3Region  = "us-east-1"
	OCIRegion = "us-ashburn-1"
)

// s3Creds are the local S3 endpoint's access key, generated on the first
// run and kept in credentials/s3.json (mode 0600). The worker receives them
// through the process environment, never through the plan.
type s3Creds struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// loadOrCreateS3Creds returns the S3 credentials kept under dir, creating
// them when absent.
func loadOrCreateS3Creds(dir string) (s3Creds, error) {
	path := filepath.Join(dir, credsDir, "s3.json")
	b, err := os.ReadFile(path)
	if err == nil {
		var c s3Creds
		if err := json.Unmarshal(b, &c); err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return s3Creds{}, fmt.Errorf("demo: %s is damaged; run with --fresh to start over", path)
		}
		return c, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return s3Creds{}, fmt.Errorf("demo: read S3 credentials: %w", err)
	}
	id, secret := make([]byte, 8), make([]byte, 20)
	if _, err := rand.Read(id); err != nil {
		return s3Creds{}, fmt.Errorf("demo: generate S3 credentials: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return s3Creds{}, fmt.Errorf("demo: generate S3 credentials: %w", err)
	}
	c := s3Creds{AccessKeyID: "AKIADEMO" + strings.ToUpper(hex.EncodeToString(id)), SecretAccessKey: hex.EncodeToString(secret)}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return s3Creds{}, fmt.Errorf("demo: create credentials directory: %w", err)
	}
	b, _ = json.Marshal(c)
	if err := writeFileAtomic(path, b, 0o600); err != nil {
		return s3Creds{}, err
	}
	return c, nil
}

// loadOrCreateOCICreds returns the OCI API key and config kept under
// dir/credentials/oci, writing them with localoci.WriteTestCredentials on
// the first run. The local OCI endpoint must accept the same key on every
// run, so an existing config is read back rather than replaced.
func loadOrCreateOCICreds(dir string) (localoci.Credentials, error) {
	cdir := filepath.Join(dir, credsDir, "oci")
	cfgPath := filepath.Join(cdir, "config")
	if _, err := os.Stat(cfgPath); errors.Is(err, fs.ErrNotExist) {
		return localoci.WriteTestCredentials(cdir, OCIRegion)
	}
	c, err := readOCICreds(cfgPath)
	if err != nil {
		return localoci.Credentials{}, fmt.Errorf("demo: %s: %w; run with --fresh to start over", cfgPath, err)
	}
	return c, nil
}

// readOCICreds reads the DEFAULT profile of an OCI config file written by
// localoci.WriteTestCredentials and the public half of its key file.
func readOCICreds(cfgPath string) (localoci.Credentials, error) {
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		return localoci.Credentials{}, err
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && section == "DEFAULT" {
			vals[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	for _, k := range []string{"user", "fingerprint", "tenancy", "key_file"} {
		if vals[k] == "" {
			return localoci.Credentials{}, fmt.Errorf("profile DEFAULT has no %s", k)
		}
	}
	keyPEM, err := os.ReadFile(vals["key_file"])
	if err != nil {
		return localoci.Credentials{}, fmt.Errorf("read key_file: %w", err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return localoci.Credentials{}, fmt.Errorf("key_file %s holds no PEM block", vals["key_file"])
	}
	var pub *rsa.PublicKey
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		pub = &k.PublicKey
	} else if k, err2 := x509.ParsePKCS8PrivateKey(block.Bytes); err2 == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return localoci.Credentials{}, fmt.Errorf("key_file %s is not an RSA key", vals["key_file"])
		}
		pub = &rk.PublicKey
	} else {
		return localoci.Credentials{}, fmt.Errorf("key_file %s: %w", vals["key_file"], err)
	}
	return localoci.Credentials{
		ConfigPath: cfgPath,
		Profile:    "DEFAULT",
		KeyID:      vals["tenancy"] + "/" + vals["user"] + "/" + vals["fingerprint"],
		PublicKey:  pub,
	}, nil
}
