package plan

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrGenerator is wrapped by errors about a shard generator's syntax.
var ErrGenerator = errors.New("invalid shard generator")

// maxRangeDigits bounds the digits of a range end, so values fit easily.
const maxRangeDigits = 8

// ExpandGenerator expands a shard generator into its prefixes, in
// generation order (the cross product of its groups, leftmost slowest).
// Groups are written in braces:
//
//	{00..ff}   hex range, zero-padded to 2 characters: 00, 01, …, ff (256)
//	{0..f}     hex range of single characters: 0, 1, …, f (16)
//	{0..99}    decimal range, unpadded: 0, 1, …, 99
//	{000..999} decimal range, zero-padded to 3 characters
//	{eu,us}    a list
//
// A range is hex when either end holds a hex letter (a-f, or A-F for
// upper-case output), and zero-padded to the longer end's width when either
// end has a leading zero. The expansion is deterministic and at most
// MaxShards long. Errors wrap ErrGenerator.
func ExpandGenerator(gen string) ([]string, error) {
	parts, err := parseGenerator(gen)
	if err != nil {
		return nil, err
	}
	total := 1
	for _, p := range parts {
		total *= len(p)
		if total > MaxShards {
			return nil, fmt.Errorf("%w: %q expands to more than %d prefixes", ErrGenerator, gen, MaxShards)
		}
	}
	out := []string{""}
	for _, alts := range parts {
		next := make([]string, 0, len(out)*len(alts))
		for _, head := range out {
			for _, a := range alts {
				next = append(next, head+a)
			}
		}
		out = next
	}
	return out, nil
}

// parseGenerator splits gen into parts, each a list of alternatives (a
// literal is a list of one).
func parseGenerator(gen string) ([][]string, error) {
	if gen == "" {
		return nil, fmt.Errorf("%w: it is empty", ErrGenerator)
	}
	var parts [][]string
	rest := gen
	groups := 0
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			parts = append(parts, []string{rest})
			break
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf("%w: %q has a '}' without its '{'", ErrGenerator, gen)
		}
		if open > 0 {
			parts = append(parts, []string{rest[:open]})
		}
		body, after, ok := strings.Cut(rest[open+1:], "}")
		if !ok {
			return nil, fmt.Errorf("%w: %q has a '{' without its '}'", ErrGenerator, gen)
		}
		if strings.Contains(body, "{") {
			return nil, fmt.Errorf("%w: %q nests braces; write groups side by side", ErrGenerator, gen)
		}
		alts, err := expandGroup(body)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: group {%s}: %w", ErrGenerator, gen, body, err)
		}
		parts = append(parts, alts)
		groups++
		rest = after
	}
	if groups == 0 {
		return nil, fmt.Errorf("%w: %q has no {A..B} or {x,y} group; list a single prefix under shards.prefixes instead", ErrGenerator, gen)
	}
	return parts, nil
}

// expandGroup expands the body of one {…} group.
func expandGroup(body string) ([]string, error) {
	if lo, hi, ok := strings.Cut(body, ".."); ok {
		return expandRange(lo, hi)
	}
	if strings.Contains(body, ",") {
		return strings.Split(body, ","), nil
	}
	return nil, errors.New("write a range A..B or a list x,y")
}

func expandRange(lo, hi string) ([]string, error) {
	if lo == "" || hi == "" {
		return nil, errors.New("a range needs both ends, as in 00..ff")
	}
	if len(lo) > maxRangeDigits || len(hi) > maxRangeDigits {
		return nil, fmt.Errorf("range ends are limited to %d digits", maxRangeDigits)
	}
	hex, upper := false, false
	for _, s := range []string{lo, hi} {
		for _, c := range s {
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'f':
				hex = true
				if upper {
					return nil, errors.New("mixes upper- and lower-case hex digits")
				}
			case c >= 'A' && c <= 'F':
				hex, upper = true, true
				if strings.ContainsAny(lo+hi, "abcdef") {
					return nil, errors.New("mixes upper- and lower-case hex digits")
				}
			default:
				return nil, fmt.Errorf("%q is not a decimal or hex number", s)
			}
		}
	}
	base := 10
	if hex {
		base = 16
	}
	a, err := strconv.ParseUint(lo, base, 64)
	if err != nil {
		return nil, err
	}
	b, err := strconv.ParseUint(hi, base, 64)
	if err != nil {
		return nil, err
	}
	if a > b {
		return nil, fmt.Errorf("the range runs backwards; write %s..%s", hi, lo)
	}
	if b-a >= MaxShards {
		return nil, fmt.Errorf("the range holds more than %d values", MaxShards)
	}
	width := 0
	if (len(lo) > 1 && lo[0] == '0') || (len(hi) > 1 && hi[0] == '0') {
		width = max(len(lo), len(hi))
	}
	out := make([]string, 0, b-a+1)
	for v := a; v <= b; v++ {
		s := strconv.FormatUint(v, base)
		if upper {
			s = strings.ToUpper(s)
		}
		if len(s) < width {
			s = strings.Repeat("0", width-len(s)) + s
		}
		out = append(out, s)
	}
	return out, nil
}
