package routing_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/ocimove/ocimove/internal/backends"
	"github.com/ocimove/ocimove/internal/routing"
)

// TestTargetKindsAreRegistered: every routing target kind a plan may name
// is registered with settings that open it; a target that keeps each
// shard's history offers it as routing.History.
func TestTargetKindsAreRegistered(t *testing.T) {
	for _, k := range []string{"file", "postgres", "webhook"} {
		b, ok := routing.Kinds.Lookup(k)
		require.True(t, ok, k)
		assert.Equal(t, k, b.New().Kind())
	}

	b, _ := routing.Kinds.Lookup("file")
	s := b.New()
	require.NoError(t, json.Unmarshal([]byte(`{"path":"`+filepath.Join(t.TempDir(), "routes.json")+`"}`), s))
	tg, err := s.Open(context.Background(), routing.Env{})
	require.NoError(t, err)
	_, err = tg.Register(context.Background(), "shard-1", "s3://bucket/a/")
	require.NoError(t, err)
	h, ok := tg.(routing.History)
	require.True(t, ok, "a routing file keeps history")
	events, err := h.History(context.Background(), "shard-1")
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, routing.EventRegister, events[0].Kind)
}
