package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing/webhook"
	"github.com/ocimove/ocimove/internal/store/ocistore"
)

func mapLookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestSecretRefResolve(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "hook.key")
	require.NoError(t, os.WriteFile(keyFile, []byte("s3cr3t-key\n"), 0o600))
	home := t.TempDir()
	t.Setenv("HOME", home)
	require.NoError(t, os.WriteFile(filepath.Join(home, "pass"), []byte("from-home\r\n"), 0o600))

	lookup := mapLookup(map[string]string{
		"OCIMOVE_ROUTING_DSN": "postgres://app:pw@db/routes",
		"profile:routing":     "profile-value",
		"EMPTY":               "",
	})
	cases := []struct {
		ref  SecretRef
		want string
	}{
		{"env:OCIMOVE_ROUTING_DSN", "postgres://app:pw@db/routes"},
		{"${OCIMOVE_ROUTING_DSN}", "postgres://app:pw@db/routes"},
		{"profile:routing", "profile-value"},
		{SecretRef("file:" + keyFile), "s3cr3t-key"},
		{"file:~/pass", "from-home"},
	}
	for _, tc := range cases {
		t.Run(string(tc.ref), func(t *testing.T) {
			got, err := tc.ref.Resolve(lookup)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSecretRefUnresolvable(t *testing.T) {
	lookup := mapLookup(map[string]string{"EMPTY": "", "OTHER": "x"})
	for _, ref := range []SecretRef{
		"env:MISSING", "${MISSING}", "env:EMPTY", "profile:nobody",
		SecretRef("file:" + filepath.Join(t.TempDir(), "absent.key")),
	} {
		t.Run(string(ref), func(t *testing.T) {
			_, err := ref.Resolve(lookup)
			require.ErrorIs(t, err, ErrUnresolved)
			assert.NotErrorIs(t, err, ErrNotReference)
		})
	}
	_, err := SecretRef("env:X").Resolve(nil)
	assert.ErrorIs(t, err, ErrUnresolved)
}

func TestSecretRefRejectsInlineLookingValues(t *testing.T) {
	lookup := mapLookup(map[string]string{"hunter2": "x"})
	for _, ref := range []SecretRef{
		"hunter2",
		"postgres://app:hunter2@db:5432/routes",
		"https://hooks.example.com/hunter2",
		"AKIAhunter2",
		"env:",
		"env:hunter2 x",
		"env:9hunter2",
		"profile:",
		"file:relative/hunter2",
		"file:",
		"vault:hunter2",
		"${hunter2",
	} {
		t.Run(string(ref), func(t *testing.T) {
			_, _, err := ref.Parse()
			require.ErrorIs(t, err, ErrNotReference)
			assert.NotContains(t, err.Error(), "hunter2")
			_, err = ref.Resolve(lookup)
			require.ErrorIs(t, err, ErrNotReference)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestSecretRefParseAndCanonical(t *testing.T) {
	s, n, err := SecretRef("${ROUTES_DSN}").Parse()
	require.NoError(t, err)
	assert.Equal(t, [2]string{"env", "ROUTES_DSN"}, [2]string{s, n})
	assert.Equal(t, SecretRef("env:ROUTES_DSN"), SecretRef("${ROUTES_DSN}").Canonical())
	assert.Equal(t, SecretRef("profile:a"), SecretRef("profile:a").Canonical())

	s, n, err = SecretRef("file:/etc/ocimove/key.pem").Parse()
	require.NoError(t, err)
	assert.Equal(t, [2]string{"file", "/etc/ocimove/key.pem"}, [2]string{s, n})
}

func TestValidateSecrets(t *testing.T) {
	p := Example()
	destOCI(p).Auth.PassphraseRef = "env:OCI_KEY_PASSPHRASE"

	err := p.ValidateSecrets(mapLookup(map[string]string{"OCI_KEY_PASSPHRASE": "pp-value"}))
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"cutover.target.dsnRef"}, ve.Fields())
	assert.Contains(t, err.Error(), "OCIMOVE_ROUTING_DSN")

	err = p.ValidateSecrets(mapLookup(map[string]string{
		"OCI_KEY_PASSPHRASE":  "pp-value",
		"OCIMOVE_ROUTING_DSN": "postgres://app:pw-value@db/routes",
	}))
	require.NoError(t, err)

	err = p.ValidateSecrets(mapLookup(nil))
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"destination.auth.passphraseRef", "cutover.target.dsnRef"}, ve.Fields())
}

func TestValidateSecretsNeverReportsValues(t *testing.T) {
	p := Example()
	p.Cutover.Target = Target{Settings: &webhook.Settings{URLRef: "env:HOOK_URL", SecretRef: "env:HOOK_KEY"}}
	err := p.ValidateSecrets(mapLookup(map[string]string{"HOOK_URL": "https://hooks.example/tok-value", "HOOK_KEY": ""}))
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"cutover.target.secretRef"}, ve.Fields())
	assert.NotContains(t, err.Error(), "tok-value")
}

func TestSecretRefsListsFields(t *testing.T) {
	p := Example()
	p.Sources.Copies = append(p.Sources.Copies, SourceCopy{Role: RoleReplica,
		Location: At(&ocistore.Settings{Region: "us-phoenix-1", Bucket: "r", Auth: ocistore.Auth{PassphraseRef: "env:P"}})})
	assert.Equal(t, []FieldRef{
		{Field: "sources.copies[1].oci.auth.passphraseRef", Ref: "env:P"},
		{Field: "cutover.target.dsnRef", Ref: "env:OCIMOVE_ROUTING_DSN"},
	}, p.SecretRefs())
}
