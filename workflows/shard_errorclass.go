package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/activities"
)

// ErrorClass is the bounded kind of a shard's last error: what dashboards
// and alerts label it with. The error's text can name object keys and
// stays in status and history; its class is one of the values below.
type ErrorClass string

// The classes of a shard's last error. An activity's error is classed by
// its ApplicationError type (activities.ErrType*); the others by where the
// workflow gave up.
const (
	// ClassMismatch: objects still differ from their source after the
	// re-copies, or the final verification refused the cutover.
	ClassMismatch ErrorClass = "ChecksumMismatch"
	// ClassRoute: the route is not where this run expects it (owned by
	// another migration, changed by someone else, or left after a freeze).
	ClassRoute ErrorClass = "Route"
	// ClassDrain: the application did not acknowledge the drain in time.
	ClassDrain ErrorClass = "DrainTimeout"
	// ClassFreezeTimeout: a freeze passed its maximum duration and routing
	// went back to the source.
	ClassFreezeTimeout ErrorClass = "FreezeTimeout"
	// ClassUnfreeze: routing could not yet be returned to a writable state;
	// the workflow keeps retrying.
	ClassUnfreeze ErrorClass = "UnfreezeRetrying"
	// ClassRefused: an operator request was refused (its reason is the text).
	ClassRefused ErrorClass = "RequestRefused"
	// ClassReverseSync: objects failed to copy back during a rollback.
	ClassReverseSync ErrorClass = "ReverseSync"
	// ClassCancel: a cancellation met problems while it put things back.
	ClassCancel ErrorClass = "Cancel"
	// ClassStart: the migration could not start the shard's workflow.
	ClassStart ErrorClass = "ShardStart"
	// ClassTimeout: an activity timed out after its retries.
	ClassTimeout ErrorClass = "Timeout"
	// ClassActivity: an activity failed with a type not listed here.
	ClassActivity ErrorClass = "Activity"
	// ClassWorkflow: anything else the workflow gave up on.
	ClassWorkflow ErrorClass = "Workflow"
)

// activityClasses are the activity error types that are classes of their own.
var activityClasses = map[string]bool{
	activities.ErrTypeResidency: true, activities.ErrTypePlan: true, activities.ErrTypeInput: true,
	activities.ErrTypeStore: true, activities.ErrTypeVersionConflict: true, activities.ErrTypeInvalidChange: true,
	activities.ErrTypeUnknownShard: true, activities.ErrTypeRetryableObjects: true,
}

// classedError is an error the workflow makes, with its class.
type classedError struct {
	class ErrorClass
	err   error
}

func (e *classedError) Error() string { return e.err.Error() }
func (e *classedError) Unwrap() error { return e.err }

// classed returns fmt.Errorf(format, args...) with class.
func classed(class ErrorClass, format string, args ...any) error {
	return &classedError{class: class, err: fmt.Errorf(format, args...)}
}

// errorClass returns the class of err: the workflow's own class when it
// made the error, else the activity error's type when it is a known one.
func errorClass(err error) ErrorClass {
	var c *classedError
	var app *temporal.ApplicationError
	var timeout *temporal.TimeoutError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &c) && c.class != "":
		return c.class
	case errors.As(err, &app):
		if activityClasses[app.Type()] {
			return ErrorClass(app.Type())
		}
		return ClassActivity
	case errors.As(err, &timeout):
		return ClassTimeout
	}
	return ClassWorkflow
}

// setError records the shard's last error with its class.
func (s *shard) setError(class ErrorClass, msg string) {
	s.cp.LastError, s.cp.LastErrorClass = msg, class
}

// clearError forgets the shard's last error.
func (s *shard) clearError() { s.setError("", "") }
