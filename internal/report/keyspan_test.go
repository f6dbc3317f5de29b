package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestKeysShowDistinctlyInMarkdown: every key the report shows in a code
// span reads back as itself, and keys that differ never show alike. The
// regression: a backtick was shown as an apostrophe ("a`b" and "a'b" both
// as `a'b`), '<' as "&lt;" (code spans show entities literally), a key
// with a space at both ends lost them (CommonMark strips one from each
// end of a span), and a line feed and a literal backslash-n both showed
// as \n.
func TestKeysShowDistinctlyInMarkdown(t *testing.T) {
	for key, want := range map[string]string{
		"a`b":          "``a`b``",
		"a'b":          "`a'b`",
		"``x":          "``` ``x ```",
		"angle<s>":     "`angle<s>`",
		" x ":          "`  x  `",
		" ":            "` `",
		"pipe|":        "`pipe\\|`",
		"line\nfeed":   "`\"line\\nfeed\"`",
		`line\nfeed`:   "`\"line\\\\nfeed\"`",
		"tab\t":        "`\"tab\\t\"`",
		"rtl-\u202e":   "`\"rtl-\\u202e\"`",
		"café-e\u0301": "`café-e\u0301`",
		"日本語/🙂":        "`日本語/🙂`",
	} {
		assert.Equal(t, want, keyCode(key), "%q", key)
	}
	shown := map[string]string{}
	for _, key := range []string{"a`b", "a'b", "a\nb", `a\nb`, "a b", "a\u00a0b", "a\tb", `a\tb`, "a|b", `a\|b`, "a<b", "a&lt;b", " a", "a ", " a "} {
		s := keyCode(key)
		if other, dup := shown[s]; dup {
			t.Errorf("%q and %q both show as %s", other, key, s)
		}
		shown[s] = key
	}
}

// TestCodeSpanInTextKeepsPipes: outside a table a pipe needs no escape
// (GFM removes the backslash only in table cells).
func TestCodeSpanInTextKeepsPipes(t *testing.T) {
	assert.Equal(t, "`starter report m | less`", codeText("starter report m | less"))
	assert.Equal(t, "`a\\|b`", code("a|b"))
}
