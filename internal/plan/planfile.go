package plan

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// FileProblem is one thing wrong with a plan file, located in it.
type FileProblem struct {
	// File is the file's name as given to Parse or ParseFile.
	File string `json:"file"`
	// Line and Column are 1-based; 0 means unknown (Column 0 is left out
	// of the formatted problem).
	Line   int `json:"line"`
	Column int `json:"column"`
	// Field is the field's path ("shards.prefixes[3]"), or "" for a
	// syntax error.
	Field string `json:"field,omitempty"`
	// Message says what is wrong. It never holds a secret value.
	Message string `json:"message"`
	// Hint says what to do about it.
	Hint string `json:"hint,omitempty"`
}

// String formats p as "file:line:col: field: message (hint)".
func (p FileProblem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.Hint != "" {
		b.WriteString(" (")
		b.WriteString(p.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// FileError lists every problem found in a plan file, each with its
// position. It wraps ErrInvalid, so errors.Is(err, plan.ErrInvalid) holds
// for malformed YAML, wrong types, unknown keys and invalid values alike.
type FileError struct {
	Problems []FileProblem `json:"problems"`
}

// Error prints one "file:line:col: field: message (hint)" per line.
func (e *FileError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns ErrInvalid.
func (e *FileError) Unwrap() error { return ErrInvalid }

// ParseOptions tune ParseWith.
type ParseOptions struct {
	// Lookup, when set, also checks that every secret reference resolves
	// (ValidateSecrets), reporting each unresolvable one at its position.
	// Only workers, which hold the credentials, should set it. Values are
	// never kept or reported.
	Lookup func(string) (string, bool)
}

// ParseFile reads the plan file at path (YAML, or JSON, which is YAML)
// and returns it normalized and validated. Any problem, from malformed
// YAML to an invalid value, is returned as a *FileError whose problems
// carry path:line:column, the field and a hint. A file that cannot be
// read is returned as the *fs.PathError.
func ParseFile(path string) (*Plan, error) {
	return ParseFileWith(path, ParseOptions{})
}

// ParseFileWith is ParseFile with options.
func ParseFileWith(path string, opts ParseOptions) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return ParseWith(path, data, opts)
}

// Parse decodes the plan document data, strictly, and returns it
// normalized and validated; name labels positions in errors (usually the
// file's path). See ParseFile.
func Parse(name string, data []byte) (*Plan, error) {
	return ParseWith(name, data, ParseOptions{})
}

// ParseWith is Parse with options.
//
// One path reads every plan: the document is parsed into nodes
// (goccy/go-yaml), its keys and values are checked against the plan's Go
// types and each location's kind, it is converted to JSON and decoded from
// it (as a plan in a workflow input is), normalized and validated, and
// finally checked against the plan's JSON Schema (Schema). Every problem
// is located at its line and column.
func ParseWith(name string, data []byte, opts ParseOptions) (*Plan, error) {
	root, err := parseNode(name, data)
	if err != nil {
		return nil, err
	}
	idx := newPosIndex(root)
	var fps []FileProblem
	checkNode(root, planType, "", func(n *node, field, msg, hint string) {
		fps = append(fps, FileProblem{File: name, Line: n.line, Column: n.col, Field: field, Message: msg, Hint: hint})
	})
	if len(fps) > 0 {
		return nil, &FileError{Problems: fps}
	}
	js, err := toJSON(root)
	if err != nil {
		return nil, &FileError{Problems: []FileProblem{{File: name, Line: 1, Message: err.Error(), Hint: "write finite numbers"}}}
	}
	var p Plan
	if err := strictDecode(js, &p); err != nil {
		// The checks above find every structural problem; this is a
		// safety net.
		return nil, &FileError{Problems: []FileProblem{{File: name, Line: 1, Message: err.Error(), Hint: "check the plan against docs/PLAN.md"}}}
	}
	p.Normalize()
	verr := p.Validate()
	if verr == nil && opts.Lookup != nil {
		verr = p.ValidateSecrets(opts.Lookup)
	}
	if verr != nil {
		return nil, locate(name, idx, verr)
	}
	if fps := schemaProblems(name, js, idx); len(fps) > 0 {
		return nil, &FileError{Problems: fps}
	}
	return &p, nil
}

// parseNode parses data into its single YAML document's root node.
func parseNode(name string, data []byte) (*node, error) {
	empty := func(line, col int) error {
		return &FileError{Problems: []FileProblem{{File: name, Line: line, Column: col, Message: "the plan is empty",
			Hint: "start from examples/us-users-to-oci.yaml"}}}
	}
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, &FileError{Problems: []FileProblem{syntaxProblem(name, err)}}
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d == nil {
			continue
		}
		if _, directive := d.Body.(*ast.DirectiveNode); directive {
			continue // goccy parses "%YAML 1.2" as a document of its own; it belongs to the next
		}
		if d.Body != nil || d.Start != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return nil, empty(1, 0)
	}
	if len(docs) > 1 {
		line, col := 1, 1
		tk := docs[1].Start // its '---'
		if tk == nil {
			tk = docs[1].GetToken()
		}
		if tk != nil && tk.Position != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
		return nil, &FileError{Problems: []FileProblem{{File: name, Line: line, Column: col,
			Message: "a second YAML document follows the plan", Hint: "a plan file holds one plan; remove the '---' and what follows, or split the file"}}}
	}
	c := &fromAST{anchors: map[string]*node{}}
	root, err := c.convert(docs[0])
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			for i := range fe.Problems {
				fe.Problems[i].File = name
			}
		}
		return nil, err
	}
	if root.isNull() {
		line := max(root.line, 1)
		return nil, empty(line, root.col)
	}
	return root, nil
}

// locate gives each problem of a *ValidationError the position of its
// field (or of its nearest written parent).
func locate(name string, idx *posIndex, err error) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("%s: %w", name, err)
	}
	fps := make([]FileProblem, 0, len(ve.Problems))
	for _, p := range ve.Problems {
		line, col := idx.find(p.Field)
		fps = append(fps, FileProblem{File: name, Line: line, Column: col, Field: p.Field, Message: p.Message, Hint: p.Hint})
	}
	slices.SortStableFunc(fps, func(a, b FileProblem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &FileError{Problems: fps}
}
