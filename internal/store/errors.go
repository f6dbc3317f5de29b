package store

import (
	"errors"
	"fmt"
)

// Sentinel errors. Backends wrap them in *Error so that callers can test
// with errors.Is and still see the operation, key and status.
var (
	// ErrNotFound: the object (or upload) does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrBucketNotFound: the bucket (or namespace) does not exist.
	ErrBucketNotFound = errors.New("bucket not found")
	// ErrPreconditionFailed: an If-Match / If-None-Match condition failed.
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrPermission: the credentials are missing, invalid or not allowed.
	ErrPermission = errors.New("permission denied")
	// ErrArchived: the object is in a cold tier and must be restored first.
	ErrArchived = errors.New("object is archived")
	// ErrChecksumMismatch: the store received or holds different bytes than
	// the checksum the client computed.
	ErrChecksumMismatch = errors.New("checksum mismatch")
	// ErrInvalidKey: the key cannot be stored by this store.
	ErrInvalidKey = errors.New("unsupported object name")
)

// Class says whether an error is worth retrying.
type Class string

// Error classes.
const (
	// Retryable errors: throttling, 5xx and network failures.
	Retryable Class = "retryable"
	// Permanent errors: 4xx such as 400 and 403, and a persistent checksum
	// mismatch. Retrying them without a change elsewhere cannot succeed.
	Permanent Class = "permanent"
)

// Error is a store operation's failure.
type Error struct {
	Store  string // Store.String()
	Op     string // "list", "head", "get", "put", "delete", "upload-part", ...
	Key    string
	Status int    // HTTP status, 0 if none was received
	Code   string // the service's error code, e.g. "SlowDown", "NotAuthenticated"
	Class  Class
	Hint   string // what the user should do, if we know
	Err    error  // a sentinel above, or the SDK error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s", e.Store, e.Op)
	if e.Key != "" {
		msg += fmt.Sprintf(" %q", e.Key)
	}
	if e.Status != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err: the Class of a wrapped *Error, Retryable
// for context deadline-free network failures the backend marked so, and
// Permanent otherwise.
func ClassOf(err error) Class {
	if err == nil {
		return ""
	}
	var se *Error
	if errors.As(err, &se) && se.Class != "" {
		return se.Class
	}
	return Permanent
}

// IsRetryable reports whether err is of class Retryable.
func IsRetryable(err error) bool { return ClassOf(err) == Retryable }
