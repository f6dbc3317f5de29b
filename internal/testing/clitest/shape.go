package clitest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/cli/jsonshape"
)

// shapesDir is internal/cli/testdata/shapes, found from this file.
func shapesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "cli", "testdata", "shapes")
}

// Shape reads the golden JSON shape name (see docs/CLI.md).
func Shape(t testing.TB, name string) *jsonshape.Node {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(shapesDir(), name+".shape"))
	require.NoError(t, err)
	n, err := jsonshape.Parse(string(b))
	require.NoError(t, err)
	return n
}

// CheckJSON requires out, a command's -o json output, to be one JSON
// document of the golden shape name.
func CheckJSON(t testing.TB, name, out string) {
	t.Helper()
	require.NoError(t, jsonshape.Check(Shape(t, name), []byte(out)), "%s:\n%s", name, out)
}

// CheckJSONLines requires every line of out to have the golden shape
// name.
func CheckJSONLines(t testing.TB, name, out string) {
	t.Helper()
	require.NotEmpty(t, out)
	require.NoError(t, jsonshape.CheckLines(Shape(t, name), []byte(out)), "%s:\n%s", name, out)
}
