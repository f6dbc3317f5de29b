package plan

import (
	"errors"
	"fmt"
	"strings"

	goccy "github.com/goccy/go-yaml"
)

// posIndex maps field paths ("shards.prefixes[3]") to the positions of
// their values in the file.
type posIndex struct {
	pos map[string][2]int
}

func newPosIndex(root *node) *posIndex {
	idx := &posIndex{pos: map[string][2]int{}}
	idx.add(root, "", nil)
	idx.aliasInlineCopies(root)
	return idx
}

func (idx *posIndex) add(n *node, path string, key *node) {
	if n == nil {
		return
	}
	at := [2]int{n.line, n.col}
	if key != nil && (n.isNull() || n.line == 0) {
		at = [2]int{key.line, key.col}
	}
	if _, seen := idx.pos[path]; !seen {
		idx.pos[path] = at
	}
	switch n.kind {
	case mappingNode:
		for _, p := range n.pairs {
			if p.key.merge {
				for _, m := range (&node{kind: mappingNode, pairs: []pair{p}}).merged() {
					idx.add(m, path, nil)
				}
				continue
			}
			idx.add(p.value, joinField(path, p.key.value), p.key)
		}
	case sequenceNode:
		for i, c := range n.items {
			idx.add(c, fmt.Sprintf("%s[%d]", path, i), nil)
		}
	}
}

// aliasInlineCopies indexes the settings of each copy written with
// "kind" beside them also where validation names them: under the kind,
// as a copy nested under its kind writes them ("sources.copies[0].s3").
func (idx *posIndex) aliasInlineCopies(root *node) {
	copies := lookupPath(root, "sources", "copies")
	if copies == nil || copies.kind != sequenceNode {
		return
	}
	for i, c := range copies.items {
		if c.kind != mappingNode {
			continue
		}
		k := c.get("kind")
		if k == nil || k.kind != scalarNode || k.value == "" {
			continue
		}
		base := fmt.Sprintf("sources.copies[%d].%s", i, k.value)
		if _, seen := idx.pos[base]; !seen {
			idx.pos[base] = [2]int{c.line, c.col}
		}
		for _, key := range c.keys() {
			switch key {
			case "name", "role", "kind":
				continue
			}
			idx.add(c.get(key), joinField(base, key), keyNode(c, key))
		}
	}
}

// keyNode returns the key node of key in mapping n (merged mappings
// included), or nil.
func keyNode(n *node, key string) *node {
	for _, p := range n.pairs {
		if !p.key.merge && p.key.value == key {
			return p.key
		}
	}
	for _, m := range n.merged() {
		if k := keyNode(m, key); k != nil {
			return k
		}
	}
	return nil
}

// lookupPath returns the value at keys under mapping n, or nil.
func lookupPath(n *node, keys ...string) *node {
	for _, k := range keys {
		if n == nil || n.kind != mappingNode {
			return nil
		}
		n = n.get(k)
	}
	return n
}

// find returns the position of field, or of its nearest parent written in
// the file (a missing required field points at its parent mapping).
func (idx *posIndex) find(field string) (line, col int) {
	for {
		if at, ok := idx.pos[field]; ok && at[0] > 0 {
			return at[0], at[1]
		}
		if field == "" {
			return 1, 1
		}
		cut := strings.LastIndexAny(field, ".[")
		if cut < 0 {
			field = ""
		} else {
			field = field[:cut]
		}
	}
}

// syntaxProblem describes a goccy/go-yaml syntax error with its position.
func syntaxProblem(name string, err error) FileProblem {
	var ge goccy.Error
	if !errors.As(err, &ge) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return FileProblem{File: name, Line: 1, Message: msg, Hint: syntaxHint(msg)}
	}
	msg := ge.GetMessage()
	if strings.Contains(msg, "'\t'") {
		msg = "found a tab, which cannot start any token"
	}
	fp := FileProblem{File: name, Line: 1, Message: msg, Hint: syntaxHint(msg)}
	if tk := ge.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line > 0 {
		fp.Line, fp.Column = tk.Position.Line, tk.Position.Column
	}
	return fp
}

func syntaxHint(msg string) string {
	switch {
	case strings.Contains(msg, "cannot start any token"):
		return "indent with spaces, not tabs, and quote values that start with '@', '`' or '%'"
	case strings.Contains(msg, "' must be specified"), strings.Contains(msg, "expected ',' or"):
		return "close the list or mapping opened with '[' or '{' above, or separate its items with ','"
	case strings.Contains(msg, "mapping value is not allowed"), strings.Contains(msg, "mapping values are not allowed"):
		return "quote values that hold ': ', and check the indentation of this line"
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected"):
		return "check the indentation: keys of one mapping must line up"
	case strings.Contains(msg, "already defined"):
		return "each key may appear once in a mapping; remove or merge the duplicate"
	case strings.Contains(msg, "could not find expected ':'"):
		return "write 'key: value', with a space after the colon"
	case strings.Contains(msg, "found unexpected end of stream"), strings.Contains(msg, "unexpected end"):
		return "close every quote, bracket and brace"
	}
	return "check the YAML syntax near this line"
}
