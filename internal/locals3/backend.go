package locals3

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/spf13/afero"
)

// memBackend is gofakes3's in-memory backend (with versioning) plus the
// project's multipart store.
type memBackend struct {
	*s3mem.Backend
	*multipartStore
}

// diskBackend is gofakes3's afero backend rooted at a directory, with
// ListBucket paging added (s3afero lists everything in one page).
type diskBackend struct {
	*s3afero.MultiBucketBackend
}

// diskWithMultipart is diskBackend plus the on-disk multipart store.
type diskWithMultipart struct {
	*diskBackend
	*multipartStore
}

// newBackend returns the storage for cfg: memory when Dir is empty, else
// files under Dir/objects (bodies), Dir/meta (metadata) and Dir/parts
// (multipart parts in flight).
func newBackend(dir string) (gofakes3.Backend, error) {
	if dir == "" {
		mem := s3mem.New()
		return &memBackend{Backend: mem, multipartStore: newMultipartStore(mem, "")}, nil
	}
	for _, sub := range []string{"objects", "meta", "parts"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("locals3: create storage directory: %w", err)
		}
	}
	// Parts of uploads that did not complete before a restart are orphans.
	stale, _ := filepath.Glob(filepath.Join(dir, "parts", "part-*"))
	for _, f := range stale {
		_ = os.Remove(f)
	}
	osfs := afero.NewOsFs()
	objects := afero.NewBasePathFs(osfs, filepath.Join(dir, "objects"))
	meta := afero.NewBasePathFs(osfs, filepath.Join(dir, "meta"))
	mb, err := s3afero.MultiBucket(objects, s3afero.MultiWithMetaFs(meta))
	if err != nil {
		return nil, fmt.Errorf("locals3: open storage in %s: %w", dir, err)
	}
	db := &diskBackend{MultiBucketBackend: mb}
	return &diskWithMultipart{diskBackend: db, multipartStore: newMultipartStore(db, filepath.Join(dir, "parts"))}, nil
}

// ListBucket lists everything under prefix and then applies the page:
// keys sorted by bytes, strictly after Marker, at most MaxKeys.
func (d *diskBackend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	all, err := d.MultiBucketBackend.ListBucket(name, prefix, gofakes3.ListBucketPage{})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all.Contents, func(a, b *gofakes3.Content) int { return strings.Compare(a.Key, b.Key) })
	if len(all.CommonPrefixes) > 0 || page.IsEmpty() {
		return all, nil
	}
	out := gofakes3.NewObjectList()
	for _, c := range all.Contents {
		if page.HasMarker && c.Key <= page.Marker {
			continue
		}
		if page.MaxKeys > 0 && int64(len(out.Contents)) >= page.MaxKeys {
			out.IsTruncated = true
			break
		}
		out.Add(c)
		out.NextMarker = c.Key
	}
	if !out.IsTruncated {
		out.NextMarker = ""
	}
	return out, nil
}
