package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocimove/ocimove/internal/store"
)

// side says which store an error came from, because the same sentinel means
// different outcomes: not-found at the source is source-gone, a failed
// precondition at the source means the object changed under us.
type side int

const (
	sourceSide side = iota + 1
	destSide
)

type sideError struct {
	side side
	err  error
}

func (e *sideError) Error() string { return e.err.Error() }
func (e *sideError) Unwrap() error { return e.err }

func fromSource(err error) error {
	if err == nil {
		return nil
	}
	return &sideError{side: sourceSide, err: err}
}

func fromDest(err error) error {
	if err == nil {
		return nil
	}
	return &sideError{side: destSide, err: err}
}

func sideOf(err error) side {
	var se *sideError
	if errors.As(err, &se) {
		return se.side
	}
	return 0
}

// errReadBroken: a source body broke off mid-stream, after the request
// succeeded, where no per-request retry of the SDK reaches.
var errReadBroken = errors.New("read body")

// errSourceChanged: the source object changed while it was being copied
// (its pinned ETag or version no longer matches).
var errSourceChanged = errors.New("source object changed during copy")

// mismatchError is a checksum disagreement found by the engine itself.
type mismatchError struct {
	what      string
	want, got string
}

func (e *mismatchError) Error() string {
	return fmt.Sprintf("%s mismatch: expected %s, got %s", e.what, e.want, e.got)
}

func (e *mismatchError) Unwrap() error { return store.ErrChecksumMismatch }

// outcomeOf maps a final error to the object's outcome and error class.
func outcomeOf(err error) (Outcome, store.Class) {
	s := sideOf(err)
	switch {
	case s == sourceSide && errors.Is(err, store.ErrNotFound):
		return SourceGone, ""
	case errors.Is(err, store.ErrArchived):
		return Archived, ""
	case errors.Is(err, store.ErrInvalidKey):
		return UnsupportedName, ""
	case errors.Is(err, store.ErrChecksumMismatch):
		// Retried already; a mismatch that persists is permanent.
		return Failed, store.Permanent
	case errors.Is(err, ErrForeignObject), errors.Is(err, ErrSourceUnchecked):
		// Refused by policy: only a change of the plan (or of the
		// objects) can let the copy proceed.
		return Failed, store.Permanent
	case errors.Is(err, errSourceChanged):
		return Failed, store.Retryable
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Stopped (shutdown, crash, timeout), not refused: a later attempt
		// resumes.
		return Failed, store.Retryable
	}
	return Failed, store.ClassOf(err)
}

// retryable reports whether the engine itself tries the object again.
// Each kind of failure has one owner:
//   - a request that failed (a reset, a 5xx, throttling) is retried by the
//     store's SDK retryer, with backoff and jitter; the engine does not
//     repeat what the SDK already gave up on;
//   - conditions about the object as a whole — it changed while being read,
//     its bytes did not match a checksum, a precondition failed because
//     someone else wrote, its pinned version is gone, its body broke off
//     mid-stream — are the engine's, retried here a few times;
//   - whatever is left fails the object retryably, and its activity fails
//     retryably after checkpointing; Temporal retries the activity, which
//     resumes with only the unfinished objects.
func retryable(err error) bool {
	switch {
	case errors.Is(err, ErrForeignObject), errors.Is(err, ErrSourceUnchecked):
		return false
	case sideOf(err) == sourceSide && errors.Is(err, store.ErrNotFound):
		// Pinned to a version that is gone: the caller looks again, and
		// only a key that is gone too is source-gone.
		return true
	case errors.Is(err, errSourceChanged), errors.Is(err, store.ErrChecksumMismatch):
		return true
	case errors.Is(err, store.ErrPreconditionFailed):
		// Someone else wrote the destination (or the source changed):
		// look again.
		return true
	case errors.Is(err, errReadBroken):
		return true
	}
	return false
}
