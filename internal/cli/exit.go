package cli

import (
	"errors"
	"fmt"
)

// Exit codes of the starter.
const (
	// ExitOK: done.
	ExitOK = 0
	// ExitFailed: the command ran and the answer is no: pre-flight
	// problems, an action refused in the shard's state, a failed call.
	ExitFailed = 1
	// ExitUsage: bad input: flags, arguments, a plan file that does not
	// parse or validate, an unknown migration or shard.
	ExitUsage = 2
	// ExitUnavailable: Temporal cannot be reached.
	ExitUnavailable = 3
)

// exitError carries an exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf is bad input: exit code 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// usageError marks err as bad input: exit code 2.
func usageError(err error) error { return &exitError{code: ExitUsage, err: err} }

// failedf is a refusal or a failure: exit code 1.
func failedf(format string, args ...any) error {
	return &exitError{code: ExitFailed, err: fmt.Errorf(format, args...)}
}

// unavailable marks err as Temporal being out of reach: exit code 3.
func unavailable(err error) error { return &exitError{code: ExitUnavailable, err: err} }

// errSilent ends a command with exit code 1 after it printed its own
// explanation (pre-flight problems).
var errSilent = &exitError{code: ExitFailed, err: errors.New("")}

// codeOf returns the exit code of err (1 when it carries none).
func codeOf(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return ExitFailed
}
