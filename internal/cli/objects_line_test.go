package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/report"
)

// TestObjectLineKeysNeverReadAlike: the text listing of report --objects
// shows each key so that two keys never read alike. The regression: a key
// holding a tab was quoted ("a\tb") while the key `"a\tb"` (quotes,
// backslash and t) was shown as it is, the same text.
func TestObjectLineKeysNeverReadAlike(t *testing.T) {
	shown := map[string]string{}
	for _, key := range []string{"a\tb", `"a\tb"`, `"a`, "a\"", "a\nb", `a\nb`, " a", "a ", "é", "e\u0301", `\`, "a\x00b"} {
		var b bytes.Buffer
		require.NoError(t, writeObjectLine(&b, report.Object{ShardID: "s", Key: key, Outcome: "copied"}))
		fields := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\t")
		require.Len(t, fields, 8, "a key cannot add a field: %q", b.String())
		if other, dup := shown[fields[1]]; dup {
			t.Errorf("%q and %q both show as %s", other, key, fields[1])
		}
		shown[fields[1]] = key
	}
	var b bytes.Buffer
	require.NoError(t, writeObjectLine(&b, report.Object{ShardID: "s", Key: "plain key", Outcome: "copied"}))
	assert.True(t, strings.HasPrefix(b.String(), "s\tplain key\t"), "a key without control characters or a leading quote shows as it is: %q", b.String())
}
