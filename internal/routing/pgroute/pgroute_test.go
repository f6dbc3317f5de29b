package pgroute_test

import (
	"context"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/testing/routingtest"
)

// dsn returns the test database's DSN, skipping the test when none is set
// (failing instead under OCIMOVE_REQUIRE_ALL=1).
func dsn(t *testing.T) string {
	t.Helper()
	d := os.Getenv("OCIMOVE_TEST_PG_DSN")
	if d == "" {
		if os.Getenv("OCIMOVE_REQUIRE_ALL") == "1" {
			t.Fatal("OCIMOVE_TEST_PG_DSN is not set; run: export OCIMOVE_TEST_PG_DSN=\"$(scripts/postgres.sh)\"")
		}
		t.Skip("OCIMOVE_TEST_PG_DSN is not set; run: export OCIMOVE_TEST_PG_DSN=\"$(scripts/postgres.sh)\"")
	}
	return d
}

func newTarget(t *testing.T, table string) *pgroute.Target {
	t.Helper()
	tg, err := pgroute.New(t.Context(), pgroute.Config{DSN: dsn(t), Table: table})
	require.NoError(t, err)
	t.Cleanup(tg.Close)
	require.NoError(t, tg.EnsureSchema(t.Context()))
	require.NoError(t, tg.EnsureSchema(t.Context()), "EnsureSchema is idempotent")
	return tg
}

func TestConformance(t *testing.T) {
	tg := newTarget(t, "")
	routingtest.Run(t, func(t *testing.T) routing.Target { return tg }, routingtest.Options{Goroutines: 8, Rounds: 5})
}

// TestSchemaQualifiedTable runs the suite on a table in its own schema, so
// that table names are quoted everywhere.
func TestSchemaQualifiedTable(t *testing.T) {
	d := dsn(t)
	conn, err := pgx.Connect(t.Context(), d)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), `CREATE SCHEMA IF NOT EXISTS "ocimove test"`)
	require.NoError(t, err)
	tg := newTarget(t, `ocimove test.Shard "Map"`)
	routingtest.Run(t, func(t *testing.T) routing.Target { return tg }, routingtest.Options{Goroutines: 3, Rounds: 2})
}

// TestApplicationView reads the shard map the way an application would, and
// acknowledges a drain with the documented SQL.
func TestApplicationView(t *testing.T) {
	tg := newTarget(t, "")
	ctx := t.Context()
	shard := routingtest.Shard(t)
	r, err := tg.Register(ctx, shard, "s3://src/"+shard)
	require.NoError(t, err)
	_, err = tg.Set(ctx, routing.Change{Shard: shard, To: routing.StateReadOnly, ExpectedVersion: r.Version, OperationID: "op-freeze", Actor: "test", Owner: "mig-1"})
	require.NoError(t, err)

	var state, location, op string
	var version int64
	require.NoError(t, tg.Pool().QueryRow(ctx,
		`SELECT state, location, version, operation_id FROM ocimove_shard_routes WHERE shard = $1`, shard).
		Scan(&state, &location, &version, &op))
	assert.Equal(t, "read-only", state)
	assert.Equal(t, "s3://src/"+shard, location)
	assert.EqualValues(t, 1, version)
	assert.Equal(t, "op-freeze", op)

	tag, err := tg.Pool().Exec(ctx, `UPDATE ocimove_shard_routes SET drain_ack = true, drain_ack_op = operation_id
		WHERE shard = $1 AND state = 'read-only'`, shard)
	require.NoError(t, err)
	require.EqualValues(t, 1, tag.RowsAffected())
	ok, err := tg.DrainAcknowledged(ctx, shard, "op-freeze")
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestHistoryIsAppendOnly(t *testing.T) {
	tg := newTarget(t, "")
	ctx := t.Context()
	shard := routingtest.Shard(t)
	_, err := tg.Register(ctx, shard, "s3://src/"+shard)
	require.NoError(t, err)
	_, err = tg.Pool().Exec(ctx, `UPDATE ocimove_shard_routes_history SET actor = 'mallory' WHERE shard = $1`, shard)
	require.ErrorContains(t, err, "append-only")
	_, err = tg.Pool().Exec(ctx, `DELETE FROM ocimove_shard_routes_history WHERE shard = $1`, shard)
	require.ErrorContains(t, err, "append-only")
	h, err := tg.History(ctx, shard)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, "register", h[0].Actor)
}

func TestBadConfig(t *testing.T) {
	ctx := t.Context()
	_, err := pgroute.New(ctx, pgroute.Config{})
	require.ErrorContains(t, err, "DSN is empty")

	const secret = "s3cr3t-pa55"
	_, err = pgroute.New(ctx, pgroute.Config{DSN: "postgres://u:" + secret + "@127.0.0.1:notaport/db"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret, "an error must not show the password")

	_, err = pgroute.New(ctx, pgroute.Config{DSN: "postgres://u:x@127.0.0.1:5/db", Table: "a.b.c"})
	require.ErrorContains(t, err, "schema.table")

	// A port nothing listens on: a clear error, without the password.
	_, err = pgroute.New(ctx, pgroute.Config{DSN: "postgres://u:" + secret + "@127.0.0.1:1/db?connect_timeout=2"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "127.0.0.1:1/db")
	assert.NotContains(t, err.Error(), secret)
}

func TestStringHidesPassword(t *testing.T) {
	u, err := url.Parse(dsn(t))
	require.NoError(t, err)
	pw, ok := u.User.Password()
	require.True(t, ok, "the test DSN carries a password")
	tg := newTarget(t, "")
	assert.NotContains(t, tg.String(), ":"+pw+"@")
	assert.NotContains(t, tg.String(), "password")
	assert.Contains(t, tg.String(), "ocimove_shard_routes")
}

func TestMissingSchema(t *testing.T) {
	d := dsn(t)
	tg, err := pgroute.New(t.Context(), pgroute.Config{DSN: d, Table: "ocimove_never_created"})
	require.NoError(t, err)
	defer tg.Close()
	_, err = tg.Get(t.Context(), "x/")
	require.ErrorContains(t, err, "EnsureSchema")
}
