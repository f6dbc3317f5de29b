package routing

import (
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrVersionConflict: the route is not at the expected version and the
	// change is not already applied. Re-read the route and decide again.
	ErrVersionConflict = errors.New("routing version conflict")
	// ErrUnknownShard: the shard has no route; Register it first.
	ErrUnknownShard = errors.New("unknown shard")
	// ErrInvalidChange: the change is malformed (empty shard or operation id,
	// unknown state, negative version). Retrying it cannot succeed.
	ErrInvalidChange = errors.New("invalid routing change")
)

// ConflictError is a compare-and-set that lost: the route moved on.
type ConflictError struct {
	Change  Change
	Current Route // the route as the target last saw it
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("routing: shard %q: expected version %d, current version %d (state %s, operation %q); re-read the route and retry: %v",
		e.Change.Shard, e.Change.ExpectedVersion, e.Current.Version, e.Current.State, e.Current.OperationID, ErrVersionConflict)
}

// Unwrap returns ErrVersionConflict.
func (e *ConflictError) Unwrap() error { return ErrVersionConflict }

// UnknownShardError returns an error wrapping ErrUnknownShard that names the shard.
func UnknownShardError(shard string) error {
	return fmt.Errorf("routing: shard %q: %w (register it first)", shard, ErrUnknownShard)
}
