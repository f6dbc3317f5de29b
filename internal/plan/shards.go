package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Shard is one shard of a plan: its stable id and its key prefix.
type Shard struct {
	ID     string `json:"id"`
	Prefix string `json:"prefix"`
}

// shardEntry is an expanded prefix with the plan field it came from.
type shardEntry struct {
	prefix string
	field  string
}

// entries expands the plan's shards in input order, each with its field:
// "shards.prefixes[i]" or "shards.generator".
func (s Shards) entries() ([]shardEntry, error) {
	out := make([]shardEntry, 0, len(s.Prefixes))
	for i, p := range s.Prefixes {
		out = append(out, shardEntry{prefix: p, field: fmt.Sprintf("shards.prefixes[%d]", i)})
	}
	if s.Generator != "" {
		gen, err := ExpandGenerator(s.Generator)
		if err != nil {
			return nil, err
		}
		for _, p := range gen {
			out = append(out, shardEntry{prefix: p, field: "shards.generator"})
		}
	}
	return out, nil
}

// ShardPrefixes returns every shard prefix of the plan, the explicit ones
// and the generated ones, sorted. It fails only on a bad generator; use
// Validate to find empty lists and overlaps.
func (p *Plan) ShardPrefixes() ([]string, error) {
	es, err := p.Shards.entries()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.prefix
	}
	slices.Sort(out)
	return out, nil
}

// ShardList returns the plan's shards, sorted by prefix, each with its
// ShardID.
func (p *Plan) ShardList() ([]Shard, error) {
	prefixes, err := p.ShardPrefixes()
	if err != nil {
		return nil, err
	}
	out := make([]Shard, len(prefixes))
	for i, pr := range prefixes {
		out[i] = Shard{ID: ShardID(pr), Prefix: pr}
	}
	return out, nil
}

// shardIDReadable bounds the readable part of a shard id.
const shardIDReadable = 40

// ShardID returns a stable id for the shard with the given prefix, safe in
// Temporal workflow ids, search attributes, file names and object keys: the
// prefix lower-cased with every run of other characters than [a-z0-9]
// turned into '-' (at most 40 characters), then '-' and the first 12 hex
// digits of the prefix's SHA-256, which keeps ids of distinct prefixes
// distinct. For example "users/3f/" gives "users-3f-" followed by 12 hex
// digits. An empty readable part becomes "shard".
func ShardID(prefix string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(prefix) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			dash = true
			continue
		}
		need := 1
		if dash && b.Len() > 0 {
			need = 2
		}
		if b.Len()+need > shardIDReadable {
			break
		}
		if need == 2 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(c)
	}
	readable := b.String()
	if readable == "" {
		readable = "shard"
	}
	sum := sha256.Sum256([]byte(prefix))
	return readable + "-" + hex.EncodeToString(sum[:6])
}

// overlap is a pair of shard entries where one prefix covers the other.
type overlap struct {
	outer, inner shardEntry
}

// findOverlaps returns each entry whose prefix starts with an earlier
// prefix in sorted order (duplicates included). Sorting puts every prefix
// that extends p right after p, so one pass over the sorted list finds
// them all: O(n log n).
func findOverlaps(es []shardEntry) []overlap {
	sorted := slices.Clone(es)
	slices.SortStableFunc(sorted, func(a, b shardEntry) int { return strings.Compare(a.prefix, b.prefix) })
	var out []overlap
	for i := 1; i < len(sorted); {
		root := sorted[i-1]
		j := i
		for j < len(sorted) && strings.HasPrefix(sorted[j].prefix, root.prefix) {
			out = append(out, overlap{outer: root, inner: sorted[j]})
			j++
		}
		i = j + 1
	}
	return out
}
