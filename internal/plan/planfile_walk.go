package plan

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

var (
	planType     = reflect.TypeFor[Plan]()
	durationType = reflect.TypeFor[Duration]()
	stringType   = reflect.TypeFor[string]()
	envPattern   = regexp.MustCompile(`\$\{[^}]*\}`)
)

// report records one problem at node n.
type report func(n *node, field, msg, hint string)

// checkNode walks n against the Go type t (through its json tags, and for
// locations and the routing target through the settings type of their
// kind) and reports unknown keys, wrong types and unparsable scalars at
// their positions. A null value is always accepted: it means "the
// default".
func checkNode(n *node, t reflect.Type, path string, rep report) {
	if n.isNull() {
		return
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if f, ok := locatedForms[t]; ok {
		checkLocated(n, t, f, path, rep)
		return
	}
	switch {
	case t == durationType:
		checkDuration(n, path, rep)
	case t.Kind() == reflect.Struct:
		checkMapping(n, jsonFields(t), path, rep)
	case t.Kind() == reflect.Slice:
		if n.kind != sequenceNode {
			rep(n, path, "must be a list, not "+describe(n), "write a YAML list: [a, b] or one '- item' per line")
			return
		}
		for i, c := range n.items {
			checkNode(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), rep)
		}
	default:
		checkScalar(n, t, path, rep)
	}
}

// checkMapping checks the keys of mapping n against fields.
func checkMapping(n *node, fields map[string]reflect.Type, path string, rep report) {
	if n.kind != mappingNode {
		rep(n, path, "must be a mapping of keys to values, not "+describe(n), "write one 'key: value' per line, indented under "+orRoot(path))
		return
	}
	seen := map[string]*node{}
	for _, p := range n.pairs {
		k, v := p.key, p.value
		if k.kind != scalarNode {
			rep(k, path, "has a key that is not a plain name", "keys are names such as bucket or region")
			continue
		}
		if k.merge {
			for _, m := range (&node{kind: mappingNode, pairs: []pair{p}}).merged() {
				checkMapping(m, fields, path, rep)
			}
			if v.kind != mappingNode && v.kind != sequenceNode {
				rep(v, path, "merges "+describe(v)+", not a mapping", "merge a mapping: <<: *anchor")
			}
			continue
		}
		if first, dup := seen[k.value]; dup {
			rep(k, joinField(path, k.value), fmt.Sprintf("is given twice (first on line %d)", first.line),
				"each key may appear once in a mapping; remove or merge the duplicate")
			continue
		}
		seen[k.value] = k
		ft, ok := fields[k.value]
		if !ok {
			rep(k, joinField(path, k.value), "unknown key", unknownHint(k.value, path, fields))
			continue
		}
		checkNode(v, ft, joinField(path, k.value), rep)
	}
}

// locatedForm says how a plan type holds a kind's settings beside keys of
// its own.
type locatedForm struct {
	routing bool   // a routing target kind, not a store kind
	def     string // the kind when "kind" is not written; "" for none
	nested  bool   // the settings may sit under their kind's name instead
}

var locatedForms = map[reflect.Type]locatedForm{
	reflect.TypeFor[PrimarySource](): {def: DefaultSourceKind},
	reflect.TypeFor[Destination]():   {def: DefaultDestinationKind},
	reflect.TypeFor[SourceCopy]():    {nested: true},
	reflect.TypeFor[Target]():        {routing: true},
}

// settingsType returns the settings struct type of kind k.
func (f locatedForm) settingsType(k string) (reflect.Type, bool) {
	var s any
	if f.routing {
		b, ok := routing.Kinds.Lookup(k)
		if !ok {
			return nil, false
		}
		s = b.New()
	} else {
		b, ok := store.Kinds.Lookup(k)
		if !ok {
			return nil, false
		}
		s = b.New()
	}
	t := reflect.TypeOf(s)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t, true
}

func (f locatedForm) unknown(k string) (msg, hint string) {
	if f.routing {
		return unknownTargetKind(k)
	}
	return unknownStoreKind(k)
}

func (f locatedForm) choices() string {
	if f.routing {
		return routing.Kinds.Choices()
	}
	return store.Kinds.Choices()
}

// checkLocated checks a mapping that holds a kind's settings beside the
// keys of type t: its keys are t's, "kind" and those of the kind's
// settings (or, for a copy without "kind", one key per store kind, each
// holding that kind's settings).
func checkLocated(n *node, t reflect.Type, f locatedForm, path string, rep report) {
	if n.kind != mappingNode {
		rep(n, path, "must be a mapping of keys to values, not "+describe(n), "write one 'key: value' per line, indented under "+orRoot(path))
		return
	}
	fields := jsonFields(t)
	fields["kind"] = stringType
	kn := n.get("kind")
	k := f.def
	if kn != nil {
		if kn.kind != scalarNode || kn.tag != "!!str" || kn.value == "" {
			rep(kn, joinField(path, "kind"), "must be a kind's name, not "+describe(kn), "use "+f.choices())
			return
		}
		k = kn.value
	}
	if kn == nil && f.nested {
		var set []string
		for _, sk := range store.Kinds.Names() {
			st, _ := f.settingsType(sk)
			fields[sk] = st
			if n.get(sk) != nil {
				set = append(set, sk)
			}
		}
		checkMapping(n, fields, path, rep)
		if len(set) > 1 {
			rep(n, path, "sets "+bothOf(set), "a copy is one bucket; list each bucket as its own copy")
		}
		return
	}
	if k == "" {
		rep(n, joinField(path, "kind"), "is required", "use "+f.choices())
		return
	}
	st, ok := f.settingsType(k)
	if !ok {
		msg, hint := f.unknown(k)
		rep(kn, joinField(path, "kind"), msg, hint)
		return
	}
	for name, ft := range jsonFields(st) {
		if _, clash := fields[name]; !clash {
			fields[name] = ft
		}
	}
	checkMapping(n, fields, path, rep)
}

// bothOf names two or more keys: "both s3 and oci", "s3, oci and file".
func bothOf(keys []string) string {
	if len(keys) == 2 {
		return "both " + keys[0] + " and " + keys[1]
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " and " + keys[len(keys)-1]
}

func checkDuration(n *node, path string, rep report) {
	const hint = "write a Go duration with a unit, such as 30s, 15m or 168h"
	if n.kind != scalarNode {
		rep(n, path, "must be a duration, not "+describe(n), hint)
		return
	}
	if n.tag == "!!int" || n.tag == "!!float" {
		rep(n, path, fmt.Sprintf("%s has no unit", n.value), hint)
		return
	}
	if _, err := ParseDuration(n.value); err != nil {
		rep(n, path, fmt.Sprintf("%q is not a duration", n.value), hint)
	}
}

func checkScalar(n *node, t reflect.Type, path string, rep report) {
	if n.kind != scalarNode {
		rep(n, path, fmt.Sprintf("must be %s, not %s", kindName(t), describe(n)), scalarHint(t))
		return
	}
	switch t.Kind() {
	case reflect.String:
		if n.tag != "!!str" {
			n.str = true // 2024 or true where a string goes: the string as written
		}
		if t != secretRefType && envPattern.MatchString(n.value) {
			rep(n, path, "holds a ${...} reference, which is not expanded here",
				"only fields ending in Ref (dsnRef, urlRef, secretRef, passphraseRef) take references; write the value itself")
		}
	case reflect.Bool:
		if n.tag != "!!bool" {
			rep(n, path, fmt.Sprintf("must be true or false, not %s", describe(n)), "write true or false, without quotes")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.tag != "!!int" {
			rep(n, path, fmt.Sprintf("must be a whole number, not %s", describe(n)), scalarHint(t))
			return
		}
		if !fitsInt(n.num, t.Bits()) {
			rep(n, path, fmt.Sprintf("%s is out of range", n.value), scalarHint(t))
		}
	case reflect.Float32, reflect.Float64:
		if n.tag != "!!int" && n.tag != "!!float" {
			rep(n, path, fmt.Sprintf("must be a number, not %s", describe(n)), scalarHint(t))
			return
		}
		if f, ok := n.num.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			rep(n, path, fmt.Sprintf("must be a finite number, not %s", n.value), scalarHint(t))
		}
	}
}

// fitsInt reports whether v (int64 or uint64) fits a signed integer of
// bits bits.
func fitsInt(v any, bits int) bool {
	switch x := v.(type) {
	case int64:
		return bits >= 64 || (x >= -(1<<(bits-1)) && x < 1<<(bits-1))
	case uint64:
		return x <= math.MaxInt64 && (bits >= 64 || x < 1<<(bits-1))
	}
	return false
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
func describe(n *node) string {
	switch n.kind {
	case mappingNode:
		return "a mapping"
	case sequenceNode:
		return "a list"
	}
	switch n.tag {
	case "!!str":
		return fmt.Sprintf("the string %q", n.value)
	case "!!bool":
		return "the boolean " + n.value
	case "!!int", "!!float":
		return "the number " + n.value
	}
	return strconv.Quote(n.value)
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
