package plan

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

var (
	planType      = reflect.TypeFor[Plan]()
	durationType  = reflect.TypeFor[Duration]()
	secretRefType = reflect.TypeFor[SecretRef]()
	envPattern    = regexp.MustCompile(`\$\{[^}]*\}`)
)

// report records one problem at node n.
type report func(n *yaml.Node, field, msg, hint string)

// checkNode walks n against the Go type t (through its yaml tags) and
// reports unknown keys, wrong types and unparsable scalars at their
// positions. A null value is always accepted: it means "the default".
func checkNode(n *yaml.Node, t reflect.Type, path string, idx *posIndex, rep report) {
	n = deref(n)
	if n == nil || isNull(n) {
		return
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		checkDuration(n, path, rep)
		return
	case t.Kind() == reflect.Struct:
		checkStruct(n, t, path, idx, rep)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			rep(n, path, "must be a list, not "+describe(n), "write a YAML list: [a, b] or one '- item' per line")
			return
		}
		for i, c := range n.Content {
			checkNode(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), idx, rep)
		}
	default:
		checkScalar(n, t, path, rep)
	}
}

func checkStruct(n *yaml.Node, t reflect.Type, path string, idx *posIndex, rep report) {
	if n.Kind != yaml.MappingNode {
		rep(n, path, "must be a mapping of keys to values, not "+describe(n), "write one 'key: value' per line, indented under "+orRoot(path))
		return
	}
	fields := yamlFields(t)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			rep(k, path, "has a key that is not a plain name", "keys are names such as bucket or region")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			rep(k, join(path, k.Value), fmt.Sprintf("is given twice (first on line %d)", first.Line),
				"each key may appear once in a mapping; remove or merge the duplicate")
			continue
		}
		seen[k.Value] = k
		if k.Tag == "!!merge" {
			checkMerge(v, t, path, idx, rep)
			continue
		}
		ft, ok := fields[k.Value]
		if !ok {
			rep(k, join(path, k.Value), "unknown key", unknownHint(k.Value, path, fields))
			continue
		}
		checkNode(v, ft, join(path, k.Value), idx, rep)
	}
}

// checkMerge checks the mappings merged in by a '<<' key.
func checkMerge(v *yaml.Node, t reflect.Type, path string, idx *posIndex, rep report) {
	v = deref(v)
	if v.Kind == yaml.SequenceNode {
		for _, c := range v.Content {
			checkStruct(deref(c), t, path, idx, rep)
		}
		return
	}
	checkStruct(v, t, path, idx, rep)
}

func checkDuration(n *yaml.Node, path string, rep report) {
	const hint = "write a Go duration with a unit, such as 30s, 15m or 168h"
	if n.Kind != yaml.ScalarNode {
		rep(n, path, "must be a duration, not "+describe(n), hint)
		return
	}
	if tag := n.ShortTag(); tag == "!!int" || tag == "!!float" {
		rep(n, path, fmt.Sprintf("%s has no unit", n.Value), hint)
		return
	}
	if _, err := ParseDuration(n.Value); err != nil {
		rep(n, path, fmt.Sprintf("%q is not a duration", n.Value), hint)
	}
}

func checkScalar(n *yaml.Node, t reflect.Type, path string, rep report) {
	if n.Kind != yaml.ScalarNode {
		rep(n, path, fmt.Sprintf("must be %s, not %s", kindName(t), describe(n)), scalarHint(t))
		return
	}
	tag := n.ShortTag()
	switch t.Kind() {
	case reflect.String:
		if t != secretRefType && envPattern.MatchString(n.Value) {
			rep(n, path, "holds a ${...} reference, which is not expanded here",
				"only fields ending in Ref (dsnRef, urlRef, secretRef, passphraseRef) take references; write the value itself")
		}
	case reflect.Bool:
		if tag != "!!bool" {
			rep(n, path, fmt.Sprintf("must be true or false, not %s", describe(n)), "write true or false, without quotes")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if tag != "!!int" {
			rep(n, path, fmt.Sprintf("must be a whole number, not %s", describe(n)), scalarHint(t))
			return
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			rep(n, path, fmt.Sprintf("%s is out of range", n.Value), scalarHint(t))
		}
	case reflect.Float32, reflect.Float64:
		if tag != "!!int" && tag != "!!float" {
			rep(n, path, fmt.Sprintf("must be a number, not %s", describe(n)), scalarHint(t))
		}
	}
}

func scalarHint(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "write true or false, without quotes"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "write a whole number without quotes or units, such as 1000"
	case reflect.Float32, reflect.Float64:
		return "write a number without quotes, such as 500 or 2.5"
	}
	return "write a single value, quoted if it holds ':' or '#'"
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a single value"
}

// describe names what n is, for messages. Scalar values are quoted; they
// are never secret references (those are strings, which any scalar is).
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!bool":
		return "the boolean " + n.Value
	case "!!int", "!!float":
		return "the number " + n.Value
	}
	return strconv.Quote(n.Value)
}

func unknownHint(key, path string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	best, bestD := "", 4
	for _, name := range names {
		d := editDistance(strings.ToLower(key), strings.ToLower(name))
		if d < bestD && d <= max(1, len(name)/3) {
			best, bestD = name, d
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %s? keys of %s: %s", best, orRoot(path), strings.Join(names, ", "))
	}
	return fmt.Sprintf("keys of %s: %s", orRoot(path), strings.Join(names, ", "))
}

func orRoot(path string) string {
	if path == "" {
		return "the plan"
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// yamlFields maps the yaml keys of struct type t (inline fields
// flattened) to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if slices.Contains(strings.Split(opts, ","), "inline") {
			for k, v := range yamlFields(f.Type) {
				m[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
