package workflows

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
)

// TestReplay replays every recorded history in testdata/*.json (exported
// with `temporal workflow show --output json` or client.GetWorkflowHistory)
// against the current workflow code: a non-deterministic change fails it.
// Without recordings it skips, or fails when OCIMOVE_REQUIRE_ALL=1.
func TestReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	if len(files) == 0 {
		msg := "no recorded history in workflows/testdata/*.json; record one from the embedded server (see the test's doc)"
		if os.Getenv("OCIMOVE_REQUIRE_ALL") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflow(MigrationWorkflow)
	r.RegisterWorkflow(ShardWorkflow)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}
