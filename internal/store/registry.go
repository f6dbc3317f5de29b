package store

import (
	"context"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/observe"
)

// Settings are what a plan holds for one location of a store kind: the
// bucket (or root) and how the workers authenticate, never a secret (only
// references, of type secret.Ref, which the workers resolve). Each backend
// package defines its settings type and registers it (Register); a plan
// decodes a location into the settings of its kind, strictly: the type's
// json tags are the plan's keys.
//
// Settings values are pointers to structs, so that a plan can decode into
// them and normalize them in place.
type Settings interface {
	// Kind returns the kind the settings are registered under ("s3").
	Kind() string
	// Normalize fills the defaults and writes values in their canonical
	// form (lower-case regions, for example). It is idempotent.
	Normalize()
	// Validate reports every problem of the normalized settings used in
	// role, each at its field relative to the settings. It needs no
	// credentials and no network.
	Validate(r kind.Reporter, role Role)
	// Place describes the location, for reports, routing and messages.
	Place() Place
	// Same reports whether o locates the same data: a purge of o would
	// delete what these settings locate.
	Same(o Settings) bool
	// Open opens the store with the worker's credentials, resolving
	// secret references with env.Lookup and reporting retries and
	// throttling to env.Observer.
	Open(ctx context.Context, env Env) (Store, error)
}

// Role is what a plan uses a location for.
type Role string

// Location roles.
const (
	// RoleSource is the primary source, copied from (and written to by a
	// reverse sync).
	RoleSource Role = "source"
	// RoleCopy is a replica or backup of the source, purged at the end.
	RoleCopy Role = "copy"
	// RoleDestination is where the data moves to, and where manifests and
	// evidence are written.
	RoleDestination Role = "destination"
)

// Env is what a worker gives a kind to open a store.
type Env struct {
	// Lookup resolves env: and profile: secret references (see
	// secret.Ref.Resolve). Nil resolves none: file: references still
	// resolve.
	Lookup func(string) (string, bool)
	// Observer receives the store's Retry and Throttled events (nil drops
	// them).
	Observer observe.Observer
}

// Place describes a location for people and for routing, as its settings
// name it (not as derived from an endpoint).
type Place struct {
	// Kind is the store kind ("s3", "oci", "file").
	Kind string `json:"kind"`
	// Bucket is the bucket, or what stands for it (a file store's root).
	Bucket string `json:"bucket"`
	// Region is the region the settings name, "" when the kind has none.
	Region string `json:"region,omitempty"`
	// Namespace is the namespace that scopes the bucket (OCI), "" when the
	// worker discovers it or the kind has none.
	Namespace string `json:"namespace,omitempty"`
	// Namespaced reports that the kind scopes buckets in a namespace, so
	// that an empty Namespace means "discovered by the worker".
	Namespaced bool `json:"-"`
	// Endpoint is the endpoint the settings override, if any.
	Endpoint string `json:"endpoint,omitempty"`
}

// URL names the location as routing records it: "s3://bucket",
// "oci://namespace/bucket" (with an empty namespace when the worker
// discovers it), "file:///root".
func (p Place) URL() string {
	if p.Namespaced {
		return p.Kind + "://" + p.Namespace + "/" + p.Bucket
	}
	return p.Kind + "://" + p.Bucket
}

// String names the location for people: its URL, with "<namespace>" for a
// namespace the worker discovers.
func (p Place) String() string {
	if p.Namespaced && p.Namespace == "" {
		return p.Kind + "://<namespace>/" + p.Bucket
	}
	return p.URL()
}

// Rebucketer is implemented by settings whose store reaches other buckets
// with the same settings (S3, OCI), so that a plan can keep its manifests
// in a bucket of their own.
type Rebucketer interface {
	// InBucket returns a copy of the settings that names bucket instead,
	// written to with the bucket's defaults (no storage tier of its own).
	InBucket(bucket string) Settings
}

// Backend is a registered store kind.
type Backend struct {
	// Kind names the kind in plans ("s3"): a lower-case word.
	Kind string
	// New returns empty settings of the kind, for a plan to decode into.
	New func() Settings
}

// Kinds holds the registered store kinds, by name (Lookup, Names,
// Choices). A plan's copy holds a kind's settings under the kind's name
// beside "name" and "role", and every location may name its kind with
// "kind": those names are reserved.
var Kinds = kind.NewRegistry[Backend]("store kind", "kind", "name", "role")

// Register makes a store kind known to plans and workers. Backend packages
// call it from init; it panics if the kind is already registered.
func Register(b Backend) {
	if b.New == nil {
		panic("store: Register " + b.Kind + ": Backend.New is nil")
	}
	Kinds.Register(b.Kind, b)
}
