package plan

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocsMatchCode keeps docs/PLAN.md honest: its defaults table and its
// sample error message must be what the code does.
func TestDocsMatchCode(t *testing.T) {
	b, err := os.ReadFile("../../docs/PLAN.md")
	require.NoError(t, err)
	doc := string(b)

	for field, def := range map[string]string{
		"name": "the id", "batchSize": "1000", "window": "16", "limits.concurrency": "16",
		"limits.partSize": "16 MiB (16777216)", "verification.mode": "`quick`", "verification.maxRecopies": "3",
		"delta.maxRounds": "5", "delta.threshold": "100", "delta.deletes": "`delete`", "freeze.drain": "`wait`",
		"freeze.drainWait": "30s", "freeze.maxDuration": "15m", "cutover.approval": "`auto`",
		"soak.retention": "168h", "purge.enabled": "false", "destination.auth.method": "`config_file`",
		"destination.auth.configFile": "`~/.oci/config`", "destination.auth.profile": "`DEFAULT`",
		"destination.manifestPrefix": "`_migrations/<id>/`", "sources.copies[i].name": "`<role>-<i>`",
		"destination.foreignObjects": "`refuse`", "verification.requireSourceCheck": "false",
	} {
		assert.Contains(t, doc, "| `"+field+"` | "+def+" |", "docs/PLAN.md row for %s", field)
	}
	assert.Equal(t, "30s", DefaultDrainWait.String())
	assert.Equal(t, "15m", DefaultFreezeMax.String())
	assert.Equal(t, "168h", DefaultRetention.String())

	p := Example()
	p.Window = ptr(0)
	destOCI(p).Region = "eu-frankfurt-1"
	assert.Contains(t, doc, "```\n"+p.Validate().Error()+"\n```")

	ex, err := os.ReadFile("../../docs/PLAN.md")
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(ex), ShardID("users/3f/")), "the shard id example is current")
}
