package devserver

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// dbLock keeps a second server from opening a database file that a running
// one uses: two servers on one file would each believe they own every shard.
// The kernel drops the lock when the holder exits, even when killed.
type dbLock struct {
	f *os.File
}

// lockDB takes the lock beside dbPath, failing at once if it is held.
func lockDB(dbPath string) (*dbLock, error) {
	path := dbPath + ".lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devserver: opening lock file %q: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("devserver: DBPath %q is in use by another running devserver (lock %q is held); stop that one or use another file", dbPath, path)
		}
		return nil, fmt.Errorf("devserver: locking %q: %w", path, err)
	}
	return &dbLock{f: f}, nil
}

// unlock releases the lock. The lock file stays; it holds no data.
func (l *dbLock) unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the only descriptor releases the flock
	l.f = nil
	return err
}
