package fileroute_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/testing/routingtest"
)

func TestConformance(t *testing.T) {
	routingtest.Run(t, func(t *testing.T) routing.Target {
		tg, err := fileroute.New(filepath.Join(t.TempDir(), "routes.json"))
		require.NoError(t, err)
		return tg
	}, routingtest.Options{})
}

func TestFileIsReadableJSONWithoutLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "routes.json")
	tg, err := fileroute.New(path)
	require.NoError(t, err)
	r, err := tg.Register(t.Context(), "users/3f/", "s3://src/users/3f/")
	require.NoError(t, err)
	_, err = tg.Set(t.Context(), routing.Change{Shard: r.Shard, To: routing.StateReadOnly, OperationID: "op-1", Owner: "mig-1"})
	require.NoError(t, err)

	var doc struct {
		Routes map[string]routing.Route `json:"routes"`
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, routing.StateReadOnly, doc.Routes["users/3f/"].State)
	assert.EqualValues(t, 1, doc.Routes["users/3f/"].Version)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"routes.json", "routes.json.lock"}, names, "no temporary files left behind")
}

func TestBadInput(t *testing.T) {
	_, err := fileroute.New("")
	require.ErrorContains(t, err, "path is empty")
	_, err = fileroute.New(filepath.Join(t.TempDir(), "missing", "routes.json"))
	require.ErrorContains(t, err, "create it first")

	path := filepath.Join(t.TempDir(), "routes.json")
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o644))
	tg, err := fileroute.New(path)
	require.NoError(t, err)
	_, err = tg.Get(t.Context(), "a/")
	require.ErrorContains(t, err, "not a valid routing file")
	_, err = tg.Register(t.Context(), "a/", "s3://x/a/")
	require.ErrorContains(t, err, "not a valid routing file")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "{not json", string(b), "a corrupt file is never overwritten")
}

// childEnv makes the test binary act as another process changing the file.
const childEnv = "FILEROUTE_TEST_CHILD"

// TestProcessesShareTheFile runs several processes that race compare-and-set
// rounds on one file: exactly one wins each round, so the file ends at the
// number of rounds and the history holds one entry per win.
func TestProcessesShareTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "routes.json")
	tg, err := fileroute.New(path)
	require.NoError(t, err)
	_, err = tg.Register(t.Context(), "shared/", "s3://src/shared/")
	require.NoError(t, err)

	const procs, rounds = 4, 10
	var cmds []*exec.Cmd
	for i := range procs {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestChildProcess$")
		cmd.Env = append(os.Environ(), childEnv+"="+path, "FILEROUTE_TEST_ID="+strconv.Itoa(i), "FILEROUTE_TEST_ROUNDS="+strconv.Itoa(rounds))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait())
	}
	// Each child reports how many of its Sets succeeded. With a broken lock
	// two processes could both "win" a round (a lost update).
	wins := 0
	for i := range procs {
		b, err := os.ReadFile(fmt.Sprintf("%s.wins-%d", path, i))
		require.NoError(t, err)
		n, err := strconv.Atoi(string(b))
		require.NoError(t, err)
		wins += n
	}
	assert.Equal(t, rounds, wins, "exactly one process wins each round")
	r, err := tg.Get(t.Context(), "shared/")
	require.NoError(t, err)
	assert.EqualValues(t, rounds, r.Version)
	hist, err := tg.History(t.Context(), "shared/")
	require.NoError(t, err)
	require.Len(t, hist, rounds+1)
	for i, h := range hist[1:] {
		assert.EqualValues(t, i+1, h.Version)
	}
}

// TestChildProcess is the body of a child process of TestProcessesShareTheFile.
// Each child tries every version; it either wins or sees a conflict.
func TestChildProcess(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("only runs as a child of TestProcessesShareTheFile")
	}
	rounds, err := strconv.Atoi(os.Getenv("FILEROUTE_TEST_ROUNDS"))
	require.NoError(t, err)
	tg, err := fileroute.New(path)
	require.NoError(t, err)
	states := []routing.State{routing.StateReadOnly, routing.StateSource}
	wins := 0
	for v := range int64(rounds) {
		for {
			cur, err := tg.Get(t.Context(), "shared/")
			require.NoError(t, err)
			if cur.Version > v {
				break
			}
			_, err = tg.Set(t.Context(), routing.Change{
				Shard: "shared/", To: states[v%2], ExpectedVersion: v,
				OperationID: fmt.Sprintf("op-v%d-p%s", v, os.Getenv("FILEROUTE_TEST_ID")),
				Owner:       "mig-1",
			})
			if err == nil {
				wins++
				break
			}
			require.True(t, errors.Is(err, routing.ErrVersionConflict), "unexpected error: %v", err)
		}
	}
	require.NoError(t, os.WriteFile(fmt.Sprintf("%s.wins-%s", path, os.Getenv("FILEROUTE_TEST_ID")), []byte(strconv.Itoa(wins)), 0o644))
}
