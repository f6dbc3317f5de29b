package manifest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
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

// WriteManifest writes m whole at its key (Key) and returns the key. The
// entries are written in key order, the last of equal keys kept, and the
// manifest is marked Sorted; m itself is not changed.
func (s *Store) WriteManifest(ctx context.Context, m *Manifest) (string, error) {
	if m.ShardID == "" {
		return "", errors.New("manifest: the manifest has no shard id")
	}
	key := Key(s.root, m.ShardID, m.Kind, m.Seq)
	return key, s.WriteJSON(ctx, key, sortedCopy(m))
}

// WritePart writes m as part number part of its batch or round
// (PartKey(RunName(m.Kind, m.Seq))), sorted as WriteManifest does, and
// returns the key. The parts of a round must be written so that
// consecutive parts cover consecutive key ranges: a Reader reads them one
// after another as one sorted stream.
func (s *Store) WritePart(ctx context.Context, m *Manifest, part int) (string, error) {
	return s.WriteNamedPart(ctx, RunName(m.Kind, m.Seq), m, part)
}

// WriteNamedPart is WritePart for the parts of name (see PartKey), such
// as the records of a reverse sync.
func (s *Store) WriteNamedPart(ctx context.Context, name string, m *Manifest, part int) (string, error) {
	if m.ShardID == "" {
		return "", errors.New("manifest: the manifest has no shard id")
	}
	key := PartKey(s.root, m.ShardID, name, part)
	c := sortedCopy(m)
	c.Part = part
	return key, s.WriteJSON(ctx, key, c)
}

// sortedCopy returns m with its entries in key order (the last of equal
// keys kept), marked Sorted.
func sortedCopy(m *Manifest) *Manifest {
	c := *m
	c.Sorted = true
	if !slices.IsSortedFunc(m.Entries, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) }) ||
		hasDuplicates(m.Entries) {
		c.Entries = sortEntries(slices.Clone(m.Entries))
	}
	if c.Entries == nil {
		c.Entries = []Entry{}
	}
	return &c
}

func hasDuplicates(es []Entry) bool {
	for i := 1; i < len(es); i++ {
		if es[i].Key == es[i-1].Key {
			return true
		}
	}
	return false
}

// Parts returns the keys of the parts of name (see PartPrefix) that are
// stored, by part number.
func (s *Store) Parts(ctx context.Context, shardID, name string) ([]string, error) {
	prefix := PartPrefix(s.root, shardID, name)
	keys, err := s.ListKeys(ctx, prefix)
	if err != nil {
		return nil, err
	}
	type part struct {
		key string
		n   int
	}
	var ps []part
	for _, k := range keys {
		if n, ok := partNumber(k, prefix); ok {
			ps = append(ps, part{k, n})
		}
	}
	slices.SortFunc(ps, func(a, b part) int { return a.n - b.n })
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.key
	}
	return out, nil
}

// DeleteParts deletes the parts of name numbered from and above: what an
// earlier attempt of a round wrote beyond the parts the round keeps.
func (s *Store) DeleteParts(ctx context.Context, shardID, name string, from int) error {
	prefix := PartPrefix(s.root, shardID, name)
	keys, err := s.ListKeys(ctx, prefix)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if n, ok := partNumber(k, prefix); ok && n >= from {
			if err := s.Delete(ctx, k); err != nil {
				return fmt.Errorf("manifest: delete %s: %w", k, err)
			}
		}
	}
	return nil
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
		page, err := store.NextPage(ctx, s.st, store.ListOptions{Prefix: prefix, StartAfter: after})
		if err != nil {
			return nil, fmt.Errorf("manifest: list %s: %w", prefix, err)
		}
		for _, o := range page.Objects {
			keys = append(keys, o.Key)
		}
		if !page.Truncated {
			return keys, nil
		}
		after = page.Objects[len(page.Objects)-1].Key
	}
}
