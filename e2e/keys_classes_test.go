package e2e_test

import (
	"strings"
)

// keyClass is one class of tricky characters and the key suffixes that
// exercise it (each is appended to a shard prefix).
type keyClass struct {
	name string
	keys []string
}

// trickyKeyClasses are the key classes the end-to-end key test migrates:
// every one of them S3 and OCI both hold, so every key must arrive at the
// destination byte for byte. docs/TESTING.md lists them.
var trickyKeyClasses = []keyClass{
	{"spaces", []string{" leading space", "trailing space ", "double  space", "dir with space/ file", " "}},
	{"plus and space are different keys", []string{"plus+sign", "plus sign", "a+b+c", "+"}},
	{"percent and encoded-looking sequences", []string{"percent%", "literal%2Fslash", "literal%2fslash", "literal%20space", "literal%2Bplus",
		"%25", "%zz-not-an-escape", "%E2%82%AC-euro-escape", "dir%2F/child"}},
	{"query and fragment delimiters", []string{"question?mark", "?", "a?b=c&d=e", "hash#tag", "#", "amp&ersand", "equals=sign", "semi;colon"}},
	{"sub-delimiters and reserved", []string{"colon:", "a:b:c", "at@sign", "bang!", "dollar$", "apos'trophe", "quote\"d", "star*", "paren(s)",
		"bracket[s]", "brace{s}", "comma,", "angle<s>", "pipe|", "back\\slash", "caret^", "back`tick", "tilde~", "<xml attr=\"&amp;\"/>"}},
	{"slashes", []string{"a//b", "a///b", "double//slash/", "/", "trailing/slash/with/data/", "trailing/slash/with/data/child"}},
	{"dot segments", []string{".", "..", "./dot", "../dotdot", "dot/./seg", "dotdot/../seg", "seg/.", "seg/..", "...", ".hidden"}},
	{"non-ASCII", []string{"café-nfc-\u00e9", "café-nfd-e\u0301", "日本語/ファイル名.txt", "中文 空格", "한국어", "emoji-🙂", "emoji-👍🏽",
		"zwj-👨\u200d👩\u200d👧", "rtl-\u202eabc", "nbsp\u00a0space", "bom-\ufeff", "ß-ẞ", "Ω-ohm-\u2126"}},
	{"control characters S3 and OCI hold", []string{"tab\there", "\ttab-leading", "bell\x07", "esc\x1b[0m", "soh\x01", "us\x1f", "del\x7f",
		"vt\x0b", "ff\x0c", "c1-\u0085"}},
	{"keys that differ only by case", []string{"Case", "case", "CASE", "cAsE/Sub", "case/sub"}},
}

// unsupportedKeys are keys S3 holds and OCI cannot (a line feed, a
// carriage return, a NUL): each must end as a named unsupported-name
// outcome, never dropped or mangled.
var unsupportedKeys = []string{"line\nfeed", "carriage\rreturn", "crlf\r\n", "nul\x00byte"}

// maxLenKey returns a key of exactly n bytes under prefix, ending in
// multi-byte characters so that bytes, not characters, are what is
// counted.
func maxLenKey(prefix string, n int) string {
	tail := "-é日🙂" // 1+2+3+4 bytes
	fill := n - len(prefix) - len(tail)
	return prefix + strings.Repeat("k", fill) + tail
}
