package pgroute

import (
	"context"
	"fmt"
	"regexp"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/secret"
)

// Kind is the routing target kind of PostgreSQL shard maps in plans.
const Kind = "postgres"

// Settings are a plan's PostgreSQL shard map target: kind "postgres".
type Settings struct {
	// DSNRef refers to the PostgreSQL connection string. Required.
	DSNRef secret.Ref `json:"dsnRef,omitempty"`
	// Table is the shard map table. Default DefaultTable.
	Table string `json:"table,omitempty"`
}

var (
	_ routing.Settings = (*Settings)(nil)
	_ routing.History  = (*Target)(nil)
)

var table = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// Kind implements routing.Settings.
func (s *Settings) Kind() string { return Kind }

// Normalize implements routing.Settings.
func (s *Settings) Normalize() {}

// Validate implements routing.Settings.
func (s *Settings) Validate(r kind.Reporter) {
	if s.DSNRef == "" {
		r.Add("dsnRef", "is required for a postgres target: it refers to the PostgreSQL connection string",
			"write a reference: env:NAME, profile:NAME or file:/path")
	}
	if s.Table != "" && !table.MatchString(s.Table) {
		r.Addf("table", "use an identifier, optionally schema-qualified, such as routing.shards", "%q is not a table name", s.Table)
	}
}

// Open implements routing.Settings: it connects and, unless env.ReadOnly,
// creates the tables (idempotent, and safe from several workers at once).
func (s *Settings) Open(ctx context.Context, env routing.Env) (routing.Target, error) {
	dsn, err := s.DSNRef.Resolve(env.Lookup)
	if err != nil {
		return nil, fmt.Errorf("dsnRef: %w", err)
	}
	t, err := New(ctx, Config{DSN: dsn, Table: s.Table})
	if err != nil {
		return nil, err
	}
	if !env.ReadOnly {
		if err := t.EnsureSchema(ctx); err != nil {
			t.Close()
			return nil, err
		}
	}
	return t, nil
}

func init() {
	routing.Register(routing.Backend{Kind: Kind, New: func() routing.Settings { return &Settings{} }})
}
