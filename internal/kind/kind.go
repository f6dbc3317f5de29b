// Package kind is what the store and routing registries share: a registry
// of named kinds, the Reporter through which a kind's settings report what
// is wrong with them, and the checks every kind's settings use.
//
// A kind is registered once, from its package's init function (rclone's
// fs.Register is the model), so that linking the package is what makes the
// kind known to plans and workers.
package kind

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Reporter collects what is wrong with one kind's settings. Fields are
// paths relative to the settings ("bucket", "auth.method"; "" for the
// settings as a whole), with the plan's key names; the plan prefixes them
// with the settings' place in the plan. Messages and hints never hold a
// secret value.
type Reporter interface {
	// Add reports that field is wrong: msg says what, hint what to do.
	Add(field, msg, hint string)
	// Addf is Add with a formatted message.
	Addf(field, hint, format string, args ...any)
}

// name is what a kind may be called: a lower-case word, which a plan can
// write as a key.
var name = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Registry holds the registered kinds of one family (store kinds, routing
// target kinds), by name. It is safe for concurrent use.
type Registry[T any] struct {
	what     string
	reserved []string
	mu       sync.RWMutex
	byName   map[string]T
}

// NewRegistry returns an empty registry of what ("store kind"). Reserved
// names cannot be registered: they are the plan's own keys beside a
// kind's settings.
func NewRegistry[T any](what string, reserved ...string) *Registry[T] {
	return &Registry[T]{what: what, reserved: reserved, byName: map[string]T{}}
}

// Register adds the kind n. It panics on a malformed, reserved or repeated
// name: registration happens at init, and such a name is a programming
// error.
func (r *Registry[T]) Register(n string, v T) {
	if !name.MatchString(n) || slices.Contains(r.reserved, n) {
		panic(fmt.Sprintf("kind: cannot register %s %q: use a lower-case word that is not one of %s", r.what, n, strings.Join(r.reserved, ", ")))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[n]; dup {
		panic(fmt.Sprintf("kind: %s %q is registered twice", r.what, n))
	}
	r.byName[n] = v
}

// Lookup returns the kind n, and whether it is registered.
func (r *Registry[T]) Lookup(n string) (T, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, ok := r.byName[n]
	return v, ok
}

// Names returns the registered names, sorted.
func (r *Registry[T]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.byName))
	for n := range r.byName {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Choices lists the registered names for a hint: "file, oci or s3".
func (r *Registry[T]) Choices() string {
	names := r.Names()
	switch len(names) {
	case 0:
		return "(none is linked into this program)"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// What names the registry's family, for messages: "store kind".
func (r *Registry[T]) What() string { return r.what }
