package ocistore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"

	"github.com/ocimove/ocimove/internal/store"
)

// serviceError is a compact form of the SDK's service error: the SDK's own
// message spans many lines of troubleshooting links. It unwraps to the SDK
// error, so errors.As(err, &common.ServiceError) still works.
type serviceError struct {
	status    int
	message   string
	requestID string
	sdk       error
}

func (e *serviceError) Error() string {
	msg := e.message
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	if e.requestID != "" {
		msg += " (opc-request-id " + e.requestID + ")"
	}
	return msg
}

func (e *serviceError) Unwrap() error { return e.sdk }

// mapError turns an SDK error into a *store.Error carrying a sentinel from
// package store where one applies, a Class, and a Hint.
func (s *Store) mapError(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var already *store.Error
	if errors.As(err, &already) {
		return err
	}
	e := &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Permanent, Err: err}

	if se, ok := common.IsServiceError(err); ok {
		s.mapServiceError(e, se, err)
		return e
	}
	// Network errors hold the request URL; errors name the endpoint by
	// scheme and host only.
	err = store.RedactURLs(err)
	if store.IsCertificateError(err) {
		return store.CertificateErrorOf(s.String(), op, key, err, store.SafeURL(s.endpoint), s.caFile)
	}
	e.Err = err
	switch {
	case errors.Is(err, context.Canceled):
		e.Class = store.Permanent
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, common.DeadlineExceededByBackoff):
		e.Class = store.Retryable
		e.Hint = "the operation's deadline ran out while the store was retrying"
	case isDNSError(err):
		e.Class = store.Permanent
		e.Hint = fmt.Sprintf("the host of %s does not resolve: check Endpoint and Region", store.SafeURL(s.endpoint))
	case isConnectError(err):
		e.Class = store.Retryable
		e.Hint = fmt.Sprintf("cannot connect to %s: check that Endpoint (or Region) names a running Object Storage endpoint", store.SafeURL(s.endpoint))
	case isTransientNetworkError(err):
		e.Class = store.Retryable
		e.Hint = fmt.Sprintf("the connection to %s failed; retries were exhausted", store.SafeURL(s.endpoint))
	}
	return e
}

// mapServiceError fills e from a service error response.
func (s *Store) mapServiceError(e *store.Error, se common.ServiceError, err error) {
	e.Status = se.GetHTTPStatusCode()
	e.Code = se.GetCode()
	if e.Code == "BadErrorResponse" {
		// The response had no JSON error body (HEAD requests never do).
		e.Code = ""
	}
	svc := &serviceError{status: e.Status, message: store.RedactText(firstLine(se.GetMessage())),
		requestID: se.GetOpcRequestID(), sdk: err}
	if e.Code == "" {
		svc.message = ""
	}
	wrap := func(sentinel error) error { return fmt.Errorf("%w: %w", sentinel, svc) }
	e.Err = svc

	switch {
	case e.Status == http.StatusTooManyRequests:
		e.Class = store.Retryable
		e.Hint = "the service is throttling requests; lower the request rate or concurrency"
	case e.Status >= 500:
		e.Class = store.Retryable
		if e.Status == http.StatusNotImplemented {
			e.Class = store.Permanent
		}
	case e.Status == http.StatusUnauthorized:
		e.Err = wrap(store.ErrPermission)
		e.Hint = "the service rejected the request signature: check user, fingerprint, tenancy and key_file in " +
			s.authDesc + " (and that the machine clock is right)"
	case e.Status == http.StatusForbidden:
		e.Err = wrap(store.ErrPermission)
		e.Hint = fmt.Sprintf("the credentials (%s) lack a policy allowing this on bucket %s", s.authDesc, s.bucket)
	case e.Status == http.StatusNotFound:
		switch e.Code {
		case "BucketNotFound", "NamespaceNotFound":
			e.Err = wrap(store.ErrBucketNotFound)
			e.Hint = fmt.Sprintf("bucket %q in namespace %q does not exist or these credentials may not see it: "+
				"create it or set Bucket/Namespace (and Region) to where it is", s.bucket, s.namespace)
		default:
			if e.Op == "check-bucket" || e.Op == "namespace" {
				e.Err = wrap(store.ErrBucketNotFound)
				e.Hint = fmt.Sprintf("bucket %q in namespace %q was not found: check Bucket, Namespace and Region", s.bucket, s.namespace)
			} else {
				e.Err = wrap(store.ErrNotFound)
			}
		}
	case e.Status == http.StatusPreconditionFailed:
		e.Err = wrap(store.ErrPreconditionFailed)
	case e.Status == http.StatusConflict && isArchivedCode(e.Code, se.GetMessage()):
		e.Err = wrap(store.ErrArchived)
		e.Hint = "restore the object (RestoreObjects) before reading it"
	case e.Status == http.StatusBadRequest && (e.Code == "UnmatchedContentMD5" || e.Code == "InvalidContentMD5"):
		// The bytes received differ from the MD5 sent: a corruption in
		// transit or a wrong checksum. The engine may re-read the source.
		e.Err = wrap(store.ErrChecksumMismatch)
		e.Class = store.Retryable
	case e.Status == http.StatusRequestEntityTooLarge:
		e.Hint = "the object is too large for one request: use a multipart upload"
	case e.Status == http.StatusRequestedRangeNotSatisfiable:
		e.Hint = "the requested range lies outside the object"
	}
}

// isArchivedCode reports whether a 409 says the object is archived.
func isArchivedCode(code, message string) bool {
	switch code {
	case "NotRestored", "RestoreInProgress", "ObjectArchived", "InvalidObjectState":
		return true
	}
	m := strings.ToLower(message)
	return strings.Contains(m, "archived") || strings.Contains(m, "restore")
}

func isDNSError(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// compactError shows only the first line of an SDK error (the SDK appends
// documentation links) and unwraps to it.
type compactError struct{ err error }

func (c compactError) Error() string { return firstLine(c.err.Error()) }
func (c compactError) Unwrap() error { return c.err }

func compact(err error) error { return compactError{err} }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// invalidKey is the error for a key that OCI cannot store.
func (s *Store) invalidKey(op, key, why string) error {
	return &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Permanent,
		Err:  fmt.Errorf("%w: %s", store.ErrInvalidKey, why),
		Hint: "OCI object names must be 1 to 1024 bytes of UTF-8 without line feed, carriage return or NUL"}
}
