package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

// The JSON form of the plan's locations and target. A location's kind's
// settings sit beside the keys of what holds it; the kind is written only
// when it is not the default, and a copy nests its settings under its
// kind. A plan written before locations had kinds so encodes, and
// fingerprints, as it did.

// MarshalJSON writes the primary's settings, then its filters.
func (p PrimarySource) MarshalJSON() ([]byte, error) {
	type own PrimarySource
	return marshalFlat(p.Kind(), DefaultSourceKind, p.Settings, own(p))
}

// UnmarshalJSON reads a primary: "kind" (default DefaultSourceKind), the
// kind's settings and its filters.
func (p *PrimarySource) UnmarshalJSON(b []byte) error {
	type own PrimarySource
	return unmarshalFlat(b, DefaultSourceKind, (*own)(p), &p.Settings)
}

// MarshalJSON writes the destination's settings, then its own keys.
func (d Destination) MarshalJSON() ([]byte, error) {
	type own Destination
	return marshalFlat(d.Kind(), DefaultDestinationKind, d.Settings, own(d))
}

// UnmarshalJSON reads a destination: "kind" (default
// DefaultDestinationKind), the kind's settings and its own keys.
func (d *Destination) UnmarshalJSON(b []byte) error {
	type own Destination
	return unmarshalFlat(b, DefaultDestinationKind, (*own)(d), &d.Settings)
}

// unmarshalFlat decodes a location written flat: own's keys into own,
// the rest into the settings of its kind (default def).
func unmarshalFlat(b []byte, def string, own any, settings *store.Settings) error {
	k, rest, err := splitFlat(b, def, own)
	if err != nil {
		return err
	}
	*settings, err = decodeStore(k, rest)
	return err
}

// MarshalJSON writes the target's kind, then its settings.
func (t Target) MarshalJSON() ([]byte, error) {
	k := t.Kind()
	return marshalFlat(k, "", t.Settings, struct{}{})
}

// UnmarshalJSON reads a target: "kind" and the kind's settings.
func (t *Target) UnmarshalJSON(b []byte) error {
	k, rest, err := splitFlat(b, "", &struct{}{})
	if err != nil {
		return err
	}
	if k == "" {
		if !bytes.Equal(rest, []byte("{}")) {
			return fmt.Errorf("the routing target has settings but no kind")
		}
		t.Settings = nil
		return nil
	}
	t.Settings, err = decodeTarget(k, rest)
	return err
}

// MarshalJSON writes a copy's name and role, then its settings under its
// kind.
func (c SourceCopy) MarshalJSON() ([]byte, error) {
	type own SourceCopy
	ob, err := json.Marshal(own(c))
	if err != nil {
		return nil, err
	}
	parts := [][]byte{inner(ob)}
	if c.Settings != nil {
		sb, err := json.Marshal(c.Settings)
		if err != nil {
			return nil, err
		}
		kb, _ := json.Marshal(c.Kind())
		parts = append(parts, append(append(kb, ':'), sb...))
	}
	return object(parts), nil
}

// UnmarshalJSON reads a copy: its name and role, and its settings either
// nested under its kind or beside "kind".
func (c *SourceCopy) UnmarshalJSON(b []byte) error {
	type own SourceCopy
	ms, err := members(b)
	if err != nil {
		return err
	}
	ownKeys := jsonKeys(reflect.TypeFor[own]())
	rest := map[string]json.RawMessage{}
	mine := map[string]json.RawMessage{}
	for k, v := range ms {
		if slices.Contains(ownKeys, k) {
			mine[k] = v
		} else {
			rest[k] = v
		}
	}
	if err := strictDecode(objectOf(mine), (*own)(c)); err != nil {
		return err
	}
	if kb, inline := rest["kind"]; inline {
		var k string
		if err := json.Unmarshal(kb, &k); err != nil {
			return fmt.Errorf("kind: must be a string")
		}
		delete(rest, "kind")
		c.Settings, err = decodeStore(k, objectOf(rest))
		return err
	}
	switch len(rest) {
	case 0:
		c.Settings = nil
		return nil
	case 1:
		for k, v := range rest {
			c.Settings, err = decodeStore(k, v)
		}
		return err
	}
	keys := make([]string, 0, len(rest))
	for k := range rest {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return fmt.Errorf("a copy is one location, but it sets %s", strings.Join(keys, " and "))
}

// marshalFlat writes "kind" (unless it is def), then the settings' keys,
// then own's.
func marshalFlat(k, def string, settings any, own any) ([]byte, error) {
	var parts [][]byte
	if k != def {
		kb, _ := json.Marshal(k)
		parts = append(parts, append([]byte(`"kind":`), kb...))
	}
	if !isNil(settings) {
		sb, err := json.Marshal(settings)
		if err != nil {
			return nil, err
		}
		parts = append(parts, inner(sb))
	}
	ob, err := json.Marshal(own)
	if err != nil {
		return nil, err
	}
	parts = append(parts, inner(ob))
	return object(parts), nil
}

// splitFlat decodes own's keys of the object b into own, strictly, and
// returns the kind ("kind", or def) and the remaining keys as an object:
// the kind's settings.
func splitFlat(b []byte, def string, own any) (string, []byte, error) {
	ms, err := members(b)
	if err != nil {
		return "", nil, err
	}
	k := def
	if kb, ok := ms["kind"]; ok {
		if err := json.Unmarshal(kb, &k); err != nil {
			return "", nil, fmt.Errorf("kind: must be a string")
		}
		delete(ms, "kind")
	}
	ownKeys := jsonKeys(reflect.TypeOf(own).Elem())
	mine := map[string]json.RawMessage{}
	for key, v := range ms {
		if slices.Contains(ownKeys, key) {
			mine[key] = v
			delete(ms, key)
		}
	}
	if err := strictDecode(objectOf(mine), own); err != nil {
		return "", nil, err
	}
	return k, objectOf(ms), nil
}

// decodeStore decodes raw into the settings of store kind k, strictly;
// the settings of a kind this program does not link are kept as written.
func decodeStore(k string, raw []byte) (store.Settings, error) {
	b, ok := store.Kinds.Lookup(k)
	if !ok {
		return &unknownStore{unknownKind{kind: k, raw: slices.Clone(raw)}}, nil
	}
	s := b.New()
	if err := strictDecode(raw, s); err != nil {
		return nil, fmt.Errorf("%s settings: %w", k, err)
	}
	return s, nil
}

// decodeTarget decodes raw into the settings of routing target kind k,
// strictly; the settings of a kind this program does not link are kept as
// written.
func decodeTarget(k string, raw []byte) (routing.Settings, error) {
	b, ok := routing.Kinds.Lookup(k)
	if !ok {
		return &unknownTarget{unknownKind{kind: k, raw: slices.Clone(raw)}}, nil
	}
	s := b.New()
	if err := strictDecode(raw, s); err != nil {
		return nil, fmt.Errorf("%s settings: %w", k, err)
	}
	return s, nil
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// members decodes the JSON object b into its members.
func members(b []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m, nil
}

// objectOf encodes members as a JSON object, keys sorted.
func objectOf(m map[string]json.RawMessage) []byte {
	b, _ := json.Marshal(m) // raw members of a decoded object always encode
	return b
}

// inner returns the members of the encoded object b, without its braces.
func inner(b []byte) []byte {
	b = bytes.TrimSpace(b)
	return bytes.TrimSpace(b[1 : len(b)-1])
}

// object joins members (each "key":value[,…]) into one object.
func object(parts [][]byte) []byte {
	var out bytes.Buffer
	out.WriteByte('{')
	n := 0
	for _, p := range parts {
		if len(p) == 0 {
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		out.Write(p)
		n++
	}
	out.WriteByte('}')
	return out.Bytes()
}

// isNil reports whether v is nil or a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
