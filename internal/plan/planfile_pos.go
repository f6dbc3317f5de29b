package plan

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
	"go.yaml.in/yaml/v3"
)

// posIndex maps field paths ("shards.prefixes[3]") to the positions of
// their values in the file.
type posIndex struct {
	root *yaml.Node
	pos  map[string][2]int
}

func newPosIndex(root *yaml.Node) *posIndex {
	idx := &posIndex{root: root, pos: map[string][2]int{}}
	idx.add(root, "", nil)
	return idx
}

func (idx *posIndex) add(n *yaml.Node, path string, key *yaml.Node) {
	n = deref(n)
	if n == nil {
		return
	}
	at := [2]int{n.Line, n.Column}
	if key != nil && (isNull(n) || n.Line == 0) {
		at = [2]int{key.Line, key.Column}
	}
	if _, seen := idx.pos[path]; !seen {
		idx.pos[path] = at
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				if m := deref(v); m != nil && m.Kind == yaml.MappingNode {
					idx.add(m, path, nil)
				}
				continue
			}
			idx.add(v, join(path, k.Value), k)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			idx.add(c, fmt.Sprintf("%s[%d]", path, i), nil)
		}
	}
}

// find returns the position of field, or of its nearest parent written in
// the file (a missing required field points at its parent mapping).
func (idx *posIndex) find(field string) (line, col int) {
	for {
		if at, ok := idx.pos[field]; ok {
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

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlProblems turns a go.yaml.in/yaml/v3 error (a syntax error or a
// *yaml.TypeError) into located problems. yaml.v3 names only the line of a
// syntax error (and not even that on line 1), so a syntax error is
// described by goccy/go-yaml instead, whose errors carry line and column,
// when it finds one; else by yaml.v3, with its line.
func yamlProblems(name string, data []byte, err error) []FileProblem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		if fp, ok := syntaxProblem(name, data); ok {
			return []FileProblem{fp}
		}
	}
	var msgs []string
	if te != nil {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]FileProblem, 0, len(msgs))
	for _, m := range msgs {
		fp := FileProblem{File: name, Message: strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(fp.Message); sm != nil {
			fp.Line, _ = strconv.Atoi(sm[1])
			fp.Message = sm[2]
		} else if te == nil {
			fp.Line = 1 // yaml.v3 leaves out "line 1"
		}
		fp.Hint = syntaxHint(fp.Message)
		out = append(out, fp)
	}
	return out
}

// syntaxProblem describes the first syntax error goccy/go-yaml finds in
// data, with its position.
func syntaxProblem(name string, data []byte) (FileProblem, bool) {
	_, err := parser.ParseBytes(data, 0)
	var ge goccy.Error
	if err == nil || !errors.As(err, &ge) {
		return FileProblem{}, false
	}
	tk := ge.GetToken()
	if tk == nil || tk.Position == nil || tk.Position.Line == 0 {
		return FileProblem{}, false
	}
	msg := ge.GetMessage()
	if strings.Contains(msg, "'\t'") {
		msg = "found a tab, which cannot start any token"
	}
	return FileProblem{File: name, Line: tk.Position.Line, Column: tk.Position.Column,
		Message: msg, Hint: syntaxHint(msg)}, true
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
