package cli

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/cli/jsonshape"
	"github.com/ocimove/ocimove/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden JSON shapes in testdata/shapes and their copies in docs/CLI.md")

// shapes are the -o json documents by golden name: the Go type each
// encodes.
var shapes = map[string]any{
	"plan":            planReport{},
	"start":           startResult{},
	"status":          statusView{},
	"action":          actionResult{},
	"cancel":          cancelResult{},
	"report":          reportResult{},
	"report-objects":  report.Object{},
	"verify-evidence": verifyResult{},
}

// shapeOfCommand names the golden shape of each command's -o json.
var shapeOfCommand = map[string]string{
	"plan": "plan", "start": "start", "status": "status",
	"pause": "action", "resume": "action", "retry-shard": "action", "approve": "action", "rollback": "action", "adopt": "action",
	"tune": "action", "cancel": "cancel", "report": "report", "verify-evidence": "verify-evidence",
}

const docsPath = "../../docs/CLI.md"

func goldenPath(name string) string { return filepath.Join("testdata", "shapes", name+".shape") }

// TestJSONShapesMatchGoldens keeps each -o json document's field names
// and types as testdata/shapes records them: a rename, a removal or a
// type change fails here until the golden (and docs/CLI.md) is updated
// with -update.
func TestJSONShapesMatchGoldens(t *testing.T) {
	for name, v := range shapes {
		got := jsonshape.MustOf(v).String()
		p := goldenPath(name)
		if *update {
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
			continue
		}
		want, err := os.ReadFile(p)
		require.NoError(t, err, "run go test ./internal/cli/ -run TestJSONShapes -update")
		assert.Equal(t, string(want), got, "%s: the JSON shape changed; if on purpose, run go test ./internal/cli/ -run TestJSONShapes -update and say so in docs/CLI.md", name)
		_, err = jsonshape.Parse(string(want))
		assert.NoError(t, err, name)
	}
}

// TestEveryResultCommandTakesOutputJSON requires -o on every command
// that prints state or results, each with a golden shape.
func TestEveryResultCommandTakesOutputJSON(t *testing.T) {
	a := &app{}
	root := a.rootCommand()
	var with []string
	for _, c := range root.Commands() {
		if c.Flags().Lookup("output") != nil {
			with = append(with, c.Name())
			name, ok := shapeOfCommand[c.Name()]
			if assert.True(t, ok, "%s takes -o but has no golden shape", c.Name()) {
				assert.Contains(t, shapes, name)
			}
		}
	}
	for cmd := range shapeOfCommand {
		assert.Contains(t, with, cmd, "%s prints state or results: it takes -o json", cmd)
	}
}

var shapeBlock = regexp.MustCompile("(?s)<!-- shape: ([a-z-]+) -->\n```text\n(.*?)```\n")

// TestDocsShowEveryShape keeps docs/CLI.md in step: it shows each golden
// shape verbatim, and documents every command that takes -o json.
func TestDocsShowEveryShape(t *testing.T) {
	doc, err := os.ReadFile(docsPath)
	require.NoError(t, err)
	if *update {
		out := shapeBlock.ReplaceAllFunc(doc, func(m []byte) []byte {
			name := shapeBlock.FindSubmatch(m)[1]
			return []byte("<!-- shape: " + string(name) + " -->\n```text\n" + jsonshape.MustOf(shapes[string(name)]).String() + "```\n")
		})
		require.NoError(t, os.WriteFile(docsPath, out, 0o644))
		doc = out
	}
	found := map[string]string{}
	for _, m := range shapeBlock.FindAllSubmatch(doc, -1) {
		found[string(m[1])] = string(m[2])
	}
	for name, v := range shapes {
		got, ok := found[name]
		if assert.True(t, ok, "docs/CLI.md shows no shape %q (<!-- shape: %s --> and a text block)", name, name) {
			assert.Equal(t, jsonshape.MustOf(v).String(), got, "docs/CLI.md: shape %s", name)
		}
	}
	for cmd := range shapeOfCommand {
		assert.Contains(t, string(doc), "### starter "+cmd, "docs/CLI.md documents %s", cmd)
	}
	var names []string
	for n := range found {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		assert.Contains(t, shapes, n, "docs/CLI.md shows a shape %q no command has", n)
	}
	assert.False(t, strings.Contains(string(doc), "TODO"))
}
