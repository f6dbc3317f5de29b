package jsonshape

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Check reports whether doc, one JSON value, has shape n: every field it
// holds is declared with a matching type, and every field not optional
// is present. The error names every path that differs.
func Check(n *Node, doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("jsonshape: not JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("jsonshape: more than one JSON value")
	}
	var problems []string
	check(n, v, "", &problems)
	if len(problems) > 0 {
		return fmt.Errorf("jsonshape: %s", strings.Join(problems, "; "))
	}
	return nil
}

// CheckLines checks every line of doc (JSON Lines) against n.
func CheckLines(n *Node, doc []byte) error {
	for i, ln := range bytes.Split(bytes.TrimRight(doc, "\n"), []byte("\n")) {
		if err := Check(n, ln); err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	return nil
}

func check(n *Node, v any, path string, problems *[]string) {
	at := path
	if at == "" {
		at = "(the document)"
	}
	bad := func(format string, args ...any) {
		*problems = append(*problems, at+": "+fmt.Sprintf(format, args...))
	}
	if v == nil {
		if !n.Nullable && n.Type != "array" && n.Type != "map" && n.Type != "any" {
			bad("null, want %s", n.Type)
		}
		return
	}
	switch n.Type {
	case "any":
	case "string":
		if _, ok := v.(string); !ok {
			bad("%T, want a string", v)
		}
	case "time":
		s, ok := v.(string)
		if !ok {
			bad("%T, want a time string", v)
		} else if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			bad("%q is not an RFC 3339 time", s)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("%T, want a boolean", v)
		}
	case "integer":
		num, ok := v.(json.Number)
		if !ok {
			bad("%T, want an integer", v)
		} else if _, err := num.Int64(); err != nil {
			bad("%s is not an integer", num)
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			bad("%T, want a number", v)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			bad("%T, want an array", v)
			return
		}
		for _, e := range arr {
			check(n.Elem, e, path+"[]", problems)
		}
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			bad("%T, want a map", v)
			return
		}
		for _, e := range m {
			check(n.Elem, e, path+"{}", problems)
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("%T, want an object", v)
			return
		}
		declared := map[string]bool{}
		for _, f := range n.Fields {
			declared[f.Name] = true
			fv, present := m[f.Name]
			if !present {
				if !f.Node.Optional {
					*problems = append(*problems, joinPath(path, f.Name)+": missing")
				}
				continue
			}
			check(f.Node, fv, joinPath(path, f.Name), problems)
		}
		for k := range m {
			if !declared[k] {
				*problems = append(*problems, joinPath(path, k)+": not declared in the shape")
			}
		}
	}
}
