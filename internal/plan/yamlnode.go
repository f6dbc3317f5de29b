package plan

import (
	"fmt"
	"math"

	"github.com/goccy/go-yaml/ast"
)

// node is one value of a parsed plan file: what the checks walk, what
// positions are read from, and what is converted to the JSON the plan is
// decoded from. Aliases are resolved to the anchored value (so a node may
// appear in several places); a merge key ("<<") is a scalar marked merge.
type node struct {
	kind      nodeKind
	tag       string // scalars: !!str, !!int, !!float, !!bool, !!null
	value     string // a scalar as written (a string's value)
	num       any    // !!int: int64 or uint64; !!float: float64
	boolean   bool
	merge     bool
	str       bool    // a scalar that a string field takes as written
	pairs     []pair  // a mapping's keys and values, in order
	items     []*node // a sequence's items
	line, col int
	size      int // nodes in its tree, aliases expanded; 0 for a scalar (see sizeOf)
}

type nodeKind int

const (
	scalarNode nodeKind = iota + 1
	mappingNode
	sequenceNode
)

type pair struct{ key, value *node }

func (n *node) isNull() bool { return n == nil || (n.kind == scalarNode && n.tag == "!!null") }

// maxAliased bounds the nodes aliases add to a plan when expanded. Nodes
// are shared, but every walk of the tree (positions, checks, JSON) visits
// an alias's value again at each use, so aliases of aliases ("billion
// laughs") would make a 500-byte file take minutes; a plan's few merge
// keys add tens.
const maxAliased = 10000

// fromAST converts a goccy/go-yaml document body into nodes.
type fromAST struct {
	anchors map[string]*node
	aliased int // nodes the aliases so far add, expanded
}

// sizeOf is the number of nodes in n's tree, aliases expanded.
func sizeOf(n *node) int {
	if n == nil || n.size == 0 {
		return 1
	}
	return n.size
}

func (c *fromAST) convert(an ast.Node) (*node, error) {
	if an == nil {
		return &node{kind: scalarNode, tag: "!!null"}, nil
	}
	if d, ok := an.(*ast.DocumentNode); ok {
		if d.Body != nil {
			return c.convert(d.Body)
		}
		// A document of only "---" has no body, and goccy's GetToken of
		// such a document dereferences it: the empty document is null,
		// at its "---".
		n := &node{kind: scalarNode, tag: "!!null"}
		if d.Start != nil && d.Start.Position != nil {
			n.line, n.col = d.Start.Position.Line, d.Start.Position.Column
		}
		return n, nil
	}
	n := &node{}
	if tk := an.GetToken(); tk != nil && tk.Position != nil {
		n.line, n.col = tk.Position.Line, tk.Position.Column
	}
	switch a := an.(type) {
	case *ast.CommentGroupNode:
		return &node{kind: scalarNode, tag: "!!null", line: n.line, col: n.col}, nil
	case *ast.MappingNode:
		if err := c.mapping(n, a.Values, !a.IsFlowStyle); err != nil {
			return nil, err
		}
	case *ast.MappingValueNode: // a mapping of one key
		if err := c.mapping(n, []*ast.MappingValueNode{a}, true); err != nil {
			return nil, err
		}
	case *ast.MappingKeyNode:
		return c.convert(a.Value)
	case *ast.SequenceNode:
		n.kind = sequenceNode
		for _, v := range a.Values {
			item, err := c.convert(v)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, item)
		}
	case *ast.StringNode:
		n.kind, n.tag, n.value = scalarNode, "!!str", a.Value
	case *ast.LiteralNode:
		n.kind, n.tag = scalarNode, "!!str"
		if a.Value != nil {
			n.value = a.Value.Value
		}
	case *ast.IntegerNode:
		n.kind, n.tag, n.value, n.num = scalarNode, "!!int", a.Token.Value, a.Value
	case *ast.FloatNode:
		n.kind, n.tag, n.value, n.num = scalarNode, "!!float", a.Token.Value, a.Value
	case *ast.InfinityNode:
		n.kind, n.tag, n.value, n.num = scalarNode, "!!float", a.Token.Value, a.Value
	case *ast.NanNode:
		n.kind, n.tag, n.value, n.num = scalarNode, "!!float", a.Token.Value, math.NaN()
	case *ast.BoolNode:
		n.kind, n.tag, n.value, n.boolean = scalarNode, "!!bool", a.Token.Value, a.Value
	case *ast.NullNode:
		n.kind, n.tag = scalarNode, "!!null"
		if a.Token != nil {
			n.value = a.Token.Value
		}
	case *ast.MergeKeyNode:
		n.kind, n.tag, n.value, n.merge = scalarNode, "!!str", "<<", true
	case *ast.AnchorNode:
		v, err := c.convert(a.Value)
		if err != nil {
			return nil, err
		}
		c.anchors[a.Name.GetToken().Value] = v
		return v, nil
	case *ast.AliasNode:
		name := a.Value.GetToken().Value
		v, ok := c.anchors[name]
		if !ok {
			return nil, &FileError{Problems: []FileProblem{{Line: n.line, Column: n.col,
				Message: fmt.Sprintf("alias *%s names no anchor defined before it", name), Hint: "define &" + name + " above, outside the value that uses it"}}}
		}
		if c.aliased += sizeOf(v); c.aliased > maxAliased {
			return nil, &FileError{Problems: []FileProblem{{Line: n.line, Column: n.col,
				Message: fmt.Sprintf("the aliases up to *%s expand to more than %d values", name, maxAliased), Hint: "write the values out, or alias fewer aliases"}}}
		}
		return v, nil
	case *ast.TagNode:
		v, err := c.convert(a.Value)
		if err != nil {
			return nil, err
		}
		if a.Start != nil && (a.Start.Value == "!!str" || a.Start.Value == "!str") && v.kind == scalarNode {
			s := *v
			s.tag = "!!str"
			return &s, nil
		}
		return v, nil
	default:
		n.kind, n.tag, n.value = scalarNode, "!!str", an.String()
	}
	n.size = 1
	for _, p := range n.pairs {
		n.size += sizeOf(p.key) + sizeOf(p.value)
	}
	for _, it := range n.items {
		n.size += sizeOf(it)
	}
	return n, nil
}

// mapping makes n the mapping of values; a block mapping is where its
// first key is.
func (c *fromAST) mapping(n *node, values []*ast.MappingValueNode, block bool) error {
	n.kind = mappingNode
	for _, mv := range values {
		p, err := c.pair(mv)
		if err != nil {
			return err
		}
		n.pairs = append(n.pairs, p)
	}
	if block && len(n.pairs) > 0 {
		n.line, n.col = n.pairs[0].key.line, n.pairs[0].key.col
	}
	return nil
}

func (c *fromAST) pair(mv *ast.MappingValueNode) (pair, error) {
	k, err := c.convert(mv.Key)
	if err != nil {
		return pair{}, err
	}
	v, err := c.convert(mv.Value)
	if err != nil {
		return pair{}, err
	}
	if v.isNull() && v.line == 0 {
		v.line, v.col = k.line, k.col
	}
	return pair{key: k, value: v}, nil
}

// get returns the value of key in mapping n, merged mappings included
// (a key of n's own wins), or nil.
func (n *node) get(key string) *node {
	for _, p := range n.pairs {
		if !p.key.merge && p.key.value == key {
			return p.value
		}
	}
	for _, m := range n.merged() {
		if v := m.get(key); v != nil {
			return v
		}
	}
	return nil
}

// merged returns the mappings n merges in with "<<", in order.
func (n *node) merged() []*node {
	var out []*node
	for _, p := range n.pairs {
		if !p.key.merge {
			continue
		}
		switch v := p.value; v.kind {
		case mappingNode:
			out = append(out, v)
		case sequenceNode:
			for _, it := range v.items {
				if it.kind == mappingNode {
					out = append(out, it)
				}
			}
		}
	}
	return out
}

// keys returns the keys of mapping n, merged ones included, each once,
// own keys first.
func (n *node) keys() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(m *node)
	walk = func(m *node) {
		for _, p := range m.pairs {
			if !p.key.merge && !seen[p.key.value] {
				seen[p.key.value] = true
				out = append(out, p.key.value)
			}
		}
		for _, sub := range m.merged() {
			walk(sub)
		}
	}
	walk(n)
	return out
}
