package manifest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ocimove/ocimove/internal/store"
)

// Store reads and writes one migration's manifests and records in a
// store.Store under root.
type Store struct {
	st      store.Store
	root    string
	allowed func(string) bool
}

// New returns a Store writing under root (which must end in '/') in st.
// allowed decides which regions may be written to (plan.AllowedRegion).
func New(st store.Store, root string, allowed func(region string) bool) (*Store, error) {
	switch {
	case st == nil:
		return nil, errors.New("manifest: no store given")
	case root == "" || !strings.HasSuffix(root, "/"):
		return nil, fmt.Errorf("manifest: root %q must be a non-empty prefix ending in '/' (destination.manifestPrefix)", root)
	case allowed == nil:
		return nil, errors.New("manifest: no residency check given")
	}
	return &Store{st: st, root: root, allowed: allowed}, nil
}

// Root returns the key prefix of the migration's manifests.
func (s *Store) Root() string { return s.root }

// Backend returns the underlying store.
func (s *Store) Backend() store.Store { return s.st }

// CheckResidency checks that the manifest store's region is allowed.
func (s *Store) CheckResidency() error { return CheckRegion(s.st, s.allowed) }

// WriteJSON writes v as JSON at key, after the residency check. Writing
// the same bytes again succeeds; different bytes replace the object only
// if it is still the one read (If-Match), so concurrent writers cannot
// silently interleave.
func (s *Store) WriteJSON(ctx context.Context, key string, v any) error {
	if !strings.HasPrefix(key, s.root) {
		return fmt.Errorf("manifest: key %q is outside the manifest prefix %q", key, s.root)
	}
	if err := s.CheckResidency(); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("manifest: encode %s: %w", key, err)
	}
	sum := md5.Sum(b)
	put := func(opts store.PutOptions) error {
		opts.ContentMD5 = sum[:]
		opts.Metadata.ContentType = "application/json"
		_, err := s.st.Put(ctx, key, bytes.NewReader(b), int64(len(b)), opts)
		return err
	}
	err = put(store.PutOptions{IfNoneMatch: true})
	if !errors.Is(err, store.ErrPreconditionFailed) {
		if err != nil {
			return fmt.Errorf("manifest: write %s: %w", key, err)
		}
		return nil
	}
	old, info, err := s.read(ctx, key)
	if err != nil {
		return fmt.Errorf("manifest: read existing %s: %w", key, err)
	}
	if bytes.Equal(old, b) {
		return nil
	}
	if err := put(store.PutOptions{IfMatch: info.ETag}); err != nil {
		return fmt.Errorf("manifest: replace %s: %w", key, err)
	}
	return nil
}

// ReadJSON reads the JSON object at key into v. A missing object returns
// an error wrapping store.ErrNotFound.
func (s *Store) ReadJSON(ctx context.Context, key string, v any) error {
	b, _, err := s.read(ctx, key)
	if err != nil {
		return fmt.Errorf("manifest: read %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("manifest: decode %s: %w", key, err)
	}
	return nil
}

func (s *Store) read(ctx context.Context, key string) ([]byte, store.ObjectInfo, error) {
	rc, info, err := s.st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return nil, info, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, info, &store.Error{Store: s.st.String(), Op: "get", Key: key, Class: store.Retryable, Err: err}
	}
	return b, info, nil
}

// Delete removes a record (used for probes and partial manifests).
func (s *Store) Delete(ctx context.Context, key string) error {
	if !strings.HasPrefix(key, s.root) {
		return fmt.Errorf("manifest: key %q is outside the manifest prefix %q", key, s.root)
	}
	return s.st.Delete(ctx, key)
}

// WriteManifest writes m at its key and returns the key.
func (s *Store) WriteManifest(ctx context.Context, m *Manifest) (string, error) {
	if m.ShardID == "" {
		return "", errors.New("manifest: the manifest has no shard id")
	}
	key := Key(s.root, m.ShardID, m.Kind, m.Seq)
	return key, s.WriteJSON(ctx, key, m)
}

// ReadManifest reads the manifest at key.
func (s *Store) ReadManifest(ctx context.Context, key string) (*Manifest, error) {
	var m Manifest
	if err := s.ReadJSON(ctx, key, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ListKeys lists every object key under prefix (which must lie under
// root).
func (s *Store) ListKeys(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	after := ""
	for {
		page, err := s.st.List(ctx, store.ListOptions{Prefix: prefix, StartAfter: after})
		if err != nil {
			return nil, fmt.Errorf("manifest: list %s: %w", prefix, err)
		}
		for _, o := range page.Objects {
			keys = append(keys, o.Key)
		}
		if !page.Truncated || len(page.Objects) == 0 {
			return keys, nil
		}
		after = page.Objects[len(page.Objects)-1].Key
	}
}
