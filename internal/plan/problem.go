package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ocimove/ocimove/internal/kind"
)

// ErrInvalid is wrapped by every *ValidationError, so that callers can test
// errors.Is(err, plan.ErrInvalid).
var ErrInvalid = errors.New("invalid plan")

// Problem is one thing wrong with a plan.
type Problem struct {
	// Field is the path of the offending field, with the plan's JSON/YAML
	// key names, such as "shards.prefixes[3]" or
	// "residency.allowedRegions[0]".
	Field string `json:"field"`
	// Message says what is wrong. It never holds a secret value.
	Message string `json:"message"`
	// Hint says what to do about it.
	Hint string `json:"hint,omitempty"`
}

// String formats p as "field: message (hint)".
func (p Problem) String() string {
	if p.Hint == "" {
		return p.Field + ": " + p.Message
	}
	return p.Field + ": " + p.Message + " (" + p.Hint + ")"
}

// ValidationError lists every problem found in a plan.
type ValidationError struct {
	Problems []Problem `json:"problems"`
}

// Error lists the problems, one per line, as "field: message (hint)".
func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("invalid plan: 1 problem")
	} else {
		fmt.Fprintf(&b, "invalid plan: %d problems", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Fields returns the fields of the problems, in order.
func (e *ValidationError) Fields() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.Field
	}
	return out
}

// problems collects Problems.
type problems struct{ list []Problem }

func (ps *problems) add(field, msg, hint string) {
	ps.list = append(ps.list, Problem{Field: field, Message: msg, Hint: hint})
}

func (ps *problems) addf(field, hint, format string, args ...any) {
	ps.add(field, fmt.Sprintf(format, args...), hint)
}

// err returns nil or a *ValidationError holding the problems.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.list}
}

// at returns a kind.Reporter that adds problems to ps, their fields under
// prefix: how a kind's settings report at their place in the plan.
func (ps *problems) at(prefix string) kind.Reporter { return prefixed{ps, prefix} }

type prefixed struct {
	ps     *problems
	prefix string
}

func (r prefixed) Add(field, msg, hint string) { r.ps.add(joinField(r.prefix, field), msg, hint) }

func (r prefixed) Addf(field, hint, format string, args ...any) {
	r.ps.addf(joinField(r.prefix, field), hint, format, args...)
}
