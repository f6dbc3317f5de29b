package plan

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShardPrefixesSortedUnion(t *testing.T) {
	p := Example()
	p.Shards = Shards{Prefixes: []string{"zeta/", "alpha/"}, Generator: "users/{0..2}/"}
	got, err := p.ShardPrefixes()
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha/", "users/0/", "users/1/", "users/2/", "zeta/"}, got)
	// The plan keeps the generator, not its expansion.
	assert.Equal(t, []string{"zeta/", "alpha/"}, p.Shards.Prefixes)

	p.Shards.Generator = "users/{0..}/"
	_, err = p.ShardPrefixes()
	assert.ErrorIs(t, err, ErrGenerator)
}

func TestShardList(t *testing.T) {
	shards, err := Example().ShardList()
	require.NoError(t, err)
	require.Len(t, shards, 16)
	assert.Equal(t, "users/00/", shards[0].Prefix)
	assert.Equal(t, ShardID("users/00/"), shards[0].ID)
	assert.Equal(t, "users/0f/", shards[15].Prefix)
}

var temporalSafe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestShardID(t *testing.T) {
	// Pinned values: ids are stable across releases, since running
	// workflows are found by them.
	assert.Equal(t, "users-3f-f85848074c6b", ShardID("users/3f/"))
	assert.Equal(t, "shard-e3b0c44298fc", ShardID(""))

	for _, prefix := range []string{"users/3f/", "Users/3F/", "a b/ c", "/", "ü/日本/", strings.Repeat("abc/", 100), "--x--"} {
		id := ShardID(prefix)
		assert.Regexp(t, temporalSafe, id, "prefix %q", prefix)
		assert.LessOrEqual(t, len(id), shardIDReadable+13)
		assert.Equal(t, id, ShardID(prefix), "stable")
	}
	assert.True(t, strings.HasPrefix(ShardID("users/3f/"), "users-3f-"))
	// Prefixes that read alike still get distinct ids.
	assert.NotEqual(t, ShardID("users/3f/"), ShardID("users/3F/"))
	assert.NotEqual(t, ShardID("a/b"), ShardID("a-b"))
	long := strings.Repeat("x", 60)
	assert.NotEqual(t, ShardID(long+"1"), ShardID(long+"2"))
}

func TestShardIDsUniqueOverGenerator(t *testing.T) {
	p := Example()
	p.Shards = Shards{Generator: "users/{0000..ffff}/"}
	prefixes, err := p.ShardPrefixes()
	require.NoError(t, err)
	seen := make(map[string]bool, len(prefixes))
	for _, pr := range prefixes {
		id := ShardID(pr)
		require.False(t, seen[id], "duplicate id %s", id)
		seen[id] = true
	}
}

func TestFindOverlaps(t *testing.T) {
	es := func(ps ...string) []shardEntry {
		out := make([]shardEntry, len(ps))
		for i, p := range ps {
			out[i] = shardEntry{prefix: p, field: p}
		}
		return out
	}
	pairs := func(ovs []overlap) [][2]string {
		var out [][2]string
		for _, o := range ovs {
			out = append(out, [2]string{o.outer.prefix, o.inner.prefix})
		}
		return out
	}
	assert.Empty(t, findOverlaps(es("a/", "b/", "c/", "ab/")))
	assert.Equal(t, [][2]string{{"a", "a/"}, {"a", "ab"}, {"a", "abc"}},
		pairs(findOverlaps(es("abc", "b", "a", "ab", "a/"))))
	assert.Equal(t, [][2]string{{"x/", "x/"}}, pairs(findOverlaps(es("x/", "y/", "x/"))))
	assert.Equal(t, [][2]string{{"a", "ab"}, {"b", "bc"}}, pairs(findOverlaps(es("a", "ab", "b", "bc"))))
	assert.Equal(t, [][2]string{{"", "a"}, {"", "b"}}, pairs(findOverlaps(es("b", "", "a"))))
}
