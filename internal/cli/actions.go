package cli

import (
	"github.com/ocimove/ocimove/internal/progress"
	"github.com/ocimove/ocimove/workflows"
)

// actionResult is the -o json document of the operator commands (pause,
// resume, retry-shard, approve, rollback, adopt, tune): who acted and
// why, and each Update the command sent, with the state it left.
type actionResult struct {
	// Command is the starter command ("pause", "tune", …).
	Command     string `json:"command"`
	MigrationID string `json:"migrationId"`
	Actor       string `json:"actor"`
	// Identity is the Temporal connection's identity recorded beside the
	// actor ("" when it carries none).
	Identity string         `json:"identity"`
	Reason   string         `json:"reason"`
	Updates  []updateResult `json:"updates"`
}

// updateResult is one accepted Update and the state of its target after
// it.
type updateResult struct {
	// Update is the Update's name ("pause", "set-rate-limits", …).
	Update   string `json:"update"`
	UpdateID string `json:"updateId"`
	// Target is "migration" or "shard".
	Target  string `json:"target"`
	ShardID string `json:"shardId,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
	// State is the shard's ShardState or the migration's MigrationState;
	// StateText qualifies it as `starter status` shows it.
	State     string `json:"state"`
	StateText string `json:"stateText"`
	Paused    bool   `json:"paused"`
	// ByState counts the migration's shards by state (migration only).
	ByState map[string]int `json:"byState,omitempty"`
}

// recordShardUpdate adds an accepted shard Update to the command's result.
func (a *app) recordShardUpdate(migrationID, update, updateID string, req workflows.OperatorRequest, st workflows.ShardStatus, prefix string) {
	r := a.actionResult(migrationID, req)
	r.Updates = append(r.Updates, updateResult{
		Update: update, UpdateID: updateID, Target: "shard", ShardID: st.ShardID, Prefix: prefix,
		State: string(st.State), StateText: progress.StateText(st), Paused: st.Paused})
}

// recordMigrationUpdate adds an accepted migration Update to the
// command's result.
func (a *app) recordMigrationUpdate(migrationID, update, updateID string, req workflows.OperatorRequest, st workflows.MigrationStatus) {
	by := make(map[string]int, len(st.ByState))
	for k, v := range st.ByState {
		by[string(k)] = v
	}
	r := a.actionResult(migrationID, req)
	r.Updates = append(r.Updates, updateResult{
		Update: update, UpdateID: updateID, Target: "migration",
		State: string(st.State), StateText: string(st.State) + " (" + progress.ByStateText(st.ByState) + ")",
		Paused: st.State == workflows.MigrationPaused, ByState: by})
}

// actionResult returns the command's result, creating it.
func (a *app) actionResult(migrationID string, req workflows.OperatorRequest) *actionResult {
	if a.actions == nil {
		a.actions = &actionResult{Command: a.command, MigrationID: migrationID, Actor: req.Actor, Identity: req.Identity,
			Reason: req.Reason, Updates: []updateResult{}}
	}
	return a.actions
}
