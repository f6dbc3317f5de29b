package activities_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// encryptedKeyConfig writes an OCI config file whose profile's key file
// is encrypted with passphrase and holds no pass_phrase, for the local
// endpoint's test credentials.
func encryptedKeyConfig(t *testing.T, env *testenv.Env, passphrase string) string {
	t.Helper()
	file, err := common.ConfigurationProviderFromFile(env.OCICreds.ConfigPath, "")
	require.NoError(t, err)
	key, err := file.PrivateRSAKey()
	require.NoError(t, err)
	//nolint:staticcheck // legacy PEM encryption is what OCI config files with pass_phrase hold
	block, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), []byte(passphrase), x509.PEMCipherAES256)
	require.NoError(t, err)
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "encrypted.pem")
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600))
	tenancy, _ := file.TenancyOCID()
	user, _ := file.UserOCID()
	fp, _ := file.KeyFingerprint()
	cfg := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(cfg, fmt.Appendf(nil, "[DEFAULT]\nuser=%s\nfingerprint=%s\ntenancy=%s\nregion=%s\nkey_file=%s\n",
		user, fp, tenancy, testenv.OCIRegion, keyPath), 0o600))
	return cfg
}

// TestPlanStoresResolvePassphraseRefForms: the destination's
// auth.passphraseRef resolves on the worker in every form a secret
// reference takes (env:, ${NAME}, profile:, file:), and the encrypted
// key then signs; an unresolvable reference fails naming the reference,
// never a value.
func TestPlanStoresResolvePassphraseRefForms(t *testing.T) {
	const passphrase = "correct horse battery staple"
	f := newFixture(t)
	t.Setenv("AWS_ACCESS_KEY_ID", testenv.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testenv.S3SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg := encryptedKeyConfig(t, f.env, passphrase)
	passFile := filepath.Join(t.TempDir(), "oci-pass")
	require.NoError(t, os.WriteFile(passFile, []byte(passphrase+"\n"), 0o600))
	wrongFile := filepath.Join(t.TempDir(), "wrong-pass")
	require.NoError(t, os.WriteFile(wrongFile, []byte("not the passphrase"), 0o600))
	lookup := func(name string) (string, bool) {
		switch name {
		case "OCI_PASS", "profile:oci-pass":
			return passphrase, true
		}
		return "", false
	}
	planWith := func(ref plan.SecretRef) *plan.Plan {
		p := f.plan.Clone()
		p.Sources.Primary.Location = plan.At(&s3store.Settings{Bucket: f.src.Bucket(), Region: testenv.S3Region,
			Endpoint: f.env.S3URL, UsePathStyle: true})
		p.Destination.Location = plan.At(&ocistore.Settings{Namespace: f.dst.Namespace(), Region: testenv.OCIRegion,
			Bucket: f.dst.Bucket(), Endpoint: f.env.OCIURL, Auth: ocistore.Auth{ConfigFile: cfg, PassphraseRef: ref}})
		p.Normalize()
		require.NoError(t, p.Validate())
		return p
	}
	for _, ref := range []plan.SecretRef{"env:OCI_PASS", "${OCI_PASS}", "profile:oci-pass", plan.SecretRef("file:" + passFile)} {
		t.Run(string(ref), func(t *testing.T) {
			st, err := activities.PlanStores{Lookup: lookup}.Stores(context.Background(), planWith(ref))
			require.NoError(t, err)
			_, err = st.Destination.Put(context.Background(), "s/signed", bytes.NewReader([]byte("x")), 1, store.PutOptions{})
			assert.NoError(t, err, "the decrypted key signs")
		})
	}
	for _, ref := range []plan.SecretRef{"env:OCI_UNSET", "profile:nobody", plan.SecretRef("file:" + passFile + ".missing")} {
		_, err := activities.PlanStores{Lookup: lookup}.Stores(context.Background(), planWith(ref))
		require.Error(t, err, ref)
		assert.NotContains(t, err.Error(), passphrase)
		assert.Contains(t, err.Error(), "passphrase", "the error says what failed: %v", err)
	}
	_, err := activities.PlanStores{Lookup: lookup}.Stores(context.Background(), planWith(plan.SecretRef("file:"+wrongFile)))
	require.Error(t, err, "the key is encrypted: a wrong passphrase does not open it")
	assert.NotContains(t, err.Error(), "not the passphrase")
}
