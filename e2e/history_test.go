package e2e_test

import (
	"encoding/json"
	"time"
)

// planStart is the fixed start time of the tests' plans.
var planStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type jsonRaw []byte

func (r jsonRaw) MarshalJSON() ([]byte, error) { return r, nil }

// marshalHistory writes events in the history JSON format that
// worker.WorkflowReplayer reads: {"events": [...]}.
func marshalHistory(events []any) ([]byte, error) {
	return json.MarshalIndent(map[string]any{"events": events}, "", " ")
}
