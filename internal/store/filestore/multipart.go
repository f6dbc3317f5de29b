package filestore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/ocimove/ocimove/internal/store"
)

// An upload is a directory of uploadsDir named by its id, holding
// upload.json (the key and the options of the final object) and one file
// per part, "part-NNNNN", with its MD5 in "part-NNNNN.md5".
const uploadFile = "upload.json"

// upload is what CreateMultipart records.
type upload struct {
	Key  string           `json:"key"`
	Opts store.PutOptions `json:"opts"`
}

func (s *Store) uploadDir(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, `/\.`) {
		return "", fs.ErrNotExist
	}
	return filepath.Join(s.root, uploadsDir, id), nil
}

// readUpload returns the upload id of key.
func (s *Store) readUpload(key, id string) (string, upload, error) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return "", upload{}, err
	}
	b, err := os.ReadFile(filepath.Join(dir, uploadFile))
	if err != nil {
		return "", upload{}, err
	}
	var u upload
	if err := json.Unmarshal(b, &u); err != nil {
		return "", upload{}, fmt.Errorf("upload %s: %w", id, err)
	}
	if u.Key != key {
		return "", upload{}, fmt.Errorf("upload %s is of another key: %w", id, fs.ErrNotExist)
	}
	return dir, u, nil
}

// CreateMultipart implements store.Store. opts' conditions are checked
// when the upload completes.
func (s *Store) CreateMultipart(ctx context.Context, key string, opts store.PutOptions) (string, error) {
	const op = "create-multipart"
	if _, err := relPath(key); err != nil {
		return "", s.fail(op, key, err)
	}
	if err := ctx.Err(); err != nil {
		return "", s.fail(op, key, err)
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	dir := filepath.Join(s.root, uploadsDir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", s.fail(op, key, err)
	}
	opts.ContentMD5 = nil
	data, err := json.Marshal(upload{Key: key, Opts: opts})
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, uploadFile), data, 0o644)
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", s.fail(op, key, err)
	}
	return id, nil
}

func partName(n int) string { return fmt.Sprintf("part-%05d", n) }

// UploadPart implements store.Store: a part whose bytes differ from md5
// is refused. A part number uploaded again replaces the earlier part.
func (s *Store) UploadPart(ctx context.Context, key, uploadID string, n int, body io.ReadSeeker, size int64, md5sum []byte) (store.Part, error) {
	const op = "upload-part"
	if n < 1 || n > MaxParts {
		return store.Part{}, s.errorf(op, key, errInvalidRange, "part number %d is outside 1..%d", n, MaxParts)
	}
	dir, _, err := s.readUpload(key, uploadID)
	if err != nil {
		return store.Part{}, s.fail(op, key, err)
	}
	tmp, sums, err := s.spool(ctx, body, size)
	if err != nil {
		return store.Part{}, s.fail(op, key, err)
	}
	defer os.Remove(tmp)
	if md5sum != nil && !bytes.Equal(md5sum, sums.md5) {
		return store.Part{}, s.errorf(op, key, store.ErrChecksumMismatch, "part %d's MD5 is %x, not %x", n, sums.md5, md5sum)
	}
	sum := hex.EncodeToString(sums.md5)
	if err := os.WriteFile(filepath.Join(dir, partName(n)+".md5.new"), []byte(sum), 0o644); err != nil {
		return store.Part{}, s.fail(op, key, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, partName(n))); err != nil {
		return store.Part{}, s.fail(op, key, err)
	}
	if err := os.Rename(filepath.Join(dir, partName(n)+".md5.new"), filepath.Join(dir, partName(n)+".md5")); err != nil {
		return store.Part{}, s.fail(op, key, err)
	}
	return store.Part{Number: n, Size: size, ETag: sum, MD5: sums.md5}, nil
}

// ListParts implements store.Store.
func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]store.Part, error) {
	const op = "list-parts"
	if err := ctx.Err(); err != nil {
		return nil, s.fail(op, key, err)
	}
	dir, _, err := s.readUpload(key, uploadID)
	if err != nil {
		return nil, s.fail(op, key, err)
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, s.fail(op, key, err)
	}
	var parts []store.Part
	for _, de := range des {
		rest, ok := strings.CutPrefix(de.Name(), "part-")
		if !ok || strings.Contains(rest, ".") {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil {
			continue
		}
		st, err := os.Stat(filepath.Join(dir, de.Name()))
		if err != nil {
			continue
		}
		sum, err := os.ReadFile(filepath.Join(dir, de.Name()+".md5"))
		if err != nil {
			continue // written, its MD5 not yet: not a part
		}
		raw, err := hex.DecodeString(string(sum))
		if err != nil {
			continue
		}
		parts = append(parts, store.Part{Number: n, Size: st.Size(), ETag: string(sum), MD5: raw})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

// CompleteMultipart implements store.Store: the parts, each checked
// against the MD5 the caller gives, are joined into the object, under the
// conditions given at create.
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []store.Part) (store.ObjectInfo, error) {
	const op = "commit-multipart"
	dir, u, err := s.readUpload(key, uploadID)
	if err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	held, err := s.ListParts(ctx, key, uploadID)
	if err != nil {
		return store.ObjectInfo{}, err
	}
	byNumber := map[int]store.Part{}
	for _, p := range held {
		byNumber[p.Number] = p
	}
	if len(parts) == 0 {
		return store.ObjectInfo{}, s.errorf(op, key, errInvalidRange, "no parts to complete")
	}
	var readers []io.Reader
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	partMD5s := md5.New()
	var size int64
	for i, p := range parts {
		h, ok := byNumber[p.Number]
		switch {
		case !ok:
			return store.ObjectInfo{}, s.errorf(op, key, store.ErrNotFound, "part %d was not uploaded", p.Number)
		case i > 0 && p.Number <= parts[i-1].Number:
			return store.ObjectInfo{}, s.errorf(op, key, errInvalidRange, "parts must be in ascending order")
		case !bytes.Equal(p.MD5, h.MD5):
			return store.ObjectInfo{}, s.errorf(op, key, store.ErrChecksumMismatch, "part %d holds MD5 %x, not %x", p.Number, h.MD5, p.MD5)
		case i < len(parts)-1 && h.Size < MinPartSize:
			return store.ObjectInfo{}, s.errorf(op, key, errInvalidRange, "part %d is %d bytes, below the %d a part but the last needs", p.Number, h.Size, MinPartSize)
		}
		f, err := os.Open(filepath.Join(dir, partName(p.Number)))
		if err != nil {
			return store.ObjectInfo{}, s.fail(op, key, err)
		}
		files = append(files, f)
		readers = append(readers, f)
		partMD5s.Write(h.MD5)
		size += h.Size
	}
	tmp, sums, err := s.spool(ctx, io.MultiReader(readers...), size)
	if err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	defer os.Remove(tmp)
	m := &meta{Size: size, ETag: fmt.Sprintf("%x-%d", partMD5s.Sum(nil), len(parts)), MD5: hex.EncodeToString(sums.md5),
		SHA256: hex.EncodeToString(sums.sha256), Parts: len(parts), Metadata: u.Opts.Metadata}
	info, err := s.commit(ctx, op, key, tmp, m, u.Opts)
	if err != nil {
		return store.ObjectInfo{}, err
	}
	_ = os.RemoveAll(dir)
	return info, nil
}

// AbortMultipart implements store.Store. Aborting an unknown upload is
// not an error.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	const op = "abort-multipart"
	if err := ctx.Err(); err != nil {
		return s.fail(op, key, err)
	}
	dir, _, err := s.readUpload(key, uploadID)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return s.fail(op, key, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return s.fail(op, key, err)
	}
	return nil
}

// ListUploads implements store.UploadLister.
func (s *Store) ListUploads(ctx context.Context, prefix string) ([]store.Upload, error) {
	const op = "list-uploads"
	if err := ctx.Err(); err != nil {
		return nil, s.fail(op, prefix, err)
	}
	des, err := os.ReadDir(filepath.Join(s.root, uploadsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail(op, prefix, err)
	}
	var out []store.Upload
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(s.root, uploadsDir, de.Name(), uploadFile))
		if err != nil {
			continue
		}
		var u upload
		if json.Unmarshal(b, &u) == nil && strings.HasPrefix(u.Key, prefix) {
			out = append(out, store.Upload{Key: u.Key, UploadID: de.Name()})
		}
	}
	return out, nil
}
