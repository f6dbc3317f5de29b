package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/schema"
)

// Schema returns the plan's JSON Schema as this program enforces it:
// schema/plan.schema.json, whose location and target settings are open,
// with the settings of every linked store and routing target kind,
// generated from the kinds' Go types. Parse validates every plan against
// it, so that the schema and the types cannot drift apart unnoticed.
func Schema() ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(schema.Plan, &doc); err != nil {
		return nil, fmt.Errorf("plan: schema/plan.schema.json: %w", err)
	}
	defs, ok := doc["$defs"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("plan: schema/plan.schema.json has no $defs")
	}
	storeKinds := store.Kinds.Names()
	var storeCases, copyOne []any
	nested := map[string]any{}
	for _, k := range storeKinds {
		b, _ := store.Kinds.Lookup(k)
		defs["store."+k] = typeSchema(reflect.TypeOf(b.New()), false)
		ref := map[string]any{"$ref": "#/$defs/store." + k}
		storeCases = append(storeCases, kindCase(k, ref))
		nested[k] = map[string]any{"$ref": "#/$defs/store." + k, "unevaluatedProperties": false}
		copyOne = append(copyOne, map[string]any{"required": []any{k}})
	}
	defs["storeKind"] = map[string]any{
		"properties": map[string]any{"kind": map[string]any{"enum": anys(storeKinds)}},
		"allOf":      storeCases,
	}
	byKind := map[string]any{"$ref": "#/$defs/storeKind"}
	defs["sourceSettings"] = withDefaultKind(byKind, DefaultSourceKind)
	defs["destinationSettings"] = withDefaultKind(byKind, DefaultDestinationKind)
	defs["copySettings"] = map[string]any{
		"if":   map[string]any{"required": []any{"kind"}},
		"then": byKind,
		"else": map[string]any{"properties": nested, "oneOf": copyOne},
	}
	targetKinds := routing.Kinds.Names()
	var targetCases []any
	for _, k := range targetKinds {
		b, _ := routing.Kinds.Lookup(k)
		defs["target."+k] = typeSchema(reflect.TypeOf(b.New()), false)
		targetCases = append(targetCases, kindCase(k, map[string]any{"$ref": "#/$defs/target." + k}))
	}
	defs["targetSettings"] = map[string]any{
		"properties": map[string]any{"kind": map[string]any{"enum": anys(targetKinds)}},
		"allOf":      targetCases,
	}
	return json.MarshalIndent(doc, "", "  ")
}

// kindCase applies then to the settings of kind k.
func kindCase(k string, then any) any {
	return map[string]any{
		"if":   map[string]any{"properties": map[string]any{"kind": map[string]any{"const": k}}, "required": []any{"kind"}},
		"then": then,
	}
}

// withDefaultKind applies byKind when "kind" is written, else the
// settings of kind def.
func withDefaultKind(byKind any, def string) any {
	return map[string]any{
		"if":   map[string]any{"required": []any{"kind"}},
		"then": byKind,
		"else": map[string]any{"$ref": "#/$defs/store." + def},
	}
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// typeSchema is the schema of values of Go type t as a plan writes them:
// its json tags give the keys, a key without omitempty or omitzero is
// required, and nested structs refuse unknown keys (closed). A kind's
// settings struct itself is left open: the mapping that holds it refuses
// what neither it nor its holder evaluates.
func typeSchema(t reflect.Type, closed bool) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == secretRefType:
		return map[string]any{"$ref": "#/$defs/secretRef"}
	case t == durationType:
		return map[string]any{"$ref": "#/$defs/duration"}
	}
	switch t.Kind() {
	case reflect.Struct:
		props := map[string]any{}
		var required []any
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			props[name] = typeSchema(f.Type, true)
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				required = append(required, name)
			}
		}
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			s["required"] = required
		}
		if closed {
			s["additionalProperties"] = false
		}
		return s
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem(), true)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem(), true)}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

var (
	compiledOnce sync.Once
	compiled     *jsonschema.Schema
	compileErr   error
)

// compiledSchema returns Schema compiled, once: every kind registers at
// init, before any plan is parsed.
func compiledSchema() (*jsonschema.Schema, error) {
	compiledOnce.Do(func() {
		b, err := Schema()
		if err != nil {
			compileErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			compileErr = fmt.Errorf("plan: the schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		const url = "plan.schema.json"
		if err := c.AddResource(url, doc); err != nil {
			compileErr = fmt.Errorf("plan: the schema: %w", err)
			return
		}
		compiled, compileErr = c.Compile(url)
	})
	return compiled, compileErr
}

// schemaProblems validates the plan document js (the plan as written,
// in JSON) against the schema and returns each failure located at its
// field.
func schemaProblems(name string, js []byte, idx *posIndex) []FileProblem {
	sch, err := compiledSchema()
	if err != nil {
		return []FileProblem{{File: name, Line: 1, Message: err.Error(), Hint: "this program's plan schema is broken; report it"}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return []FileProblem{{File: name, Line: 1, Message: "the plan does not convert to JSON: " + err.Error(), Hint: "check the YAML syntax"}}
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []FileProblem{{File: name, Line: 1, Message: err.Error(), Hint: schemaHint}}
	}
	pr := message.NewPrinter(language.English)
	var out []FileProblem
	seen := map[string]bool{}
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				leaves(c)
			}
			return
		}
		field := instanceField(e.InstanceLocation)
		msg := "does not match the plan's schema: " + e.ErrorKind.LocalizedString(pr)
		if loc := e.InstanceLocation; len(loc) > 0 && strings.HasSuffix(loc[len(loc)-1], "Ref") {
			msg = "does not match the plan's schema for a secret reference" // the value, maybe a secret, is not repeated
		}
		if seen[field+msg] {
			return
		}
		seen[field+msg] = true
		line, col := idx.find(field)
		out = append(out, FileProblem{File: name, Line: line, Column: col, Field: field, Message: msg, Hint: schemaHint})
	}
	leaves(ve)
	return out
}

const schemaHint = "the plan's schema (schema/plan.schema.json, with the settings of the linked kinds) refuses it"

// instanceField turns a JSON instance location into a field path
// ("sources", "copies", "0", "s3" → "sources.copies[0].s3").
func instanceField(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
