package filestore

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ocimove/ocimove/internal/store"
)

// defaultPage is the page size of a listing without a limit.
const defaultPage = 1000

// entry is one name of a directory in key order: an object, or a
// directory whose keys all start with key (which ends in '/').
type entry struct {
	key  string
	path string
	dir  bool
}

// List implements store.Store: a depth-first walk that visits each
// directory's names in the byte order of the keys they hold, skipping the
// subtrees that lie outside the prefix or before StartAfter.
func (s *Store) List(ctx context.Context, opts store.ListOptions) (store.ListPage, error) {
	const op = "list"
	limit := opts.Limit
	if limit <= 0 {
		limit = defaultPage
	}
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return store.ListPage{}, s.fail(op, opts.Prefix, err)
	}
	defer unlock()
	w := walker{s: s, prefix: opts.Prefix, after: opts.StartAfter, want: limit + 1}
	if err := w.walk(ctx, s.root, ""); err != nil {
		return store.ListPage{}, s.fail(op, opts.Prefix, err)
	}
	page := store.ListPage{Objects: w.found}
	if len(page.Objects) > limit {
		page.Objects, page.Truncated = page.Objects[:limit], true
	}
	return page, nil
}

type walker struct {
	s             *Store
	prefix, after string
	want          int
	found         []store.ObjectInfo
}

// walk lists the directory at path, whose keys start with base.
func (w *walker) walk(ctx context.Context, path, base string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ents, err := w.s.entries(path, base)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if len(w.found) >= w.want {
			return nil
		}
		if e.dir {
			// Every key below starts with e.key: skip the subtree when none
			// can be in the prefix or after StartAfter.
			if !strings.HasPrefix(e.key, w.prefix) && !strings.HasPrefix(w.prefix, e.key) {
				continue
			}
			if e.key <= w.after && !strings.HasPrefix(w.after, e.key) {
				continue
			}
			if err := w.walk(ctx, e.path, e.key); err != nil {
				return err
			}
			continue
		}
		if e.key <= w.after || !strings.HasPrefix(e.key, w.prefix) {
			continue
		}
		st, err := os.Stat(e.path)
		if err != nil || !st.Mode().IsRegular() {
			continue // gone since the directory was read
		}
		w.found = append(w.found, object{data: e.path, st: st, meta: readMeta(e.path, st)}.info(e.key))
	}
	return nil
}

// entries returns the names of the directory at path, whose keys start
// with base, in key order. A directory that holds an object of its own
// (selfName) yields that object, with the directory's key, and the
// directory.
func (s *Store) entries(path, base string) ([]entry, error) {
	des, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, de := range des {
		name := de.Name()
		if path == s.root && (name == lockName || name == tmpDir || name == uploadsDir) {
			continue
		}
		seg, ok := segmentOf(name)
		if !ok {
			continue // the store's own: metadata, the self object
		}
		full := filepath.Join(path, name)
		isDir := de.IsDir()
		if de.Type()&os.ModeSymlink != 0 {
			st, err := os.Stat(full)
			if err != nil {
				continue
			}
			isDir = st.IsDir()
		}
		if !isDir {
			out = append(out, entry{key: base + seg, path: full})
			continue
		}
		out = append(out, entry{key: base + seg + "/", path: full, dir: true})
		if _, err := os.Stat(filepath.Join(full, selfName)); err == nil {
			out = append(out, entry{key: base + seg, path: filepath.Join(full, selfName)})
		}
	}
	// Keys of a directory ("a/") and of names beside it ("a-b", "a")
	// sort as the whole keys do: byte-wise.
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}
