package workflows

import (
	"time"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/routing"
)

// CopyProgress is how far a shard's copy has come.
type CopyProgress struct {
	Cursor   string            `json:"cursor"`
	Batches  int               `json:"batches"`
	CopyDone bool              `json:"copyDone"` // a full copy exists
	Counts   activities.Counts `json:"counts"`
	Recopies int               `json:"recopies"`
}

// CatchUp is where a shard's delta rounds stand.
type CatchUp struct {
	DeltaRounds        int     `json:"deltaRounds"`         // every round run, for manifest names
	LastChanged        int64   `json:"lastChanged"`         // changes found by the last round
	ChangeRate         float64 `json:"changeRatePerMinute"` // changes per minute in the last round
	WaitingForOperator bool    `json:"waitingForOperator"`  // round limit reached
}

// RouteSeen is the shard's route as last read or changed, for status;
// every decision re-reads the route.
type RouteSeen struct {
	RouteState   routing.State `json:"routeState"`
	RouteVersion int64         `json:"routeVersion"`
	RouteOp      string        `json:"routeOp"`
	RouteOwner   string        `json:"routeOwner,omitempty"`
	// ReadOnlySince is when this shard last set its route read-only, while
	// it is (zero otherwise): the age of a freeze.
	ReadOnlySince time.Time `json:"readOnlySince,omitzero"`
}

// Milestones counts a shard's freezes, repairs and rollbacks, and says
// when it was frozen, cut over and soaked, and what its purge did.
type Milestones struct {
	Freezes        int `json:"freezes"`
	FreezeTimeouts int `json:"freezeTimeouts"` // consecutive
	// Repairs counts freezes refused because the destination's copy needed
	// a re-copy, since the last cutover or retry (bounded by maxRecopies).
	Repairs   int       `json:"repairs"`
	Rollbacks int       `json:"rollbacks"`
	FrozenAt  time.Time `json:"frozenAt,omitzero"`
	CutoverAt time.Time `json:"cutoverAt,omitzero"`
	SoakUntil time.Time `json:"soakUntil,omitzero"`
	// PurgeStarted: the purge has begun deleting source copies, which a
	// rollback could not bring back.
	PurgeStarted bool  `json:"purgeStarted,omitempty"`
	Purged       int64 `json:"purged"`
}

// Failure is why a shard is in Failed: the state it failed from, the
// error, and the keys at fault.
type Failure struct {
	FailedFrom ShardState `json:"failedFrom,omitempty"`
	LastError  string     `json:"lastError,omitempty"`
	// LastErrorClass is LastError's bounded kind, for dashboards.
	LastErrorClass ErrorClass `json:"lastErrorClass,omitempty"`
	ProblemKeys    []string   `json:"problemKeys,omitempty"`
}
