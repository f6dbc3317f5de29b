package pgroute_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/testing/routingtest"
)

// otherRole creates a login role for this test that owns one schema,
// ROLE_map (not named after the role, so that it is not on the role's
// default search path), and returns that schema and the role's DSN; both
// go when the test ends.
func otherRole(t *testing.T, adminDSN string) (string, string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminDSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	role, pw := "ocimove_pgr_"+hex.EncodeToString(b), "pw-"+hex.EncodeToString(b)
	_, err = conn.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", role, pw))
	require.NoError(t, err, "the role of OCIMOVE_TEST_PG_DSN needs CREATEROLE (scripts/postgres.sh grants it)")
	for _, q := range []string{"GRANT " + role + " TO CURRENT_USER", "CREATE SCHEMA " + role + "_map AUTHORIZATION " + role} {
		_, err = conn.Exec(ctx, q)
		require.NoError(t, err, q)
	}
	t.Cleanup(func() {
		for _, q := range []string{"DROP SCHEMA " + role + "_map CASCADE", "DROP OWNED BY " + role, "DROP ROLE " + role} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Logf("clean up PostgreSQL: %s: %v", q, err)
			}
		}
	})
	u, err := url.Parse(adminDSN)
	require.NoError(t, err)
	u.User = url.UserPassword(role, pw)
	return role + "_map", u.String()
}

// TestRolesWithSchemasOfTheirOwn: a second role whose shard map lives in
// a schema it owns sets it up and uses it beside the first role's shard
// map in the default schema. The history's trigger function lives with
// the history table, so the second role never has to replace a function
// the first owns (which PostgreSQL refuses: "must be owner of function").
func TestRolesWithSchemasOfTheirOwn(t *testing.T) {
	admin := dsn(t)
	first := newTarget(t, "") // the default table and its function, owned by the test's role
	schema, other := otherRole(t, admin)
	tg, err := pgroute.New(t.Context(), pgroute.Config{DSN: other, Table: schema + ".shards"})
	require.NoError(t, err)
	t.Cleanup(tg.Close)
	require.NoError(t, tg.EnsureSchema(t.Context()), "a role sets up its shard map in its own schema")
	require.NoError(t, tg.EnsureSchema(t.Context()), "and again")

	shard := routingtest.Shard(t)
	_, err = tg.Register(t.Context(), shard, "s3://src/"+shard)
	require.NoError(t, err)
	_, err = tg.Pool().Exec(t.Context(), fmt.Sprintf(`DELETE FROM %s.shards_history WHERE shard = $1`, schema), shard)
	require.ErrorContains(t, err, "append-only", "its history is append-only too")
	require.NoError(t, first.EnsureSchema(t.Context()), "the first role's shard map is untouched")
}

// TestEnsureSchemaNamesMissingPrivilege: a role that may not create the
// shard map's tables gets an error that says so and what to do.
func TestEnsureSchemaNamesMissingPrivilege(t *testing.T) {
	admin := dsn(t)
	newTarget(t, "") // the default tables exist, owned by the test's role
	_, other := otherRole(t, admin)
	tg, err := pgroute.New(t.Context(), pgroute.Config{DSN: other, Table: "public.ocimove_shard_routes"})
	require.NoError(t, err)
	t.Cleanup(tg.Close)
	err = tg.EnsureSchema(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "this role may not create or replace them")
	assert.Contains(t, err.Error(), "settings.table: schema.table")
}
