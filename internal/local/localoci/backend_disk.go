package localoci

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// diskBackend keeps blobs and records as files under a directory:
//
//	blobs/<id>                 object and part bytes
//	records/<kind>/<hash>.json one metadata sidecar per record
//	tmp/                       files being written; renamed into place when complete
//
// Because every file is written under tmp/ and renamed, a crash or an
// interrupted upload never leaves a partial blob or record visible.
type diskBackend struct{ dir string }

func newDiskBackend(dir string) (*diskBackend, error) {
	for _, sub := range []string{"blobs", "records", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("localoci: create storage directory: %w", err)
		}
	}
	// Leftovers of writes interrupted by a previous process are garbage.
	if entries, err := os.ReadDir(filepath.Join(dir, "tmp")); err == nil {
		for _, e := range entries {
			_ = os.Remove(filepath.Join(dir, "tmp", e.Name()))
		}
	}
	return &diskBackend{dir: dir}, nil
}

type diskBlobWriter struct {
	b *diskBackend
	f *os.File
}

func (w *diskBlobWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *diskBlobWriter) commit() (string, error) {
	if err := w.f.Close(); err != nil {
		_ = os.Remove(w.f.Name())
		return "", fmt.Errorf("localoci: close blob: %w", err)
	}
	id := newID()
	if err := os.Rename(w.f.Name(), w.b.blobPath(id)); err != nil {
		_ = os.Remove(w.f.Name())
		return "", fmt.Errorf("localoci: publish blob: %w", err)
	}
	return id, nil
}

func (w *diskBlobWriter) abort() {
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
}

type diskBlobReader struct {
	*os.File
	size int64
}

func (r diskBlobReader) Size() int64 { return r.size }

func (b *diskBackend) blobPath(id string) string { return filepath.Join(b.dir, "blobs", id) }

func (b *diskBackend) newBlob() (blobWriter, error) {
	f, err := os.CreateTemp(filepath.Join(b.dir, "tmp"), "blob-*")
	if err != nil {
		return nil, fmt.Errorf("localoci: create blob: %w", err)
	}
	return &diskBlobWriter{b: b, f: f}, nil
}

func (b *diskBackend) openBlob(id string) (blobReader, error) {
	if id == "" || strings.ContainsAny(id, `/\`) {
		return nil, errNotExist
	}
	f, err := os.Open(b.blobPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("localoci: open blob: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("localoci: stat blob: %w", err)
	}
	return diskBlobReader{File: f, size: st.Size()}, nil
}

func (b *diskBackend) removeBlob(id string) error {
	if id == "" || strings.ContainsAny(id, `/\`) {
		return nil
	}
	err := os.Remove(b.blobPath(id))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localoci: remove blob: %w", err)
	}
	return nil
}

// recordPath names a record's file by a hash of its key, since keys (object
// names) may hold any character.
func (b *diskBackend) recordPath(kind, key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(b.dir, "records", kind, hex.EncodeToString(sum[:])+".json")
}

func (b *diskBackend) putRecord(kind, key string, data []byte) error {
	if err := os.MkdirAll(filepath.Join(b.dir, "records", kind), 0o755); err != nil {
		return fmt.Errorf("localoci: create record directory: %w", err)
	}
	f, err := os.CreateTemp(filepath.Join(b.dir, "tmp"), "record-*")
	if err != nil {
		return fmt.Errorf("localoci: create record: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return fmt.Errorf("localoci: write record: %w", err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("localoci: write record: %w", err)
	}
	if err := os.Rename(f.Name(), b.recordPath(kind, key)); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("localoci: publish record: %w", err)
	}
	return nil
}

func (b *diskBackend) deleteRecord(kind, key string) error {
	err := os.Remove(b.recordPath(kind, key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localoci: delete record: %w", err)
	}
	return nil
}

func (b *diskBackend) records(kind string) ([][]byte, error) {
	dir := filepath.Join(b.dir, "records", kind)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("localoci: read records: %w", err)
	}
	out := make([][]byte, 0, len(entries))
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("localoci: read record: %w", err)
		}
		out = append(out, data)
	}
	return out, nil
}

// blobIDs lists the committed blobs, so that load can remove those no record
// refers to (left by a process that stopped between writing a blob and its record).
func (b *diskBackend) blobIDs() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(b.dir, "blobs"))
	if err != nil {
		return nil, fmt.Errorf("localoci: list blobs: %w", err)
	}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.Name())
	}
	return ids, nil
}
