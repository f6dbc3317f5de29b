package jsonshape

import (
	"fmt"
	"strings"
)

// String writes the shape as text, one path per line (see the package
// documentation). The root's own line is left out.
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b, "")
	return b.String()
}

func (n *Node) write(b *strings.Builder, path string) {
	switch n.Type {
	case "object":
		for _, f := range n.Fields {
			p := f.Name
			if path != "" {
				p = path + "." + f.Name
			}
			line(b, p, f.Node)
			f.Node.write(b, p)
		}
	case "array":
		line(b, path+"[]", n.Elem)
		n.Elem.write(b, path+"[]")
	case "map":
		line(b, path+"{}", n.Elem)
		n.Elem.write(b, path+"{}")
	}
}

func line(b *strings.Builder, path string, n *Node) {
	b.WriteString(path)
	if n.Optional {
		b.WriteByte('?')
	}
	b.WriteByte(' ')
	b.WriteString(n.Type)
	if n.Nullable {
		b.WriteString("|null")
	}
	b.WriteByte('\n')
}

var knownTypes = map[string]bool{"string": true, "integer": true, "number": true, "boolean": true, "time": true,
	"any": true, "object": true, "array": true, "map": true}

// Parse reads a shape written by String. The root is an object.
func Parse(text string) (*Node, error) {
	root := &Node{Type: "object"}
	nodes := map[string]*Node{"": root}
	for i, ln := range strings.Split(text, "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		path, typ, ok := strings.Cut(ln, " ")
		if !ok {
			return nil, fmt.Errorf("jsonshape: line %d: %q is not \"PATH TYPE\"", i+1, ln)
		}
		n := &Node{}
		if t, found := strings.CutSuffix(typ, "|null"); found {
			n.Nullable, typ = true, t
		}
		if !knownTypes[typ] {
			return nil, fmt.Errorf("jsonshape: line %d: unknown type %q", i+1, typ)
		}
		n.Type = typ
		parent, name, kind := split(path)
		if p, found := strings.CutSuffix(name, "?"); found {
			n.Optional, name = true, p
		}
		pn, ok := nodes[parent]
		if !ok {
			return nil, fmt.Errorf("jsonshape: line %d: %s comes before its parent %q", i+1, path, parent)
		}
		key := strings.TrimSuffix(path, "?")
		switch kind {
		case "[]":
			if pn.Type != "array" {
				return nil, fmt.Errorf("jsonshape: line %d: %s: %q is not an array", i+1, path, parent)
			}
			pn.Elem = n
		case "{}":
			if pn.Type != "map" {
				return nil, fmt.Errorf("jsonshape: line %d: %s: %q is not a map", i+1, path, parent)
			}
			pn.Elem = n
		default:
			if pn.Type != "object" {
				return nil, fmt.Errorf("jsonshape: line %d: %s: %q is not an object", i+1, path, parent)
			}
			pn.Fields = append(pn.Fields, Field{Name: name, Node: n})
			key = joinPath(parent, name)
		}
		nodes[key] = n
	}
	for p, n := range nodes {
		if (n.Type == "array" || n.Type == "map") && n.Elem == nil {
			return nil, fmt.Errorf("jsonshape: %s %s declares no elements", n.Type, p)
		}
	}
	return root, nil
}

// split returns a path's parent, its last field name (with a "?") and
// "[]" or "{}" when the path names an array's elements or a map's values.
func split(path string) (parent, name, kind string) {
	for _, k := range []string{"[]", "{}"} {
		if p, ok := strings.CutSuffix(path, k); ok {
			return strings.TrimSuffix(p, "?"), "", k
		}
	}
	// The last "." not inside a name: names hold no dots.
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i], path[i+1:], ""
	}
	return "", path, ""
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}
