package report

import "github.com/ocimove/ocimove/workflows"

// ShardInfoFrom converts a shard's status query result into the report's
// input, field by field.
func ShardInfoFrom(s workflows.ShardStatus) ShardInfo {
	si := ShardInfo{
		ShardID: s.ShardID, Prefix: s.Prefix, State: string(s.State), Counts: s.Counts,
		Batches: s.Batches, DeltaRounds: s.DeltaRounds, Recopies: s.Recopies, Freezes: s.Freezes, Rollbacks: s.Rollbacks,
		RouteState: string(s.RouteState), RouteVersion: s.RouteVersion, RouteOp: s.RouteOp,
		FrozenAt: s.FrozenAt, CutoverAt: s.CutoverAt, SoakUntil: s.SoakUntil, Purged: s.Purged,
		FailedFrom: string(s.FailedFrom), LastError: s.LastError, ProblemKeys: s.ProblemKeys,
		TransitionCount: s.TransitionCount,
	}
	for _, t := range s.Transitions {
		si.Transitions = append(si.Transitions, TransitionFrom(t))
	}
	return si
}

// TransitionFrom converts a workflow transition or operator action.
func TransitionFrom(t workflows.Transition) Transition {
	return Transition{From: string(t.From), To: string(t.To), At: t.At, Actor: t.Actor, Reason: t.Reason, Action: t.Action}
}
