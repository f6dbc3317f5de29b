package plan

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCopyPoliciesParse: destination.foreignObjects and
// verification.requireSourceCheck parse from a plan file, default to
// refuse and false, and an unknown policy is refused naming its line.
func TestCopyPoliciesParse(t *testing.T) {
	base, err := yaml.MarshalWithOptions(Example(), yaml.Indent(4))
	require.NoError(t, err)
	p, err := Parse("plan.yaml", base)
	require.NoError(t, err)
	p.Normalize()
	assert.Equal(t, ForeignRefuse, p.Destination.ForeignObjects)
	assert.False(t, p.Verification.RequireSourceCheck)

	doc := strings.Replace(string(base), "destination:\n", "destination:\n    foreignObjects: overwrite\n", 1)
	doc = strings.Replace(doc, "verification:\n", "verification:\n    requireSourceCheck: true\n", 1)
	p, err = Parse("plan.yaml", []byte(doc))
	require.NoError(t, err, doc)
	assert.Equal(t, ForeignOverwrite, p.Destination.ForeignObjects)
	assert.True(t, p.Verification.RequireSourceCheck)

	bad := strings.Replace(doc, "foreignObjects: overwrite", "foreignObjects: adopt", 1)
	_, err = Parse("plan.yaml", []byte(bad))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "destination.foreignObjects")
}
