package jsonshape_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/cli/jsonshape"
)

type inner struct {
	N int `json:"n"`
}

type embedded struct {
	E string `json:"e"`
}

type doc struct {
	embedded
	Name    string            `json:"name"`
	At      time.Time         `json:"at"`
	When    time.Time         `json:"when,omitzero"`
	Ratio   float64           `json:"ratio"`
	OK      bool              `json:"ok"`
	Items   []inner           `json:"items"`
	ByState map[string]int    `json:"byState,omitempty"`
	Ptr     *inner            `json:"ptr"`
	Raw     json.RawMessage   `json:"raw,omitempty"`
	Tags    map[string]string `json:"-"`
	hidden  int
	Blob    []byte `json:"blob,omitempty"`
	Untag   string
}

const want = `e string
name string
at time
when? time
ratio number
ok boolean
items array
items[] object
items[].n integer
byState? map
byState{} integer
ptr object|null
ptr.n integer
raw? any
blob? string
Untag string
`

func TestOfWritesWhatEncodingJSONWrites(t *testing.T) {
	n := jsonshape.MustOf(doc{})
	assert.Equal(t, want, n.String())
	back, err := jsonshape.Parse(want)
	require.NoError(t, err)
	assert.Equal(t, want, back.String(), "Parse reads String back")

	b, err := json.Marshal(doc{At: time.Now(), Items: []inner{{1}}, ByState: map[string]int{"Copying": 2}, Raw: json.RawMessage(`[1]`)})
	require.NoError(t, err)
	assert.NoError(t, jsonshape.Check(n, b), string(b))
	b, err = json.Marshal(doc{})
	require.NoError(t, err)
	assert.NoError(t, jsonshape.Check(n, b), "nil slices and pointers are null; optional fields absent: %s", b)
	_ = doc{}.hidden
}

func TestCheckNamesEveryDifference(t *testing.T) {
	n, err := jsonshape.Parse(want)
	require.NoError(t, err)
	for _, c := range []struct{ doc, problem string }{
		{`{"e":"","name":"x","at":"2026-01-01T00:00:00Z","ratio":1,"ok":true,"items":[],"ptr":null,"Untag":"","extra":1}`, "extra: not declared"},
		{`{"e":"","at":"2026-01-01T00:00:00Z","ratio":1,"ok":true,"items":[],"ptr":null,"Untag":""}`, "name: missing"},
		{`{"e":"","name":"x","at":"yesterday","ratio":1,"ok":true,"items":[],"ptr":null,"Untag":""}`, "at: \"yesterday\" is not an RFC 3339 time"},
		{`{"e":"","name":"x","at":"2026-01-01T00:00:00Z","ratio":1,"ok":true,"items":[{"n":1.5}],"ptr":null,"Untag":""}`, "items[].n: 1.5 is not an integer"},
		{`{"e":"","name":"x","at":"2026-01-01T00:00:00Z","ratio":1,"ok":"yes","items":[],"ptr":null,"Untag":""}`, "ok: string, want a boolean"},
		{`{"e":"","name":null,"at":"2026-01-01T00:00:00Z","ratio":1,"ok":true,"items":[],"ptr":null,"Untag":""}`, "name: null, want string"},
		{`{"e":"","name":"x","at":"2026-01-01T00:00:00Z","ratio":1,"ok":true,"items":[],"ptr":null,"Untag":"","byState":{"a":"b"}}`, "byState{}: string, want an integer"},
		{`[]`, "want an object"},
		{`{} {}`, "more than one JSON value"},
	} {
		err := jsonshape.Check(n, []byte(c.doc))
		if assert.Error(t, err, c.doc) {
			assert.Contains(t, err.Error(), c.problem, c.doc)
		}
	}
	assert.Error(t, jsonshape.CheckLines(n, []byte("{}\n")), "each line is checked")
}

func TestParseRefusesBadText(t *testing.T) {
	for _, text := range []string{"name", "name strung", "a.b string", "items array", "x string\nx[] string"} {
		_, err := jsonshape.Parse(text)
		assert.Error(t, err, text)
	}
}
