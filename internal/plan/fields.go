package plan

import (
	"reflect"
	"slices"
	"strings"
	"sync"
)

// jsonField is one key of a struct type as a plan writes it.
type jsonField struct {
	name  string
	index []int
	typ   reflect.Type
}

var fieldCache sync.Map // reflect.Type -> []jsonField

// jsonStructFields lists the keys of struct type t, from its json tags,
// in field order: embedded structs without a key of their own are
// flattened, and fields tagged "-" left out. The plan is decoded from
// JSON, so these tags are the only names of its keys.
func jsonStructFields(t reflect.Type) []jsonField {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]jsonField)
	}
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for _, sub := range jsonStructFields(ft) {
					out = append(out, jsonField{name: sub.name, index: append([]int{i}, sub.index...), typ: sub.typ})
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
		out = append(out, jsonField{name: name, index: []int{i}, typ: f.Type})
	}
	fieldCache.Store(t, out)
	return out
}

// jsonFields maps the keys of struct type t to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, f := range jsonStructFields(t) {
		m[f.name] = f.typ
	}
	return m
}

// jsonKeys returns the keys of struct type t, sorted.
func jsonKeys(t reflect.Type) []string {
	fs := jsonStructFields(t)
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.name
	}
	slices.Sort(out)
	return out
}

// joinField joins a field path and a key below it; either may be empty.
func joinField(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	}
	return path + "." + key
}
