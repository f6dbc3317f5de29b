// Package filestore is a store.Store kept in a directory of the local
// filesystem: kind "file" in plans. Objects are real files at their keys'
// paths below the root (so that a plain directory tree can be migrated as
// it is), each with its metadata in a file beside it; a multipart upload
// keeps its parts as files until it completes. Writes are conditional
// (If-None-Match, If-Match by ETag) under a lock file, which several
// processes sharing the root respect; listings are in byte order of the
// keys and resume after StartAfter.
package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/ocimove/ocimove/internal/store"
)

// Multipart limits: parts are files, so any size works; these follow S3's
// part count and keep parts large enough to be worth a file each.
const (
	MinPartSize int64 = 1 << 20
	MaxPartSize int64 = 5 << 30
	MaxParts          = 10000
)

// Store is a directory seen as an object store. It is safe for concurrent
// use, also by several processes on one root.
type Store struct {
	root string
}

var (
	_ store.Store        = (*Store)(nil)
	_ store.NameChecker  = (*Store)(nil)
	_ store.UploadLister = (*Store)(nil)
)

// New returns the store of the directory root, which must exist.
func New(root string) (*Store, error) {
	if !filepath.IsAbs(root) {
		return nil, &store.Error{Store: "file://" + root, Op: "configure", Class: store.Permanent,
			Err: fmt.Errorf("the root %q is not an absolute path", root), Hint: "set root to an absolute path"}
	}
	s := &Store{root: filepath.Clean(root)}
	st, err := os.Stat(s.root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &store.Error{Store: s.String(), Op: "configure", Class: store.Permanent,
				Err: fmt.Errorf("%w: %w", store.ErrBucketNotFound, err), Hint: "create the directory on every worker, or fix root"}
		}
		return nil, s.fail("configure", "", err)
	}
	if !st.IsDir() {
		return nil, &store.Error{Store: s.String(), Op: "configure", Class: store.Permanent,
			Err: fmt.Errorf("%w: %s is not a directory", store.ErrBucketNotFound, s.root), Hint: "set root to a directory"}
	}
	return s, nil
}

// String names the store: file:///root.
func (s *Store) String() string { return "file://" + s.root }

// Root returns the directory.
func (s *Store) Root() string { return s.root }

// MultipartLimits implements store.Store.
func (s *Store) MultipartLimits() store.MultipartLimits {
	return store.MultipartLimits{MinPartSize: MinPartSize, MaxPartSize: MaxPartSize, MaxParts: MaxParts}
}

// CheckName implements store.NameChecker: every key that is not empty
// and whose segments fit a file name once escaped.
func (s *Store) CheckName(key string) error {
	if _, err := relPath(key); err != nil {
		return &store.Error{Store: s.String(), Op: "check-name", Key: key, Class: store.Permanent,
			Err: fmt.Errorf("%w: %w", store.ErrInvalidKey, err)}
	}
	return nil
}

// lock takes the root's lock, shared (readers) or exclusive (writers),
// and returns its release. Each call opens the lock file anew, so that
// goroutines and processes exclude each other alike.
func (s *Store) lock(ctx context.Context, exclusive bool) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(s.root, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}

// fail wraps an error of op on key in *store.Error, with the sentinel and
// class it means.
func (s *Store) fail(op, key string, err error) error {
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	e := &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Permanent, Err: err}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.Err = fmt.Errorf("%w: %w", store.ErrNotFound, err)
	case errors.Is(err, fs.ErrPermission):
		e.Err = fmt.Errorf("%w: %w", store.ErrPermission, err)
		e.Hint = "the worker's user cannot read or write " + s.root + "; grant it access to the directory"
	case errors.Is(err, errInvalidKey):
		e.Err = fmt.Errorf("%w: %w", store.ErrInvalidKey, err)
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR), errors.Is(err, syscall.EBUSY):
		e.Class = store.Retryable
	}
	return e
}

// errorf is a store error of op on key wrapping sentinel.
func (s *Store) errorf(op, key string, sentinel error, format string, args ...any) error {
	return &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Permanent,
		Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}
