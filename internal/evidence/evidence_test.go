package evidence_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/evidence"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/testing/reporttest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

const root = "_migrations/us-users-to-oci/"

// bundle writes a bundle from manifests in a real local OCI endpoint and
// returns its directory and the public key file.
func bundle(t *testing.T) (string, string) {
	env := testenv.Start(t, testenv.Options{})
	st := env.OCIStore(t, env.Bucket("ev"), nil)
	ms, err := manifest.New(st, root, func(r string) bool { return r == testenv.OCIRegion })
	require.NoError(t, err)
	p := plan.Example()
	p.Normalize()
	require.NoError(t, ms.WriteJSON(context.Background(), manifest.PlanKey(root), p))
	shards := []report.ShardInfo{
		reporttest.Seed(t, ms, p.ID, "users-00-aaaa", "users/00/"),
		reporttest.Seed(t, ms, p.ID, "users-01-bbbb", "users/01/"),
	}

	keyPath := filepath.Join(t.TempDir(), "evidence.key")
	pub, err := evidence.GenerateKey(keyPath)
	require.NoError(t, err)
	priv, err := evidence.LoadPrivateKey(keyPath)
	require.NoError(t, err)
	assert.Equal(t, pub, priv.Public())

	dir := filepath.Join(t.TempDir(), "bundle")
	require.NoError(t, evidence.Write(context.Background(), dir,
		evidence.BundleSource{Store: st, Root: root, Migration: report.MigrationInfoFromPlan(p), Shards: shards}, priv))
	return dir, keyPath + ".pub"
}

func files(t *testing.T, dir string) []string {
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	}))
	return out
}

func copyDir(t *testing.T, src string) string {
	dst := filepath.Join(t.TempDir(), "copy")
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}

func TestWriteThenVerify(t *testing.T) {
	dir, pubPath := bundle(t)
	pub, err := evidence.LoadPublicKey(pubPath)
	require.NoError(t, err)
	require.NoError(t, evidence.Verify(dir, pub))

	got := files(t, dir)
	for _, want := range []string{
		"MANIFEST", "MANIFEST.sig", "migration.json", "plan.json", "report.json", "report.md",
		"shards/users-00-aaaa/shard.json", "shards/users-00-aaaa/regions.json",
		"shards/users-00-aaaa/routing.json", "shards/users-00-aaaa/actions.json",
		"shards/users-00-aaaa/manifests/batch-00001.json", "shards/users-00-aaaa/manifests/batch-00002.json",
		"shards/users-00-aaaa/manifests/recopy-00001.json", "shards/users-00-aaaa/manifests/delta-00001.json",
		"shards/users-00-aaaa/manifests/verify-quick.json", "shards/users-00-aaaa/manifests/final-verify.json",
		"shards/users-00-aaaa/manifests/purge.json", "shards/users-01-bbbb/manifests/purge.json",
	} {
		assert.Contains(t, got, want)
	}

	// The routing changes carry times and identities; the regions name
	// every source copy and the destination.
	var routing struct {
		Changes []report.RoutingChange `json:"changes"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "shards/users-00-aaaa/routing.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &routing))
	require.Len(t, routing.Changes, 2)
	assert.Equal(t, "bob", routing.Changes[0].Actor)
	assert.False(t, routing.Changes[0].At.IsZero())
	b, err = os.ReadFile(filepath.Join(dir, "shards/users-00-aaaa/regions.json"))
	require.NoError(t, err)
	for _, region := range []string{"us-east-1", "ap-southeast-1", "us-ashburn-1", "us-phoenix-1"} {
		assert.Contains(t, string(b), region)
	}
	// shard.json counts how the objects were checked and indexes the
	// manifests, each a file of the bundle.
	var shard struct {
		Verification report.Verification   `json:"verification"`
		Manifests    report.ShardManifests `json:"manifests"`
	}
	b, err = os.ReadFile(filepath.Join(dir, "shards/users-00-aaaa/shard.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &shard))
	assert.Equal(t, int64(1), shard.Verification.SourceChecks["none"])
	assert.Equal(t, report.VerifyCounts{Checked: 3, OK: 2, Mismatch: 1}, shard.Verification.ByVerification["quick"])
	require.Len(t, shard.Manifests.Runs, 4)
	require.Len(t, shard.Manifests.Records, 3)
	for _, k := range append(shard.Manifests.Runs[3].Keys, shard.Manifests.Records[0].Key) {
		assert.Contains(t, got, "shards/users-00-aaaa/manifests/"+strings.TrimPrefix(k, shard.Manifests.Folder))
	}

	// Manifests are copied byte for byte.
	b, err = os.ReadFile(filepath.Join(dir, "shards/users-00-aaaa/manifests/final-verify.json"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"ok":true`)

	// A second Write into the same directory is refused.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	err = evidence.Write(context.Background(), dir, evidence.BundleSource{Store: nil}, priv)
	assert.Error(t, err)
}

func TestVerifyNamesEveryFlippedByte(t *testing.T) {
	dir, pubPath := bundle(t)
	pub, err := evidence.LoadPublicKey(pubPath)
	require.NoError(t, err)
	all := files(t, dir)
	require.Greater(t, len(all), 20)
	for _, f := range all {
		for _, at := range []string{"first", "middle", "last"} {
			c := copyDir(t, dir)
			p := filepath.Join(c, filepath.FromSlash(f))
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			i := map[string]int{"first": 0, "middle": len(b) / 2, "last": len(b) - 1}[at]
			b[i] ^= 0x01
			require.NoError(t, os.WriteFile(p, b, 0o644))
			err = evidence.Verify(c, pub)
			require.Error(t, err, "%s: flipped %s byte not detected", f, at)
			var ve *evidence.VerifyError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, f, ve.File, "%s byte of %s: %v", at, f, err)
			assert.ErrorIs(t, err, evidence.ErrTampered)
		}
	}
}

func TestVerifyMissingExtraAndWrongKey(t *testing.T) {
	dir, pubPath := bundle(t)
	pub, err := evidence.LoadPublicKey(pubPath)
	require.NoError(t, err)

	c := copyDir(t, dir)
	require.NoError(t, os.Remove(filepath.Join(c, "shards/users-01-bbbb/manifests/purge.json")))
	var ve *evidence.VerifyError
	err = evidence.Verify(c, pub)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "shards/users-01-bbbb/manifests/purge.json", ve.File)
	assert.Contains(t, err.Error(), "missing")

	c = copyDir(t, dir)
	require.NoError(t, os.WriteFile(filepath.Join(c, "shards/users-00-aaaa/manifests/batch-00003.json"), []byte("{}"), 0o644))
	err = evidence.Verify(c, pub)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "shards/users-00-aaaa/manifests/batch-00003.json", ve.File)
	assert.Contains(t, err.Error(), "not listed")

	c = copyDir(t, dir)
	require.NoError(t, os.Remove(filepath.Join(c, "MANIFEST.sig")))
	require.ErrorAs(t, evidence.Verify(c, pub), &ve)
	assert.Equal(t, "MANIFEST.sig", ve.File)

	other, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	err = evidence.Verify(dir, other)
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, evidence.ErrWrongKey)
	assert.Equal(t, "MANIFEST.sig", ve.File)
	assert.Contains(t, err.Error(), evidence.KeyID(other))

	// The untouched bundle still verifies.
	require.NoError(t, evidence.Verify(dir, pub))
}

func TestKeyFormats(t *testing.T) {
	d := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	seed := priv.Seed()

	raw := filepath.Join(d, "raw.seed")
	require.NoError(t, os.WriteFile(raw, seed, 0o600))
	got, err := evidence.LoadPrivateKey(raw)
	require.NoError(t, err)
	assert.Equal(t, priv, got)

	hexSeed := filepath.Join(d, "hex.seed")
	require.NoError(t, os.WriteFile(hexSeed, []byte(hex.EncodeToString(seed)+"\n"), 0o600))
	got, err = evidence.LoadPrivateKey(hexSeed)
	require.NoError(t, err)
	assert.Equal(t, priv, got)

	rawPub := filepath.Join(d, "raw.pub")
	require.NoError(t, os.WriteFile(rawPub, pub, 0o644))
	gotPub, err := evidence.LoadPublicKey(rawPub)
	require.NoError(t, err)
	assert.Equal(t, pub, gotPub)

	// GenerateKey refuses to overwrite, and the private key file is 0600.
	kp := filepath.Join(d, "k")
	_, err = evidence.GenerateKey(kp)
	require.NoError(t, err)
	fi, err := os.Stat(kp)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	_, err = evidence.GenerateKey(kp)
	assert.Error(t, err)

	// A private key given as the public key, and garbage, are refused
	// without echoing the material.
	_, err = evidence.LoadPublicKey(kp)
	assert.ErrorContains(t, err, "PRIVATE KEY")
	bad := filepath.Join(d, "bad")
	require.NoError(t, os.WriteFile(bad, []byte("not a key, but secret-ish"), 0o600))
	_, err = evidence.LoadPrivateKey(bad)
	require.Error(t, err)
	assert.False(t, strings.Contains(err.Error(), "secret-ish"))
	_, err = evidence.LoadPrivateKey(filepath.Join(d, "absent"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
