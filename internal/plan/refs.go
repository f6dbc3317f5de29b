package plan

import (
	"fmt"
	"reflect"
)

var secretRefType = reflect.TypeFor[SecretRef]()

// walkRefs calls fn with the path (under prefix, with the plan's key
// names) and the settable value of every SecretRef field of the settings
// v, in field order. Finding references by their type is what lets any
// kind's settings hold them: each is listed, checked and canonicalized
// with no code of the kind's own.
func walkRefs(v any, prefix string, fn func(field string, ref reflect.Value)) {
	if isNil(v) {
		return
	}
	walkRefValue(reflect.ValueOf(v), prefix, fn)
}

func walkRefValue(v reflect.Value, path string, fn func(string, reflect.Value)) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == secretRefType:
		if v.String() != "" {
			fn(path, v)
		}
	case v.Kind() == reflect.Struct:
		for _, f := range jsonStructFields(v.Type()) {
			walkRefValue(v.FieldByIndex(f.index), joinField(path, f.name), fn)
		}
	case v.Kind() == reflect.Slice:
		for i := range v.Len() {
			walkRefValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

// canonicalRefs rewrites every SecretRef of the settings v in its
// canonical form (${NAME} becomes env:NAME).
func canonicalRefs(v any) {
	walkRefs(v, "", func(_ string, r reflect.Value) {
		if r.CanSet() {
			r.SetString(string(SecretRef(r.String()).Canonical()))
		}
	})
}
