package routing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing"
)

func TestApply(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	cur := routing.NewRoute("users/3f/", "s3://src/users/3f/", now)
	cur.DrainAck = true

	c := routing.Change{Shard: "users/3f/", To: routing.StateDestination, Location: "oci://dst/users/3f/", OperationID: "op-1", Actor: "alice", Owner: "mig-1"}
	require.NoError(t, c.Validate())
	next, applied, err := routing.Apply(cur, c, now.Add(time.Second))
	require.NoError(t, err)
	assert.True(t, applied)
	assert.Equal(t, routing.Route{
		Shard: "users/3f/", State: routing.StateDestination, Location: "oci://dst/users/3f/",
		Version: 1, OperationID: "op-1", DrainAck: false, UpdatedAt: now.Add(time.Second), Actor: "alice", Owner: "mig-1",
	}, next)

	// The same change again: already applied, nothing changes.
	again, applied, err := routing.Apply(next, c, now.Add(2*time.Second))
	require.NoError(t, err)
	assert.False(t, applied)
	assert.Equal(t, next, again)

	// Another operation at the stale version: a conflict naming both versions.
	c2 := c
	c2.OperationID = "op-2"
	_, _, err = routing.Apply(next, c2, now)
	require.ErrorIs(t, err, routing.ErrVersionConflict)
	assert.Contains(t, err.Error(), "expected version 0, current version 1")
}

func TestValidate(t *testing.T) {
	ok := routing.Change{Shard: "a/", To: routing.StateReadOnly, OperationID: "op", Owner: "mig-1"}
	require.NoError(t, ok.Validate())
	for name, c := range map[string]routing.Change{
		"shard":   {To: routing.StateReadOnly, OperationID: "op", Owner: "mig-1"},
		"state":   {Shard: "a/", To: "Frozen", OperationID: "op", Owner: "mig-1"},
		"op id":   {Shard: "a/", To: routing.StateReadOnly, Owner: "mig-1"},
		"version": {Shard: "a/", To: routing.StateReadOnly, OperationID: "op", ExpectedVersion: -2, Owner: "mig-1"},
		"owner":   {Shard: "a/", To: routing.StateReadOnly, OperationID: "op"},
	} {
		err := c.Validate()
		require.ErrorIs(t, err, routing.ErrInvalidChange, name)
		assert.Contains(t, err.Error(), map[string]string{"shard": "shard is empty", "state": `"Frozen"`, "op id": "operation id is empty",
			"version": "negative", "owner": "names no owner"}[name])
	}
	require.ErrorIs(t, routing.ValidateRegistration("a/", ""), routing.ErrInvalidChange)
	require.ErrorIs(t, routing.ValidateDrainAck("a/", ""), routing.ErrInvalidChange)
}
