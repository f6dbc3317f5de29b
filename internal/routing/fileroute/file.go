package fileroute

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocimove/ocimove/internal/routing"
)

// lockPoll is how often a blocked locker tries the lock again.
const lockPoll = 5 * time.Millisecond

// read loads the document; a missing file is an empty one.
func (t *Target) read() (*document, error) {
	d := &document{}
	b, err := os.ReadFile(t.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("fileroute: read %s: %w", t.path, err)
	case len(bytes.TrimSpace(b)) > 0:
		if err := json.Unmarshal(b, d); err != nil {
			return nil, fmt.Errorf("fileroute: %s is not a valid routing file (%w); fix or remove it", t.path, err)
		}
	}
	if d.Routes == nil {
		d.Routes = map[string]routing.Route{}
	}
	return d, nil
}

// update runs fn on the document under the exclusive lock and writes the
// document back if fn reports a change.
func (t *Target) update(ctx context.Context, fn func(*document) (bool, error)) error {
	unlock, err := t.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	d, err := t.read()
	if err != nil {
		return err
	}
	changed, err := fn(d)
	if err != nil || !changed {
		return err
	}
	return t.write(d)
}

// lock takes an exclusive flock on the sidecar lock file, polling so that a
// cancelled context ends the wait.
func (t *Target) lock(ctx context.Context) (unlock func(), err error) {
	lockPath := t.path + ".lock"
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("fileroute: open lock file %s: %w", lockPath, err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("fileroute: lock %s: %w", lockPath, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("fileroute: waiting for lock %s: %w", lockPath, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
	return func() {
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}

// write replaces the file atomically: temporary file, fsync, rename, fsync
// of the directory.
func (t *Target) write(d *document) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("fileroute: encode: %w", err)
	}
	b = append(b, '\n')
	dir := filepath.Dir(t.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(t.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("fileroute: write %s: %w", t.path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("fileroute: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("fileroute: chmod %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("fileroute: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fileroute: close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), t.path); err != nil {
		return fmt.Errorf("fileroute: replace %s: %w", t.path, err)
	}
	if dh, err := os.Open(dir); err == nil {
		_ = dh.Sync()
		dh.Close()
	}
	return nil
}
