// Package pgroute is a routing target kept in a PostgreSQL shard map: one row
// per shard, which the application reads to learn where the shard is served.
//
// The table (default name ocimove_shard_routes; EnsureSchema creates it):
//
//	shard         text primary key
//	state         text      'source', 'read-only' or 'destination'
//	location      text      the store serving the shard
//	version       bigint    +1 on every change
//	operation_id  text      the change that produced this version
//	drain_ack     boolean   the application saw writes drain ...
//	drain_ack_op  text      ... under this (freeze) operation
//	updated_at    timestamptz
//	actor         text
//
// Every change is a compare-and-set in one statement (UPDATE ... WHERE
// shard = $1 AND version = $2), in a transaction with an insert into the
// append-only history table (<table>_history: who, what, when, why and the
// operation id; updates and deletes there are refused by a trigger).
//
// An application acknowledges that writes to a frozen shard have drained with:
//
//	UPDATE ocimove_shard_routes SET drain_ack = true, drain_ack_op = operation_id
//	 WHERE shard = $1 AND state = 'read-only';
//
// (Target.AckDrain does the same and records it in the history.)
package pgroute

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ocimove/ocimove/internal/routing"
)

// DefaultTable is the shard map's default table name.
const DefaultTable = "ocimove_shard_routes"

// Config configures a Target.
type Config struct {
	// DSN is the PostgreSQL connection string (URL or key=value form). It
	// holds a password: it is never logged nor put in an error.
	DSN string
	// Table is the shard map's table, optionally schema-qualified
	// ("routing.shards"); default DefaultTable. The history table is the same
	// name with "_history" appended.
	Table string
	// MaxConns bounds the connection pool; 0 keeps pgxpool's default.
	MaxConns int32
}

// Target is a routing.Target on a PostgreSQL shard map.
type Target struct {
	pool    *pgxpool.Pool
	table   string // sanitized identifiers, ready for SQL
	history string
	// historyName is the history table's unqualified, unquoted name, from
	// which index and trigger names derive.
	historyName string
	// historyIdent is the history table's identifier, schema included.
	historyIdent pgx.Identifier
	name         string // for String, without secrets
}

var (
	_ routing.Target            = (*Target)(nil)
	_ routing.DrainAcknowledger = (*Target)(nil)
)

// New connects to the database and checks that it answers. It does not
// create the tables; call EnsureSchema for that.
func New(ctx context.Context, cfg Config) (*Target, error) {
	if strings.TrimSpace(cfg.DSN) == "" {
		return nil, errors.New("pgroute: the DSN is empty; set the routing target's connection string (for tests: OCIMOVE_TEST_PG_DSN)")
	}
	table, history, historyName, historyIdent, err := tableNames(cfg.Table)
	if err != nil {
		return nil, err
	}
	pcfg, err := pgxpool.ParseConfig(cfg.DSN)
	if err != nil {
		// pgx's message can quote the connection string; redaction there is
		// best effort, so none of it is passed on.
		return nil, errors.New("pgroute: the DSN cannot be parsed; check its syntax (postgres://user:password@host:port/db?sslmode=...) — its value is not shown")
	}
	if cfg.MaxConns > 0 {
		pcfg.MaxConns = cfg.MaxConns
	}
	cc := pcfg.ConnConfig
	t := &Target{
		table:        table,
		history:      history,
		historyName:  historyName,
		historyIdent: historyIdent,
		name:         fmt.Sprintf("postgres shard map %s at %s:%d/%s as %s", table, cc.Host, cc.Port, cc.Database, cc.User),
	}
	t.pool, err = pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("pgroute: %s: %w", t.name, err)
	}
	if err := t.pool.Ping(ctx); err != nil {
		t.pool.Close()
		return nil, fmt.Errorf("pgroute: connect to %s: %w (is PostgreSQL running? scripts/postgres.sh starts one for tests)", t.name, err)
	}
	return t, nil
}

// tableNames validates and quotes the table and history table names, and
// returns the history table's bare name.
func tableNames(table string) (tbl, hist, histName string, histIdent pgx.Identifier, err error) {
	if table == "" {
		table = DefaultTable
	}
	parts := strings.Split(table, ".")
	if len(parts) > 2 {
		return "", "", "", nil, fmt.Errorf("pgroute: table %q: use table or schema.table", table)
	}
	for _, p := range parts {
		if p == "" || strings.ContainsRune(p, 0) {
			return "", "", "", nil, fmt.Errorf("pgroute: table %q: an empty or invalid name part", table)
		}
	}
	h := append([]string(nil), parts...)
	h[len(h)-1] += "_history"
	return pgx.Identifier(parts).Sanitize(), pgx.Identifier(h).Sanitize(), h[len(h)-1], pgx.Identifier(h), nil
}

// String describes the target without its password.
func (t *Target) String() string { return t.name }

// Close closes the connection pool.
func (t *Target) Close() { t.pool.Close() }

// Pool returns the connection pool, for callers that read the shard map
// directly (tests, the demo application).
func (t *Target) Pool() *pgxpool.Pool { return t.pool }

// pgErr wraps a database error with the operation and shard.
func pgErr(op, shard string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		return fmt.Errorf("pgroute: %s shard %q: %w (run EnsureSchema first)", op, shard, err)
	}
	return fmt.Errorf("pgroute: %s shard %q: %w", op, shard, err)
}
