package webhook

import "github.com/ocimove/ocimove/internal/routing"

// Actions of a POST request.
const (
	ActionSet      = "set"
	ActionRegister = "register"
)

// Request is the JSON body of a POST.
type Request struct {
	Action          string        `json:"action"`
	Shard           string        `json:"shard"`
	To              routing.State `json:"to,omitempty"`
	Location        string        `json:"location"`
	ExpectedVersion int64         `json:"expectedVersion"`
	OperationID     string        `json:"operationId,omitempty"`
	Actor           string        `json:"actor,omitempty"`
	Reason          string        `json:"reason,omitempty"`
	// Owner is the migration making the change; the receiver stores it
	// with the route.
	Owner string `json:"owner,omitempty"`
}

// ErrorBody is the JSON body of an error answer.
type ErrorBody struct {
	Error   string         `json:"error"`
	Current *routing.Route `json:"current,omitempty"` // on 409
}

func requestFor(c routing.Change) Request {
	return Request{
		Action: ActionSet, Shard: c.Shard, To: c.To, Location: c.Location,
		ExpectedVersion: c.ExpectedVersion, OperationID: c.OperationID, Actor: c.Actor, Reason: c.Reason, Owner: c.Owner,
	}
}

func (r Request) change() routing.Change {
	return routing.Change{
		Shard: r.Shard, To: r.To, Location: r.Location, ExpectedVersion: r.ExpectedVersion,
		OperationID: r.OperationID, Actor: r.Actor, Reason: r.Reason, Owner: r.Owner,
	}
}
