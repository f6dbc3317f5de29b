package plan

import (
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml"
)

// FormatYAML writes the plan as a YAML plan file, keys in the order of
// the plan's JSON, which is what ParseFile reads back.
func FormatYAML(p *Plan) ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("plan: encode: %w", err)
	}
	out, err := yaml.JSONToYAML(b)
	if err != nil {
		return nil, fmt.Errorf("plan: encode: %w", err)
	}
	return out, nil
}

// The plan's locations and target encode to YAML, and decode from it, as
// they do to and from JSON (goccy/go-yaml's BytesMarshaler and
// BytesUnmarshaler), so that a YAML library marshaling a Plan writes what
// a plan file holds.

// MarshalYAML writes p as its JSON form does.
func (p PrimarySource) MarshalYAML() ([]byte, error) { return yamlOf(p) }

// UnmarshalYAML reads p as its JSON form is read.
func (p *PrimarySource) UnmarshalYAML(b []byte) error { return fromYAML(b, p) }

// MarshalYAML writes d as its JSON form does.
func (d Destination) MarshalYAML() ([]byte, error) { return yamlOf(d) }

// UnmarshalYAML reads d as its JSON form is read.
func (d *Destination) UnmarshalYAML(b []byte) error { return fromYAML(b, d) }

// MarshalYAML writes c as its JSON form does.
func (c SourceCopy) MarshalYAML() ([]byte, error) { return yamlOf(c) }

// UnmarshalYAML reads c as its JSON form is read.
func (c *SourceCopy) UnmarshalYAML(b []byte) error { return fromYAML(b, c) }

// MarshalYAML writes t as its JSON form does.
func (t Target) MarshalYAML() ([]byte, error) { return yamlOf(t) }

// UnmarshalYAML reads t as its JSON form is read.
func (t *Target) UnmarshalYAML(b []byte) error { return fromYAML(b, t) }

func yamlOf(v json.Marshaler) ([]byte, error) {
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(b)
}

func fromYAML(b []byte, v json.Unmarshaler) error {
	js, err := yaml.YAMLToJSON(b)
	if err != nil {
		return err
	}
	return v.UnmarshalJSON(js)
}
