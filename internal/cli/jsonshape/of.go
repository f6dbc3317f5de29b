package jsonshape

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Node is the shape of one JSON value.
type Node struct {
	// Type is one of string, integer, number, boolean, time, any,
	// object, array, map.
	Type string
	// Optional: the field may be absent. Nullable: the value may be null.
	Optional, Nullable bool
	// Fields are an object's fields, in order.
	Fields []Field
	// Elem is an array's element or a map's value.
	Elem *Node
}

// Field is one field of an object.
type Field struct {
	Name string
	Node *Node
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawType           = reflect.TypeFor[json.RawMessage]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// maxDepth bounds the nesting Of follows (a recursive type is an error).
const maxDepth = 32

// Of returns the shape encoding/json gives values of t.
func Of(t reflect.Type) (*Node, error) { return of(t, 0) }

// MustOf is Of for a value's type; it panics on a type it cannot
// describe.
func MustOf(v any) *Node {
	n, err := Of(reflect.TypeOf(v))
	if err != nil {
		panic(err)
	}
	return n
}

func of(t reflect.Type, depth int) (*Node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("jsonshape: %s nests deeper than %d levels (a recursive type?)", t, maxDepth)
	}
	if t.Kind() == reflect.Pointer {
		n, err := of(t.Elem(), depth+1)
		if err != nil {
			return nil, err
		}
		n.Nullable = true
		return n, nil
	}
	switch {
	case t == timeType:
		return &Node{Type: "time"}, nil
	case t == rawType:
		return &Node{Type: "any"}, nil
	case t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType):
		if t.Kind() == reflect.String || t.Implements(textMarshalerType) {
			return &Node{Type: "string"}, nil // such as a duration written as text
		}
		return &Node{Type: "any"}, nil
	case t.Implements(textMarshalerType) && t.Kind() != reflect.String:
		return &Node{Type: "string"}, nil
	}
	switch t.Kind() {
	case reflect.String:
		return &Node{Type: "string"}, nil
	case reflect.Bool:
		return &Node{Type: "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &Node{Type: "integer"}, nil
	case reflect.Float32, reflect.Float64:
		return &Node{Type: "number"}, nil
	case reflect.Interface:
		return &Node{Type: "any"}, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return &Node{Type: "string"}, nil // base64
		}
		e, err := of(t.Elem(), depth+1)
		if err != nil {
			return nil, err
		}
		return &Node{Type: "array", Elem: e}, nil
	case reflect.Map:
		e, err := of(t.Elem(), depth+1)
		if err != nil {
			return nil, err
		}
		return &Node{Type: "map", Elem: e}, nil
	case reflect.Struct:
		n := &Node{Type: "object"}
		if err := addFields(n, t, depth); err != nil {
			return nil, err
		}
		return n, nil
	}
	return nil, fmt.Errorf("jsonshape: %s (%s) has no JSON shape", t, t.Kind())
}

// addFields adds t's fields to n as encoding/json writes them: tagged
// names, embedded structs without a name promoted, "-" and unexported
// fields left out.
func addFields(n *Node, t reflect.Type, depth int) error {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if err := addFields(n, et, depth+1); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fn, err := of(ft, depth+1)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
		for _, o := range strings.Split(opts, ",") {
			if o == "omitempty" || o == "omitzero" {
				fn.Optional = true
			}
		}
		n.Fields = append(n.Fields, Field{Name: name, Node: fn})
	}
	return nil
}
