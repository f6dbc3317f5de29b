package locals3

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/tidwall/btree"
)

// diskBackend is the on-disk gofakes3.Backend. Keys are never paths: each
// object is a blob file with a random name plus a JSON sidecar named by the
// SHA-256 of its key, so any S3 key ("a" and "a/b", "k/", "x//y") can be
// stored. Layout under the root directory:
//
//	buckets/<bucket>/bucket.json        creation time
//	buckets/<bucket>/meta/<sha256>.json sidecar: key, blob, size, MD5, ETag, metadata
//	buckets/<bucket>/blobs/<random id>  object body
//	tmp/                                bodies and sidecars being written
//	parts/                              multipart parts in flight
//
// A write streams the body into tmp while hashing it, and only after the
// body was read to its end without error (gofakes3 reports a Content-MD5
// mismatch there) renames it into blobs; renaming the sidecar over the old
// one is the commit. Blobs are never rewritten in place, so readers keep a
// consistent body. An in-memory index per bucket (sorted by key bytes) is
// rebuilt from the sidecars at start; it holds no user metadata, which is
// read from the sidecar on HEAD and GET.
type diskBackend struct {
	*multipartStore
	root string
	tmp  string

	mu      sync.RWMutex
	buckets map[string]*diskBucket
}

// diskBucket is one bucket's directory and key index.
type diskBucket struct {
	name    string
	dir     string
	created time.Time

	mu      sync.RWMutex
	deleted bool
	objects btree.Map[string, *diskEntry]
}

// diskEntry is what the index knows about one object.
type diskEntry struct {
	blob     string
	size     int64
	md5      []byte
	etag     string // composite ETag of a multipart object, else ""
	modified time.Time
	class    gofakes3.StorageClass
}

// sidecar is the JSON metadata file of one object.
type sidecar struct {
	Key          string            `json:"key"`
	Blob         string            `json:"blob"`
	Size         int64             `json:"size"`
	MD5          string            `json:"md5"`            // hex MD5 of the content
	ETag         string            `json:"etag,omitempty"` // composite multipart ETag, unquoted
	LastModified time.Time         `json:"lastModified"`
	Metadata     map[string]string `json:"metadata,omitempty"`
}

type bucketFile struct {
	Created time.Time `json:"created"`
}

func (e *diskEntry) etagOrMD5() string {
	if e.etag != "" {
		return e.etag
	}
	return hex.EncodeToString(e.md5)
}

func (sc *sidecar) entry() (*diskEntry, error) {
	sum, err := hex.DecodeString(sc.MD5)
	if err != nil || len(sum) != 16 {
		return nil, fmt.Errorf("bad md5 %q", sc.MD5)
	}
	if sc.Blob == "" || strings.ContainsAny(sc.Blob, `/\`) {
		return nil, fmt.Errorf("bad blob name %q", sc.Blob)
	}
	return &diskEntry{blob: sc.Blob, size: sc.Size, md5: sum, etag: sc.ETag, modified: sc.LastModified, class: storageClassOf(sc.Metadata)}, nil
}

// openDiskBackend opens (creating if needed) storage under dir and rebuilds
// the index from the sidecars. Temporary files, parts of uploads that did
// not complete, and blobs no sidecar names are leftovers of a previous run
// and are removed.
func openDiskBackend(dir string) (*diskBackend, error) {
	d := &diskBackend{root: dir, tmp: filepath.Join(dir, "tmp"), buckets: map[string]*diskBucket{}}
	for _, sub := range []string{"buckets", "tmp", "parts"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("locals3: create storage directory: %w", err)
		}
	}
	for _, sub := range []string{"tmp", "parts"} {
		stale, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, f := range stale {
			_ = os.RemoveAll(filepath.Join(dir, sub, f.Name()))
		}
	}
	ents, err := os.ReadDir(filepath.Join(dir, "buckets"))
	if err != nil {
		return nil, fmt.Errorf("locals3: read storage directory %s: %w", dir, err)
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		b, err := d.loadBucket(e.Name())
		if err != nil {
			return nil, fmt.Errorf("locals3: load bucket %q from %s: %w", e.Name(), dir, err)
		}
		d.buckets[b.name] = b
	}
	d.multipartStore = newMultipartStore(d, filepath.Join(dir, "parts"))
	return d, nil
}

func (d *diskBackend) bucketDir(name string) string { return filepath.Join(d.root, "buckets", name) }

func (b *diskBucket) blobPath(id string) string { return filepath.Join(b.dir, "blobs", id) }

func (b *diskBucket) sidecarPath(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(b.dir, "meta", hex.EncodeToString(sum[:])+".json")
}

func (d *diskBackend) loadBucket(name string) (*diskBucket, error) {
	b := &diskBucket{name: name, dir: d.bucketDir(name)}
	raw, err := os.ReadFile(filepath.Join(b.dir, "bucket.json"))
	if err != nil {
		return nil, err
	}
	var bf bucketFile
	if err := json.Unmarshal(raw, &bf); err != nil {
		return nil, fmt.Errorf("bucket.json: %w", err)
	}
	b.created = bf.Created
	metas, err := os.ReadDir(filepath.Join(b.dir, "meta"))
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, m := range metas {
		path := filepath.Join(b.dir, "meta", m.Name())
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var sc sidecar
		if err := json.Unmarshal(raw, &sc); err != nil || b.sidecarPath(sc.Key) != path {
			_ = os.Remove(path) // not one of ours, or torn
			continue
		}
		e, err := sc.entry()
		if err != nil {
			return nil, fmt.Errorf("sidecar of %q: %w", sc.Key, err)
		}
		b.objects.Set(sc.Key, e)
		used[e.blob] = true
	}
	blobs, err := os.ReadDir(filepath.Join(b.dir, "blobs"))
	if err != nil {
		return nil, err
	}
	for _, f := range blobs {
		if !used[f.Name()] {
			_ = os.Remove(filepath.Join(b.dir, "blobs", f.Name()))
		}
	}
	return b, nil
}

// bucket returns the named bucket or gofakes3's NoSuchBucket.
func (d *diskBackend) bucket(name string) (*diskBucket, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	b, ok := d.buckets[name]
	if !ok {
		return nil, gofakes3.BucketNotFound(name)
	}
	return b, nil
}

// ListBuckets implements gofakes3.Backend.
func (d *diskBackend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]gofakes3.BucketInfo, 0, len(d.buckets))
	for _, b := range d.buckets {
		out = append(out, gofakes3.BucketInfo{Name: b.name, CreationDate: gofakes3.NewContentTime(b.created)})
	}
	slices.SortFunc(out, func(a, b gofakes3.BucketInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// BucketExists implements gofakes3.Backend.
func (d *diskBackend) BucketExists(name string) (bool, error) {
	_, err := d.bucket(name)
	return err == nil, nil
}

// CreateBucket implements gofakes3.Backend.
func (d *diskBackend) CreateBucket(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return gofakes3.ResourceError(gofakes3.ErrInvalidBucketName, name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.buckets[name]; ok {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	b := &diskBucket{name: name, dir: d.bucketDir(name), created: time.Now().UTC()}
	for _, sub := range []string{"meta", "blobs"} {
		if err := os.MkdirAll(filepath.Join(b.dir, sub), 0o700); err != nil {
			return fmt.Errorf("locals3: create bucket directory: %w", err)
		}
	}
	raw, _ := json.Marshal(bucketFile{Created: b.created})
	if err := d.writeAtomic(filepath.Join(b.dir, "bucket.json"), raw); err != nil {
		return err
	}
	d.buckets[name] = b
	return nil
}

// DeleteBucket implements gofakes3.Backend.
func (d *diskBackend) DeleteBucket(name string) error { return d.deleteBucket(name, false) }

// ForceDeleteBucket implements gofakes3.Backend.
func (d *diskBackend) ForceDeleteBucket(name string) error { return d.deleteBucket(name, true) }

func (d *diskBackend) deleteBucket(name string, force bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.buckets[name]
	if !ok {
		return gofakes3.BucketNotFound(name)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !force && b.objects.Len() > 0 {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	b.deleted = true
	delete(d.buckets, name)
	if err := os.RemoveAll(b.dir); err != nil {
		return fmt.Errorf("locals3: remove bucket directory: %w", err)
	}
	return nil
}

// createTemp returns a new file in the temporary directory.
func (d *diskBackend) createTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(d.tmp, pattern)
	if err != nil {
		return nil, fmt.Errorf("locals3: create temporary file: %w", err)
	}
	return f, nil
}

// writeAtomic replaces path with data: written to a temporary file first,
// then renamed over path.
func (d *diskBackend) writeAtomic(path string, data []byte) error {
	tmp, err := d.writeTemp(data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("locals3: replace %s: %w", filepath.Base(path), err)
	}
	return nil
}

func (d *diskBackend) writeTemp(data []byte) (string, error) {
	f, err := d.createTemp("meta-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("locals3: write temporary file: %w", err)
	}
	return f.Name(), nil
}

// newBlobID returns a random blob file name.
func newBlobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
