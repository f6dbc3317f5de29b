package pgroute

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// insufficientPrivilege is PostgreSQL's SQLSTATE 42501 (also "must be owner of").
const insufficientPrivilege = "42501"

// schemaLockKey serializes EnsureSchema across processes (an advisory lock).
const schemaLockKey = 0x6f63696d6f7665 // "ocimove"

const schemaSQL = `
CREATE TABLE IF NOT EXISTS {{table}} (
	shard        text PRIMARY KEY,
	state        text NOT NULL CHECK (state IN ('source', 'read-only', 'destination')),
	location     text NOT NULL,
	version      bigint NOT NULL DEFAULT 0 CHECK (version >= 0),
	operation_id text NOT NULL DEFAULT '',
	drain_ack    boolean NOT NULL DEFAULT false,
	drain_ack_op text NOT NULL DEFAULT '',
	updated_at   timestamptz NOT NULL DEFAULT now(),
	actor        text NOT NULL DEFAULT '',
	owner        text NOT NULL DEFAULT ''
);
ALTER TABLE {{table}} ADD COLUMN IF NOT EXISTS owner text NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS {{history}} (
	id           bigserial PRIMARY KEY,
	shard        text NOT NULL,
	kind         text NOT NULL,
	from_state   text NOT NULL DEFAULT '',
	to_state     text NOT NULL,
	location     text NOT NULL,
	version      bigint NOT NULL,
	operation_id text NOT NULL DEFAULT '',
	actor        text NOT NULL DEFAULT '',
	reason       text NOT NULL DEFAULT '',
	at           timestamptz NOT NULL DEFAULT now(),
	owner        text NOT NULL DEFAULT ''
);
ALTER TABLE {{history}} ADD COLUMN IF NOT EXISTS owner text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS {{historyIndex}} ON {{history}} (shard, id);
CREATE OR REPLACE FUNCTION {{historyFunction}}() RETURNS trigger
	LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the routing history table % is append-only', TG_TABLE_NAME;
END
$$;
CREATE OR REPLACE TRIGGER {{historyTrigger}}
	BEFORE UPDATE OR DELETE ON {{history}}
	FOR EACH ROW EXECUTE FUNCTION {{historyFunction}}();
`

// EnsureSchema creates the shard map and its history table if they do not
// exist. It is idempotent and safe to call from several processes at once.
// The history's trigger function lives beside the history table, in its
// schema, so that roles that each keep their shard map in a schema of their
// own never need to own one function in a shared schema.
func (t *Target) EnsureSchema(ctx context.Context) error {
	idx := pgx.Identifier{t.historyName + "_shard_idx"}.Sanitize()
	trg := pgx.Identifier{t.historyName + "_append_only"}.Sanitize()
	fn := append(pgx.Identifier(nil), t.historyIdent...)
	fn[len(fn)-1] = t.historyName + "_append_only"
	sql := strings.NewReplacer(
		"{{table}}", t.table, "{{history}}", t.history,
		"{{historyIndex}}", idx, "{{historyTrigger}}", trg, "{{historyFunction}}", fn.Sanitize(),
	).Replace(schemaSQL)
	err := pgx.BeginFunc(ctx, t.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLockKey)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, sql)
		return err
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == insufficientPrivilege {
		return fmt.Errorf("pgroute: create the tables %s and %s: %w (this role may not create or replace them: "+
			"another role owns them, or the role lacks CREATE on their schema; run the worker once as their owner, "+
			"grant CREATE, or name a table in a schema this role owns: settings.table: schema.table)", t.table, t.history, err)
	}
	if err != nil {
		return fmt.Errorf("pgroute: create the tables %s and %s: %w", t.table, t.history, err)
	}
	return nil
}
