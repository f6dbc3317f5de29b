package evidence

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/store"
)

// File names at the bundle's top.
const (
	ManifestName  = "MANIFEST"
	SignatureName = "MANIFEST.sig"
)

// BundleSource is what a bundle is made from.
type BundleSource struct {
	// Store is the manifest store (destination.manifestBucket) and Root
	// the migration's manifest prefix (destination.manifestPrefix).
	Store store.Store
	Root  string
	// Migration and Shards are as for report.Build.
	Migration report.MigrationInfo
	Shards    []report.ShardInfo
	// Report, when set, is the report to include; otherwise Write builds
	// it from the same sources.
	Report *report.Report
}

var shardIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Write writes the evidence bundle of src into dir (which must not exist,
// or be empty), then its MANIFEST and MANIFEST.sig signed with priv. It
// only reads from the store.
func Write(ctx context.Context, dir string, src BundleSource, priv ed25519.PrivateKey) error {
	if len(priv) != ed25519.PrivateKeySize {
		return errNoKey
	}
	if src.Store == nil {
		return errors.New("evidence: no manifest store given")
	}
	if err := emptyDir(dir); err != nil {
		return err
	}
	ms, err := manifest.New(src.Store, src.Root, func(string) bool { return false }) // read-only
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	rep := src.Report
	if rep == nil {
		if rep, err = report.Build(ctx, src.Store, src.Root, src.Migration, src.Shards); err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
	}
	w := &bundleWriter{dir: dir}

	w.json("migration.json", struct {
		Format      string               `json:"format"`
		GeneratedAt time.Time            `json:"generatedAt"`
		Migration   report.MigrationInfo `json:"migration"`
		Shards      []string             `json:"shards"`
	}{"ocimove-evidence v1", rep.GeneratedAt, src.Migration, shardIDs(src.Shards)})
	if b, err := readObject(ctx, src.Store, manifest.PlanKey(src.Root)); err == nil {
		w.file("plan.json", b)
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("evidence: read the stored plan: %w", err)
	}
	w.json("report.json", rep)
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	w.file("report.md", md.Bytes())

	for _, si := range src.Shards {
		if !shardIDPattern.MatchString(si.ShardID) {
			return fmt.Errorf("evidence: shard id %q cannot name a folder", si.ShardID)
		}
		sr, err := rep.Shard(si.ShardID)
		if err != nil {
			return fmt.Errorf("evidence: the report lacks shard %s: %w", si.ShardID, err)
		}
		if err := w.shard(ctx, ms, src, si, sr); err != nil {
			return err
		}
		if w.err != nil {
			break
		}
	}
	if w.err != nil {
		return w.err
	}
	return w.sign(priv)
}

func (w *bundleWriter) shard(ctx context.Context, ms *manifest.Store, src BundleSource, si report.ShardInfo, sr *report.ShardReport) error {
	base := "shards/" + si.ShardID + "/"
	w.json(base+"shard.json", struct {
		ShardID      string              `json:"shardId"`
		Prefix       string              `json:"prefix"`
		State        string              `json:"state"`
		Objects      int64               `json:"objects"`
		Bytes        int64               `json:"bytes"`
		Outcomes     map[string]int64    `json:"outcomes"`
		Verification report.Verification `json:"verification"`
		// Manifests indexes the shard's stored manifests and records;
		// each key, less Manifests.Folder, is a file under manifests/.
		Manifests report.ShardManifests `json:"manifests"`
		Timings   report.Timings        `json:"timings"`
		Route     report.RouteNow       `json:"route"`
		LastError string                `json:"lastError,omitempty"`
	}{si.ShardID, si.Prefix, sr.State, sr.Objects, sr.Bytes, sr.Outcomes, sr.Verification, sr.Manifests, sr.Timings, sr.Route, si.LastError})
	m := src.Migration
	w.json(base+"regions.json", struct {
		Source         report.Location   `json:"source"`
		Copies         []report.Location `json:"copies,omitempty"`
		Destination    report.Location   `json:"destination"`
		ManifestBucket string            `json:"manifestBucket,omitempty"`
		AllowedRegions []string          `json:"allowedRegions"`
	}{m.Source, m.Copies, m.Destination, m.ManifestBucket, m.AllowedRegions})
	w.json(base+"routing.json", struct {
		Current report.RouteNow        `json:"current"`
		Changes []report.RoutingChange `json:"changes"`
	}{sr.Route, nonNil(sr.RoutingChanges)})
	w.json(base+"actions.json", struct {
		Transitions     []report.Transition `json:"transitions"`
		TransitionCount int                 `json:"transitionCount"`
		OperatorActions []report.Transition `json:"operatorActions"`
	}{nonNil(si.Transitions), si.TransitionCount, nonNil(sr.OperatorActions)})

	dirKey := manifest.ShardDir(src.Root, si.ShardID)
	keys, err := ms.ListKeys(ctx, dirKey)
	if err != nil {
		return fmt.Errorf("evidence: shard %s: %w", si.ShardID, err)
	}
	for _, k := range keys {
		rel := strings.TrimPrefix(k, dirKey)
		if !filepath.IsLocal(rel) || strings.ContainsAny(rel, "\n\r\\") || path.Clean(rel) != rel {
			return fmt.Errorf("evidence: shard %s: object %q cannot name a file in the bundle", si.ShardID, k)
		}
		b, err := readObject(ctx, src.Store, k)
		if err != nil {
			return fmt.Errorf("evidence: shard %s: read %s: %w", si.ShardID, k, err)
		}
		w.file(base+"manifests/"+rel, b)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func shardIDs(ss []report.ShardInfo) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ShardID
	}
	return out
}

func readObject(ctx context.Context, st store.Store, key string) ([]byte, error) {
	rc, _, err := st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("evidence: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("evidence: %s is not empty; give a new directory for the bundle", dir)
	}
	return nil
}

// bundleWriter writes files and remembers their hashes. The first error
// sticks.
type bundleWriter struct {
	dir    string
	sums   map[string]string
	err    error
	failed string
}

func (w *bundleWriter) json(name string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		w.fail(name, err)
		return
	}
	w.file(name, append(b, '\n'))
}

func (w *bundleWriter) file(name string, b []byte) {
	if w.err != nil {
		return
	}
	if w.sums == nil {
		w.sums = map[string]string{}
	}
	if _, dup := w.sums[name]; dup || name == ManifestName || name == SignatureName {
		w.fail(name, errors.New("written twice"))
		return
	}
	p := filepath.Join(w.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.fail(name, err)
		return
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		w.fail(name, err)
		return
	}
	s := sha256.Sum256(b)
	w.sums[name] = hex.EncodeToString(s[:])
}

func (w *bundleWriter) fail(name string, err error) {
	if w.err == nil {
		w.err = fmt.Errorf("evidence: write %s: %w", name, err)
	}
}

// sign writes MANIFEST and MANIFEST.sig.
func (w *bundleWriter) sign(priv ed25519.PrivateKey) error {
	names := make([]string, 0, len(w.sums))
	for n := range w.sums {
		names = append(names, n)
	}
	slices.Sort(names)
	var man bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&man, "%s  %s\n", w.sums[n], n)
	}
	if err := os.WriteFile(filepath.Join(w.dir, ManifestName), man.Bytes(), 0o644); err != nil {
		return fmt.Errorf("evidence: write %s: %w", ManifestName, err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	ms := sha256.Sum256(man.Bytes())
	sig := fmt.Sprintf("%s\nalgorithm: ed25519\nkey-id: %s\nmanifest-sha256: %s\nsignature: %s\n",
		sigHeader, KeyID(pub), hex.EncodeToString(ms[:]), base64.StdEncoding.EncodeToString(ed25519.Sign(priv, man.Bytes())))
	if err := os.WriteFile(filepath.Join(w.dir, SignatureName), []byte(sig), 0o644); err != nil {
		return fmt.Errorf("evidence: write %s: %w", SignatureName, err)
	}
	return nil
}

const sigHeader = "ocimove-evidence-signature v1"
