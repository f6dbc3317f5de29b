package plan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const schemaPath = "../../schema/plan.schema.json"

// compileSchema compiles the schema as the plan enforces it: the file,
// with the settings of the linked kinds (Schema).
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	sch, err := compiledSchema()
	require.NoError(t, err)
	return sch
}

// yamlInstance decodes a YAML document into the JSON data model the
// schema validator expects.
func yamlInstance(t *testing.T, data []byte) any {
	t.Helper()
	b, err := yaml.YAMLToJSON(data)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return inst
}

func TestExamplesMatchSchema(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob("../../examples/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 3)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NoError(t, sch.Validate(yamlInstance(t, data)), f)
	}
	// plan.Example() too, as JSON.
	b, err := json.Marshal(Example())
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	assert.NoError(t, sch.Validate(inst))
}

func TestSchemaRejectsBadPlans(t *testing.T) {
	sch := compileSchema(t)
	good, err := os.ReadFile("../../examples/us-users-to-oci.yaml")
	require.NoError(t, err)
	for name, edit := range map[string]func(string) string{
		"unknown top-level key": func(s string) string { return s + "windw: 4\n" },
		"unknown nested key": func(s string) string {
			return strings.Replace(s, "  bucket: users\n", "  bucket: users\n  regoin: us-ashburn-1\n", 1)
		},
		"bare number duration": func(s string) string { return strings.Replace(s, "drainWait: 30s", "drainWait: 30", 1) },
		"string for integer":   func(s string) string { return strings.Replace(s, "window: 8", "window: \"8\"", 1) },
		"inline secret": func(s string) string {
			return strings.Replace(s, "env:OCIMOVE_ROUTING_DSN", "postgres://u:p@db/r", 1)
		},
		"unknown enum": func(s string) string { return strings.Replace(s, "mode: quick", "mode: thorough", 1) },
	} {
		bad := edit(string(good))
		require.NotEqual(t, string(good), bad, name)
		assert.Error(t, sch.Validate(yamlInstance(t, []byte(bad))), name)
	}
}

// TestSchemaCoversPlanType keeps the hand-written schema in step with the
// Go types: every object in it has exactly the keys of its struct (a
// location or target: its own keys and "kind", the kind's settings being
// generated from their types), and refuses unknown keys.
func TestSchemaCoversPlanType(t *testing.T) {
	b, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	var root map[string]any
	require.NoError(t, json.Unmarshal(b, &root))
	defs := root["$defs"].(map[string]any)
	var walk func(s map[string]any, typ reflect.Type, path string)
	walk = func(s map[string]any, typ reflect.Type, path string) {
		if r, ok := s["$ref"].(string); ok && s["properties"] == nil {
			s = defs[strings.TrimPrefix(r, "#/$defs/")].(map[string]any)
		}
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		_, located := locatedForms[typ]
		switch {
		case typ == durationType || typ == secretRefType:
			return
		case typ.Kind() == reflect.Slice:
			items, ok := s["items"].(map[string]any)
			require.True(t, ok, "%s: schema has no items", path)
			walk(items, typ.Elem(), path+"[]")
		case typ.Kind() == reflect.Struct:
			fields := jsonFields(typ)
			if located {
				assert.Equal(t, false, s["unevaluatedProperties"], "%s: unknown keys must be refused", path)
				fields["kind"] = stringType
			} else {
				assert.Equal(t, false, s["additionalProperties"], "%s: unknown keys must be refused", path)
			}
			props, _ := s["properties"].(map[string]any)
			var want, got []string
			for k := range fields {
				want = append(want, k)
			}
			for k := range props {
				got = append(got, k)
			}
			slices.Sort(want)
			slices.Sort(got)
			require.Equal(t, want, got, "%s: schema properties", path)
			for k, ft := range fields {
				walk(props[k].(map[string]any), ft, joinField(path, k))
			}
		}
	}
	walk(root, planType, "")
}
