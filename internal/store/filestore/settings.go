package filestore

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/store"
)

// Kind is the store kind of local directories in plans.
const Kind = "file"

// Settings locate a directory of the worker's filesystem in a plan: kind
// "file". A plan's primary written {kind: file, root: /srv/export} copies
// the files under /srv/export, keys being their paths below it.
type Settings struct {
	// Root is the directory, an absolute path on every worker. Required.
	Root string `json:"root"`
}

var _ store.Settings = (*Settings)(nil)

// Kind implements store.Settings.
func (s *Settings) Kind() string { return Kind }

// Normalize implements store.Settings: the root is cleaned.
func (s *Settings) Normalize() {
	if s.Root != "" {
		s.Root = filepath.Clean(s.Root)
	}
}

// Validate implements store.Settings.
func (s *Settings) Validate(r kind.Reporter, _ store.Role) {
	switch {
	case s.Root == "":
		r.Add("root", "is required", "name the directory, such as /srv/export")
	case strings.ContainsAny(s.Root, "\x00\n\r"):
		r.Add("root", "holds a control character", "name the directory by a plain absolute path")
	case !filepath.IsAbs(s.Root):
		r.Addf("root", "write an absolute path, the same on every worker", "%q is not an absolute path", s.Root)
	}
}

// Place implements store.Settings: file:///root.
func (s *Settings) Place() store.Place { return store.Place{Kind: Kind, Bucket: s.Root} }

// Same implements store.Settings: the same directory.
func (s *Settings) Same(o store.Settings) bool {
	b, ok := o.(*Settings)
	return ok && filepath.Clean(s.Root) == filepath.Clean(b.Root)
}

// Open implements store.Settings.
func (s *Settings) Open(_ context.Context, _ store.Env) (store.Store, error) {
	return New(s.Root)
}

func init() {
	store.Register(store.Backend{Kind: Kind, New: func() store.Settings { return &Settings{} }})
}
