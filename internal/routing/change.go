package routing

import (
	"fmt"
	"time"
)

// Validate checks that c is well formed.
func (c Change) Validate() error {
	switch {
	case c.Shard == "":
		return fmt.Errorf("%w: the shard is empty", ErrInvalidChange)
	case !c.To.Valid():
		return fmt.Errorf("%w: shard %q: state %q is not one of %q, %q, %q",
			ErrInvalidChange, c.Shard, c.To, StateSource, StateReadOnly, StateDestination)
	case c.OperationID == "":
		return fmt.Errorf("%w: shard %q: the operation id is empty; give every change a unique id, the same across its retries",
			ErrInvalidChange, c.Shard)
	case c.ExpectedVersion < 0:
		return fmt.Errorf("%w: shard %q: expected version %d is negative", ErrInvalidChange, c.Shard, c.ExpectedVersion)
	case c.Owner == "":
		return fmt.Errorf("%w: shard %q: the change names no owner; give the id of the migration making it", ErrInvalidChange, c.Shard)
	}
	return nil
}

// AlreadyApplied reports whether cur is the result of c: a retry of a change
// whose response was lost.
func AlreadyApplied(cur Route, c Change) bool {
	return cur.OperationID != "" && cur.OperationID == c.OperationID && cur.State == c.To
}

// Apply computes the compare-and-set of c on cur for backends that hold
// routes in memory or in a file. It returns the next route and applied=true
// when c applies; cur and applied=false when c is already applied; or a
// *ConflictError. c must be valid.
func Apply(cur Route, c Change, now time.Time) (next Route, applied bool, err error) {
	if cur.Version == c.ExpectedVersion {
		next = cur
		next.State = c.To
		if c.Location != "" {
			next.Location = c.Location
		}
		next.Version++
		next.OperationID = c.OperationID
		next.DrainAck = false
		next.UpdatedAt = now.UTC()
		next.Actor = c.Actor
		next.Owner = c.Owner
		return next, true, nil
	}
	if AlreadyApplied(cur, c) {
		return cur, false, nil
	}
	return cur, false, &ConflictError{Change: c, Current: cur}
}

// SetEntry is the history entry of change c applied to cur, giving next.
func SetEntry(cur, next Route, c Change) HistoryEntry {
	return HistoryEntry{Shard: c.Shard, Kind: EventSet, From: cur.State, To: next.State, Location: next.Location,
		Version: next.Version, OperationID: c.OperationID, Actor: c.Actor, Owner: c.Owner, Reason: c.Reason, At: next.UpdatedAt}
}

// NewRoute returns a shard's initial route: version 0, state source.
func NewRoute(shard, sourceLocation string, now time.Time) Route {
	return Route{Shard: shard, State: StateSource, Location: sourceLocation, UpdatedAt: now.UTC(), Actor: "register"}
}

// ValidateRegistration checks the arguments of Target.Register.
func ValidateRegistration(shard, sourceLocation string) error {
	switch {
	case shard == "":
		return fmt.Errorf("%w: register: the shard is empty", ErrInvalidChange)
	case sourceLocation == "":
		return fmt.Errorf("%w: register shard %q: the source location is empty", ErrInvalidChange, shard)
	}
	return nil
}

// ValidateDrainAck checks the arguments of an acknowledgement of a drain.
func ValidateDrainAck(shard, opID string) error {
	switch {
	case shard == "":
		return fmt.Errorf("%w: drain ack: the shard is empty", ErrInvalidChange)
	case opID == "":
		return fmt.Errorf("%w: drain ack for shard %q: the operation id is empty", ErrInvalidChange, shard)
	}
	return nil
}

// DrainAckError says why a drain acknowledgement does not apply: the shard is
// not frozen under that operation.
func DrainAckError(cur Route, opID string) error {
	return fmt.Errorf("%w: drain ack for shard %q operation %q: the shard is %s under operation %q (acknowledge only the current freeze)",
		ErrVersionConflict, cur.Shard, opID, cur.State, cur.OperationID)
}
