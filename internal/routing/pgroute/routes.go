package pgroute

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ocimove/ocimove/internal/routing"
)

// routeColumns selects a routing.Route from the shard map (alias r). A drain
// acknowledgement counts only for the operation that is current.
const routeColumns = `r.shard, r.state, r.location, r.version, r.operation_id,
	r.drain_ack AND r.drain_ack_op = r.operation_id AND r.operation_id <> '', r.updated_at, r.actor, r.owner`

func scanRoute(row pgx.Row) (routing.Route, error) {
	var r routing.Route
	var state string
	err := row.Scan(&r.Shard, &state, &r.Location, &r.Version, &r.OperationID, &r.DrainAck, &r.UpdatedAt, &r.Actor, &r.Owner)
	r.State = routing.State(state)
	r.UpdatedAt = r.UpdatedAt.UTC()
	return r, err
}

// Register implements routing.Target.
func (t *Target) Register(ctx context.Context, shard, sourceLocation string) (routing.Route, error) {
	if err := routing.ValidateRegistration(shard, sourceLocation); err != nil {
		return routing.Route{}, err
	}
	var out routing.Route
	err := pgx.BeginFunc(ctx, t.pool, func(tx pgx.Tx) error {
		r, err := scanRoute(tx.QueryRow(ctx, `
			INSERT INTO `+t.table+` AS r (shard, state, location, version, operation_id, updated_at, actor)
			VALUES ($1, 'source', $2, 0, '', now(), 'register')
			ON CONFLICT (shard) DO NOTHING
			RETURNING `+routeColumns, shard, sourceLocation))
		if errors.Is(err, pgx.ErrNoRows) { // already registered
			out, err = scanRoute(tx.QueryRow(ctx, `SELECT `+routeColumns+` FROM `+t.table+` r WHERE r.shard = $1`, shard))
			return err
		}
		if err != nil {
			return err
		}
		out = r
		return t.record(ctx, tx, routing.HistoryEntry{
			Shard: shard, Kind: routing.EventRegister, To: r.State, Location: r.Location,
			Version: r.Version, Actor: r.Actor,
		})
	})
	if err != nil {
		return routing.Route{}, pgErr("register", shard, err)
	}
	return out, nil
}

// Get implements routing.Target.
func (t *Target) Get(ctx context.Context, shard string) (routing.Route, error) {
	r, err := scanRoute(t.pool.QueryRow(ctx, `SELECT `+routeColumns+` FROM `+t.table+` r WHERE r.shard = $1`, shard))
	if errors.Is(err, pgx.ErrNoRows) {
		return routing.Route{}, routing.UnknownShardError(shard)
	}
	if err != nil {
		return routing.Route{}, pgErr("get", shard, err)
	}
	return r, nil
}

// Set implements routing.Target.
func (t *Target) Set(ctx context.Context, c routing.Change) (routing.Route, error) {
	if err := c.Validate(); err != nil {
		return routing.Route{}, err
	}
	for range 3 {
		r, err := t.set(ctx, c)
		if !errors.Is(err, errRetry) {
			return r, err
		}
	}
	return routing.Route{}, fmt.Errorf("pgroute: set shard %q: the row kept changing under the statement; try again", c.Shard)
}

// set is one attempt of Set.
func (t *Target) set(ctx context.Context, c routing.Change) (routing.Route, error) {
	var out routing.Route
	var result error // a routing outcome (conflict, unknown shard), not a database failure
	err := pgx.BeginFunc(ctx, t.pool, func(tx pgx.Tx) error {
		// The compare-and-set. The self-join reads the state before the
		// change for the history: if the version still matches once the row
		// is locked, nothing changed it since the statement's snapshot
		// (every change increments the version).
		var from string
		row := tx.QueryRow(ctx, `
			UPDATE `+t.table+` AS r SET
				state = $3,
				location = CASE WHEN $4 = '' THEN r.location ELSE $4 END,
				version = r.version + 1,
				operation_id = $5,
				drain_ack = false,
				drain_ack_op = '',
				updated_at = now(),
				actor = $6,
				owner = $7
			FROM `+t.table+` AS old
			WHERE r.shard = $1 AND r.version = $2 AND old.shard = r.shard
			RETURNING old.state, `+routeColumns,
			c.Shard, c.ExpectedVersion, string(c.To), c.Location, c.OperationID, c.Actor, c.Owner)
		var r routing.Route
		var state string
		err := row.Scan(&from, &r.Shard, &state, &r.Location, &r.Version, &r.OperationID, &r.DrainAck, &r.UpdatedAt, &r.Actor, &r.Owner)
		if err == nil {
			r.State, r.UpdatedAt = routing.State(state), r.UpdatedAt.UTC()
			out = r
			return t.record(ctx, tx, routing.HistoryEntry{
				Shard: c.Shard, Kind: routing.EventSet, From: routing.State(from), To: r.State,
				Location: r.Location, Version: r.Version, OperationID: c.OperationID, Actor: c.Actor, Owner: c.Owner, Reason: c.Reason,
			})
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// Not applied: an unknown shard, our own change already applied, or
		// a conflict. Read the current row, locked so the answer holds until
		// the transaction ends.
		cur, err := scanRoute(tx.QueryRow(ctx, `SELECT `+routeColumns+` FROM `+t.table+` r WHERE r.shard = $1 FOR SHARE`, c.Shard))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			result = routing.UnknownShardError(c.Shard)
		case err != nil:
			return err
		case routing.AlreadyApplied(cur, c):
			out = cur
		case cur.Version == c.ExpectedVersion:
			// The row was registered after this statement's snapshot was taken.
			result = errRetry
		default:
			result = &routing.ConflictError{Change: c, Current: cur}
		}
		return nil
	})
	if err != nil {
		return routing.Route{}, pgErr("set", c.Shard, err)
	}
	if result != nil {
		return routing.Route{}, result
	}
	return out, nil
}

// errRetry asks Set to run again: the row appeared after the snapshot.
var errRetry = errors.New("retry")

// AckDrain records the application's acknowledgement that writes to shard
// have drained under the freeze operation opID, as the application's own
// UPDATE would (see the package doc), plus a history entry. The shard must
// be read-only under that operation. Acknowledging twice is a no-op.
func (t *Target) AckDrain(ctx context.Context, shard, opID string) error {
	if err := routing.ValidateDrainAck(shard, opID); err != nil {
		return err
	}
	var result error
	err := pgx.BeginFunc(ctx, t.pool, func(tx pgx.Tx) error {
		r, err := scanRoute(tx.QueryRow(ctx, `
			UPDATE `+t.table+` AS r SET drain_ack = true, drain_ack_op = r.operation_id
			WHERE r.shard = $1 AND r.state = 'read-only' AND r.operation_id = $2
			  AND NOT (r.drain_ack AND r.drain_ack_op = r.operation_id)
			RETURNING `+routeColumns, shard, opID))
		if err == nil {
			return t.record(ctx, tx, routing.HistoryEntry{
				Shard: shard, Kind: routing.EventDrainAck, From: r.State, To: r.State, Location: r.Location,
				Version: r.Version, OperationID: opID, Actor: "application",
			})
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		cur, err := scanRoute(tx.QueryRow(ctx, `SELECT `+routeColumns+` FROM `+t.table+` r WHERE r.shard = $1`, shard))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			result = routing.UnknownShardError(shard)
		case err != nil:
			return err
		case cur.DrainAck && cur.OperationID == opID && cur.State == routing.StateReadOnly:
			// already acknowledged
		default:
			result = routing.DrainAckError(cur, opID)
		}
		return nil
	})
	if err != nil {
		return pgErr("ack drain of", shard, err)
	}
	return result
}

// DrainAcknowledged implements routing.DrainAcknowledger.
func (t *Target) DrainAcknowledged(ctx context.Context, shard, opID string) (bool, error) {
	r, err := t.Get(ctx, shard)
	if err != nil {
		return false, err
	}
	return r.DrainAck && r.OperationID == opID, nil
}

// History returns the shard's recorded events, oldest first.
func (t *Target) History(ctx context.Context, shard string) ([]routing.HistoryEntry, error) {
	rows, err := t.pool.Query(ctx, `
		SELECT shard, kind, from_state, to_state, location, version, operation_id, actor, owner, reason, at
		FROM `+t.history+` WHERE shard = $1 ORDER BY id`, shard)
	if err != nil {
		return nil, pgErr("history of", shard, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.HistoryEntry, error) {
		var h routing.HistoryEntry
		var from, to string
		err := row.Scan(&h.Shard, &h.Kind, &from, &to, &h.Location, &h.Version, &h.OperationID, &h.Actor, &h.Owner, &h.Reason, &h.At)
		h.From, h.To, h.At = routing.State(from), routing.State(to), h.At.UTC()
		return h, err
	})
	if err != nil {
		return nil, pgErr("history of", shard, err)
	}
	return out, nil
}

// record appends an event to the history table in tx; its time is the
// transaction's.
func (t *Target) record(ctx context.Context, tx pgx.Tx, h routing.HistoryEntry) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO `+t.history+` (shard, kind, from_state, to_state, location, version, operation_id, actor, owner, reason, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())`,
		h.Shard, h.Kind, string(h.From), string(h.To), h.Location, h.Version, h.OperationID, h.Actor, h.Owner, h.Reason)
	return err
}
