package routing

import (
	"context"

	"github.com/ocimove/ocimove/internal/kind"
)

// Settings are what a plan holds for a routing target of one kind (its
// cutover.target, beside "kind"): a path, or references to the secrets
// the workers resolve (of type secret.Ref), never a secret. Each backend
// package defines its settings type and registers it (Register); a plan
// decodes the target into the settings of its kind, strictly: the type's
// json tags are the plan's keys.
type Settings interface {
	// Kind returns the kind the settings are registered under ("postgres").
	Kind() string
	// Normalize fills the defaults and writes values in canonical form.
	Normalize()
	// Validate reports every problem of the normalized settings, each at
	// its field relative to the target. It needs no credentials and no
	// network.
	Validate(r kind.Reporter)
	// Open opens the target, resolving secret references with env.Lookup.
	Open(ctx context.Context, env Env) (Target, error)
}

// Env is what the caller gives a kind to open a target.
type Env struct {
	// Lookup resolves env: and profile: secret references (see
	// secret.Ref.Resolve). Nil resolves none: file: references still
	// resolve.
	Lookup func(string) (string, bool)
	// ReadOnly says the caller only reads routes and history (a report):
	// opening the target changes nothing there (no schema is created).
	ReadOnly bool
}

// Backend is a registered routing target kind.
type Backend struct {
	// Kind names the kind in plans ("postgres"): a lower-case word.
	Kind string
	// New returns empty settings of the kind, for a plan to decode into.
	New func() Settings
}

// Kinds holds the registered routing target kinds, by name (Lookup,
// Names, Choices). "kind" is the plan's own key beside a target's
// settings: no kind may be named so.
var Kinds = kind.NewRegistry[Backend]("routing target kind", "kind")

// Register makes a routing target kind known to plans and workers.
// Backend packages call it from init; it panics if the kind is already
// registered.
func Register(b Backend) {
	if b.New == nil {
		panic("routing: Register " + b.Kind + ": Backend.New is nil")
	}
	Kinds.Register(b.Kind, b)
}
