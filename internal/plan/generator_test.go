package plan

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpandGeneratorHexPairs(t *testing.T) {
	got, err := ExpandGenerator("users/{00..ff}/")
	require.NoError(t, err)
	require.Len(t, got, 256)
	seen := map[string]bool{}
	for i, p := range got {
		assert.Equal(t, fmt.Sprintf("users/%02x/", i), p)
		seen[p] = true
	}
	assert.Len(t, seen, 256)
	assert.Equal(t, "users/00/", got[0])
	assert.Equal(t, "users/3f/", got[0x3f])
	assert.Equal(t, "users/ff/", got[255])
}

func TestExpandGenerator(t *testing.T) {
	cases := []struct {
		gen  string
		want []string
	}{
		{"users/{0..f}/", []string{"users/0/", "users/1/", "users/2/", "users/3/", "users/4/", "users/5/", "users/6/", "users/7/",
			"users/8/", "users/9/", "users/a/", "users/b/", "users/c/", "users/d/", "users/e/", "users/f/"}},
		{"users/{00..0f}/", []string{"users/00/", "users/01/", "users/02/", "users/03/", "users/04/", "users/05/", "users/06/", "users/07/",
			"users/08/", "users/09/", "users/0a/", "users/0b/", "users/0c/", "users/0d/", "users/0e/", "users/0f/"}},
		{"{8..11}", []string{"8", "9", "10", "11"}},
		{"d{08..11}", []string{"d08", "d09", "d10", "d11"}},
		{"{A..F}/", []string{"A/", "B/", "C/", "D/", "E/", "F/"}},
		{"{0A..0C}", []string{"0A", "0B", "0C"}},
		{"{eu,us}/{0..1}/", []string{"eu/0/", "eu/1/", "us/0/", "us/1/"}},
		{"logs/{2024,2025}/", []string{"logs/2024/", "logs/2025/"}},
		{"{5..5}", []string{"5"}},
	}
	for _, tc := range cases {
		t.Run(tc.gen, func(t *testing.T) {
			got, err := ExpandGenerator(tc.gen)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestExpandGeneratorDecimalRanges(t *testing.T) {
	got, err := ExpandGenerator("t/{000..999}/")
	require.NoError(t, err)
	require.Len(t, got, 1000)
	assert.Equal(t, "t/000/", got[0])
	assert.Equal(t, "t/042/", got[42])
	assert.Equal(t, "t/999/", got[999])

	got, err = ExpandGenerator("t/{1..100}/")
	require.NoError(t, err)
	require.Len(t, got, 100)
	assert.Equal(t, "t/1/", got[0])
	assert.Equal(t, "t/100/", got[99])
}

func TestExpandGeneratorIsDeterministic(t *testing.T) {
	a, err := ExpandGenerator("x/{0..f}/{00..ff}/")
	require.NoError(t, err)
	b, err := ExpandGenerator("x/{0..f}/{00..ff}/")
	require.NoError(t, err)
	require.Len(t, a, 4096)
	assert.Equal(t, a, b)
}

func TestExpandGeneratorErrors(t *testing.T) {
	for _, gen := range []string{
		"",
		"users/",            // no group
		"users/{}/",         // empty group
		"users/{00..}/",     // missing end
		"users/{..ff}/",     // missing start
		"users/{ff..00}/",   // backwards
		"users/{0..g}/",     // not a number
		"users/{a..F}/",     // mixed case
		"users/{00..ff/",    // unclosed
		"users/00..ff}/",    // stray close
		"users/{a{b}}/",     // nested
		"users/{abc}/",      // neither range nor list
		"{0..fffffffff}",    // too many digits
		"{0..ffff}/{0..ff}", // more than MaxShards
		"{0..99999999}",     // more than MaxShards in one range
	} {
		t.Run(gen, func(t *testing.T) {
			_, err := ExpandGenerator(gen)
			require.ErrorIs(t, err, ErrGenerator)
		})
	}
}
