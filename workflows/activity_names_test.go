package workflows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
)

// TestActivityNamesMatchMethods checks that every activity name constant
// the workflows call by (each `...Name = "..."` constant of the activities
// package) is the name of a method of *activities.Activities, which the
// worker registers by method name: a renamed method or a mistyped
// constant fails here instead of at run time.
func TestActivityNamesMatchMethods(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "activities", "*.go"))
	require.NoError(t, err)
	methods := reflect.TypeOf(&activities.Activities{})
	found := 0
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasSuffix(name.Name, "Name") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					value, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					found++
					_, ok = methods.MethodByName(value)
					assert.True(t, ok, "activities.%s = %q is not a method of *activities.Activities", name.Name, value)
				}
			}
		}
	}
	assert.GreaterOrEqual(t, found, 13, "the activity name constants were found")
}
