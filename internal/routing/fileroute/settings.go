package fileroute

import (
	"context"
	"strings"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/routing"
)

// Kind is the routing target kind of routing files in plans.
const Kind = "file"

// Settings are a plan's routing file target: kind "file".
type Settings struct {
	// Path is the routing file; its directory must exist on the workers.
	// Required.
	Path string `json:"path,omitempty"`
}

var (
	_ routing.Settings = (*Settings)(nil)
	_ routing.History  = (*Target)(nil)
)

// Kind implements routing.Settings.
func (s *Settings) Kind() string { return Kind }

// Normalize implements routing.Settings.
func (s *Settings) Normalize() {}

// Validate implements routing.Settings.
func (s *Settings) Validate(r kind.Reporter) {
	if strings.TrimSpace(s.Path) == "" {
		r.Add("path", "is required for a file target", "name the routing file, such as /var/lib/ocimove/routes.json")
	}
}

// Open implements routing.Settings.
func (s *Settings) Open(context.Context, routing.Env) (routing.Target, error) { return New(s.Path) }

func init() {
	routing.Register(routing.Backend{Kind: Kind, New: func() routing.Settings { return &Settings{} }})
}
