package activities_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/store"
)

// TestCutShortAttemptsStayRetryable: a store error caused by the
// activity's context ending (a heartbeat or deadline cut the attempt
// short) is returned retryable, so that a shard never fails because its
// attempt was cancelled; a real permanent refusal stays non-retryable.
func TestCutShortAttemptsStayRetryable(t *testing.T) {
	nonRetryable := func(err error) bool {
		var app *temporal.ApplicationError
		return errors.As(err, &app) && app.NonRetryable()
	}
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		err := activities.ActivityError(fmt.Errorf("manifest: list: %w",
			&store.Error{Store: "oci://ns/b", Op: "list", Class: store.Permanent, Err: cause}))
		assert.False(t, nonRetryable(err), "%v: %v", cause, err)
		assert.ErrorIs(t, err, cause)
	}
	err := activities.ActivityError(&store.Error{Store: "oci://ns/b", Op: "put", Class: store.Permanent, Status: 403, Err: errors.New("forbidden")})
	assert.True(t, nonRetryable(err), "a 403 stays permanent: %v", err)
}
