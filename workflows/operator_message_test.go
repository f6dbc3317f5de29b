package workflows

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOperatorRequestCheckNamesTheStarterFlags: a request without an
// actor or a reason is refused naming the starter's flags, --as and
// --reason.
func TestOperatorRequestCheckNamesTheStarterFlags(t *testing.T) {
	err := OperatorRequest{Reason: "ticket"}.check()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--as ")
	assert.NotContains(t, err.Error(), "--actor")
	err = OperatorRequest{Actor: "alice"}.check()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--reason")
	assert.NoError(t, OperatorRequest{Actor: "alice", Reason: "ticket", Identity: "x509:CN=alice"}.check())
}
