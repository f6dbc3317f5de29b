package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

// Application error types of non-retryable activity failures, so that
// workflows can tell them apart (temporal.ApplicationError.Type()).
const (
	// ErrTypeResidency: a write would go to a region outside the plan's
	// allowed regions (or one that cannot be determined).
	ErrTypeResidency = "Residency"
	// ErrTypePlan: the plan is unknown to the worker, or its fingerprint
	// differs from the one the workflow carries.
	ErrTypePlan = "Plan"
	// ErrTypeInput: the activity input is malformed.
	ErrTypeInput = "Input"
	// ErrTypeStore: a store refused the request permanently (403, missing
	// bucket, ...); retrying without a change elsewhere cannot succeed.
	ErrTypeStore = "StorePermanent"
	// ErrTypeVersionConflict: a routing compare-and-set lost (the route
	// moved on and the change is not already applied).
	ErrTypeVersionConflict = "RoutingVersionConflict"
	// ErrTypeInvalidChange: a routing change is malformed.
	ErrTypeInvalidChange = "RoutingInvalidChange"
	// ErrTypeUnknownShard: the shard has no route; register it first.
	ErrTypeUnknownShard = "RoutingUnknownShard"
	// ErrTypeRetryableObjects: some objects of a batch failed with a
	// retryable error; the retry reuses the finished ones. Retryable.
	ErrTypeRetryableObjects = "RetryableObjectFailures"
)

func nonRetryable(errType string, err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), errType, err)
}

func inputError(format string, args ...any) error {
	return nonRetryable(ErrTypeInput, fmt.Errorf(format, args...))
}

// activityError maps an error to what the activity returns: residency
// refusals and permanent store errors become non-retryable application
// errors; everything else stays retryable. An error caused by the
// activity's context ending (cancelled, or its deadline) is never
// non-retryable, whatever a store made of it: the attempt was cut short,
// and its retry decides.
func activityError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return err
	}
	if errors.Is(err, manifest.ErrResidency) {
		return nonRetryable(ErrTypeResidency, err)
	}
	var se *store.Error
	if errors.As(err, &se) && se.Class == store.Permanent {
		return nonRetryable(ErrTypeStore, err)
	}
	return err
}

// routingError maps routing target errors.
func routingError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, routing.ErrVersionConflict):
		return nonRetryable(ErrTypeVersionConflict, err)
	case errors.Is(err, routing.ErrInvalidChange):
		return nonRetryable(ErrTypeInvalidChange, err)
	case errors.Is(err, routing.ErrUnknownShard):
		return nonRetryable(ErrTypeUnknownShard, err)
	}
	return err
}
