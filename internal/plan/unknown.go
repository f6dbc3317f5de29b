package plan

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

// unknownKind holds the settings of a kind this program does not link, as
// written, so that such a plan decodes and encodes unchanged (a tool
// reading a stored plan); Validate refuses it, naming the kind.
type unknownKind struct {
	kind string
	raw  json.RawMessage // the settings object, without "kind"
}

func (u *unknownKind) Kind() string { return u.kind }

func (u *unknownKind) Normalize() {}

func (u *unknownKind) MarshalJSON() ([]byte, error) {
	if len(u.raw) == 0 {
		return []byte("{}"), nil
	}
	return u.raw, nil
}

// unknownStore is a location of an unknown store kind.
type unknownStore struct{ unknownKind }

var _ store.Settings = (*unknownStore)(nil)

func (u *unknownStore) Validate(r kind.Reporter, _ store.Role) {
	msg, hint := unknownStoreKind(u.kind)
	r.Add("kind", msg, hint)
}

func (u *unknownStore) Place() store.Place { return store.Place{Kind: u.kind} }

func (u *unknownStore) Same(store.Settings) bool { return false }

func (u *unknownStore) Open(context.Context, store.Env) (store.Store, error) {
	return nil, fmt.Errorf("store kind %q is not linked into this program", u.kind)
}

// unknownTarget is a routing target of an unknown kind.
type unknownTarget struct{ unknownKind }

var _ routing.Settings = (*unknownTarget)(nil)

func (u *unknownTarget) Validate(r kind.Reporter) {
	msg, hint := unknownTargetKind(u.kind)
	r.Add("kind", msg, hint)
}

func (u *unknownTarget) Open(context.Context, routing.Env) (routing.Target, error) {
	return nil, fmt.Errorf("routing target kind %q is not linked into this program", u.kind)
}

// unknownStoreKind describes a location of unknown kind k.
func unknownStoreKind(k string) (msg, hint string) {
	return fmt.Sprintf("unknown store kind %q", k), "use " + store.Kinds.Choices()
}

// unknownTargetKind describes a routing target of unknown kind k.
func unknownTargetKind(k string) (msg, hint string) {
	return fmt.Sprintf("unknown routing target %q", k), "use " + routing.Kinds.Choices()
}
