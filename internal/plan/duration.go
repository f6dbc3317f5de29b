package plan

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Duration is a time.Duration written as a Go duration string ("15m",
// "168h", "1h30m") in JSON and YAML. Numbers are refused: a bare number
// has no unit and is a common mistake.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d as a Go duration string without zero trailing units:
// "15m" rather than "15m0s", "168h" rather than "168h0m0s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
	}
	return s
}

// ParseDuration parses a Go duration string ("15m", "2h45m").
func ParseDuration(s string) (Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: write a Go duration such as \"30s\", \"15m\" or \"168h\": %w", s, err)
	}
	return Duration(v), nil
}

// MarshalText writes d as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes d as a JSON string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a JSON string holding a Go duration.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("invalid duration %s: write a quoted Go duration such as \"15m\"", string(b))
	}
	return d.UnmarshalText([]byte(s))
}

// MarshalYAML writes d as a YAML string (go.yaml.in/yaml/v3 and
// compatible encoders).
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a YAML string holding a Go duration. It uses the
// decoder-neutral form that go.yaml.in/yaml/v3 and goccy/go-yaml accept.
func (d *Duration) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return fmt.Errorf("invalid duration: write a Go duration string such as \"15m\": %w", err)
	}
	return d.UnmarshalText([]byte(s))
}
