package filestore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ocimove/ocimove/internal/store"
)

var errInvalidRange = errors.New("invalid range")

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// find returns the object of key, or an error wrapping fs.ErrNotExist.
// The caller holds the lock.
func (s *Store) find(key string) (object, error) {
	rel, err := relPath(key)
	if err != nil {
		return object{}, err
	}
	path := filepath.Join(s.root, rel)
	st, err := os.Stat(path)
	if err == nil && st.IsDir() {
		path = filepath.Join(path, selfName)
		st, err = os.Stat(path)
	}
	if errors.Is(err, syscall.ENOTDIR) { // a file on the way: no such object
		return object{}, fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	}
	if err != nil {
		return object{}, err
	}
	if !st.Mode().IsRegular() {
		return object{}, fmt.Errorf("%s: %w (not a regular file)", path, fs.ErrNotExist)
	}
	return object{data: path, st: st, meta: readMeta(path, st)}, nil
}

// Head implements store.Store.
func (s *Store) Head(ctx context.Context, key string) (store.ObjectInfo, error) {
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return store.ObjectInfo{}, s.fail("head", key, err)
	}
	defer unlock()
	o, err := s.find(key)
	if err != nil {
		return store.ObjectInfo{}, s.fail("head", key, err)
	}
	return o.info(key), nil
}

// Get implements store.Store. The object is opened under the lock, so a
// read returns the bytes of one version even if the object is replaced
// while it streams.
func (s *Store) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	const op = "get"
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return nil, store.ObjectInfo{}, s.fail(op, key, err)
	}
	o, err := s.find(key)
	var f *os.File
	if err == nil {
		f, err = os.Open(o.data)
	}
	unlock()
	if err != nil {
		return nil, store.ObjectInfo{}, s.fail(op, key, err)
	}
	info := o.info(key)
	fail := func(err error) (io.ReadCloser, store.ObjectInfo, error) {
		f.Close()
		return nil, store.ObjectInfo{}, err
	}
	switch {
	case opts.VersionID != "":
		return fail(s.errorf(op, key, store.ErrNotFound, "version %q: the store keeps no versions", opts.VersionID))
	case opts.IfMatch != "" && opts.IfMatch != info.ETag:
		return fail(s.errorf(op, key, store.ErrPreconditionFailed, "the object's ETag is %s, not %s", info.ETag, opts.IfMatch))
	}
	if r := opts.Range; r != nil {
		if r.Offset < 0 || r.Offset > info.Size || (r.Offset == info.Size && info.Size > 0) {
			return fail(s.errorf(op, key, errInvalidRange, "offset %d of a %d-byte object", r.Offset, info.Size))
		}
		if _, err := f.Seek(r.Offset, io.SeekStart); err != nil {
			return fail(s.fail(op, key, err))
		}
		n := info.Size - r.Offset
		if r.Length >= 0 && r.Length < n {
			n = r.Length
		}
		return struct {
			io.Reader
			io.Closer
		}{io.LimitReader(f, n), f}, info, nil
	}
	return f, info, nil
}

// Put implements store.Store: the body goes to a temporary file, checked
// against opts.ContentMD5, then renamed into place if opts' conditions
// hold, so a failed Put leaves no object behind.
func (s *Store) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts store.PutOptions) (store.ObjectInfo, error) {
	const op = "put"
	if _, err := relPath(key); err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	tmp, sums, err := s.spool(ctx, body, size)
	if err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	defer os.Remove(tmp)
	if opts.ContentMD5 != nil && !bytes.Equal(opts.ContentMD5, sums.md5) {
		return store.ObjectInfo{}, s.errorf(op, key, store.ErrChecksumMismatch,
			"the body's MD5 is %x, its Content-MD5 %x", sums.md5, opts.ContentMD5)
	}
	m := &meta{Size: size, ETag: hex.EncodeToString(sums.md5), MD5: hex.EncodeToString(sums.md5),
		SHA256: hex.EncodeToString(sums.sha256), Metadata: opts.Metadata}
	return s.commit(ctx, op, key, tmp, m, opts)
}

// sums are the hashes of spooled content.
type sums struct{ md5, sha256 []byte }

// spool copies size bytes of body to a new temporary file and hashes
// them. The caller removes the file.
func (s *Store) spool(ctx context.Context, body io.Reader, size int64) (string, sums, error) {
	dir := filepath.Join(s.root, tmpDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", sums{}, err
	}
	f, err := os.CreateTemp(dir, "put-*")
	if err != nil {
		return "", sums{}, err
	}
	hm, hs := md5.New(), sha256.New()
	n, err := io.Copy(io.MultiWriter(f, hm, hs), io.LimitReader(readerCtx{ctx, body}, size+1))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("the body holds %d bytes, not the %d given", n, size)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", sums{}, err
	}
	return f.Name(), sums{md5: hm.Sum(nil), sha256: hs.Sum(nil)}, nil
}

// readerCtx stops reading when ctx ends.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// commit moves the spooled file tmp into place as key, with m, under the
// exclusive lock and only if the conditions of opts hold.
func (s *Store) commit(ctx context.Context, op, key, tmp string, m *meta, opts store.PutOptions) (store.ObjectInfo, error) {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	defer unlock()
	cur, err := s.find(key)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	switch {
	case opts.IfNoneMatch && exists:
		return store.ObjectInfo{}, s.errorf(op, key, store.ErrPreconditionFailed, "the object exists")
	case opts.IfMatch != "" && !exists:
		return store.ObjectInfo{}, s.errorf(op, key, store.ErrPreconditionFailed, "the object does not exist")
	case opts.IfMatch != "" && cur.info(key).ETag != opts.IfMatch:
		return store.ObjectInfo{}, s.errorf(op, key, store.ErrPreconditionFailed, "the object's ETag is %s, not %s", cur.info(key).ETag, opts.IfMatch)
	}
	path, err := s.placeFor(key)
	if err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	m.ModNanos, m.Written = st.ModTime().UnixNano(), time.Now().UTC()
	if err := writeMeta(path, m); err != nil {
		return store.ObjectInfo{}, s.fail(op, key, err)
	}
	return object{data: path, st: st, meta: m}.info(key), nil
}

// placeFor returns the data file of key, making its directories: a
// directory on the way that is an object's file becomes a directory
// holding that object as selfName. The caller holds the exclusive lock.
func (s *Store) placeFor(key string) (string, error) {
	rel, err := relPath(key)
	if err != nil {
		return "", err
	}
	dir := s.root
	parts := strings.Split(rel, string(filepath.Separator))
	for _, p := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, p)
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(dir, 0o755); err != nil {
				return "", err
			}
		case err != nil:
			return "", err
		case st.Mode().IsRegular():
			if err := s.makeDir(dir); err != nil {
				return "", err
			}
		}
	}
	path := filepath.Join(dir, parts[len(parts)-1])
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, selfName)
	}
	return path, nil
}

// makeDir turns the object file at path into a directory that holds it
// as selfName.
func (s *Store) makeDir(path string) error {
	moved := filepath.Join(s.root, tmpDir, "dir-"+filepath.Base(path)+fmt.Sprint(time.Now().UnixNano()))
	if err := os.MkdirAll(filepath.Dir(moved), 0o755); err != nil {
		return err
	}
	if err := os.Rename(path, moved); err != nil {
		return err
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		return err
	}
	self := filepath.Join(path, selfName)
	if err := os.Rename(moved, self); err != nil {
		return err
	}
	if err := os.Rename(path+metaSuffix, self+metaSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// writeMeta writes m beside the data file at path, atomically.
func writeMeta(path string, m *meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := path + metaSuffix + ".new"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path+metaSuffix)
}

// Delete implements store.Store. Directories left empty are removed.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = "delete"
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return s.fail(op, key, err)
	}
	defer unlock()
	o, err := s.find(key)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	if err != nil {
		return s.fail(op, key, err)
	}
	if err := os.Remove(o.data); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail(op, key, err)
	}
	if err := os.Remove(o.data + metaSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail(op, key, err)
	}
	for dir := filepath.Dir(o.data); dir != s.root && strings.HasPrefix(dir, s.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty: stop
			break
		}
	}
	return nil
}
