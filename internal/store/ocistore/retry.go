package ocistore

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// The retry decision. Every request the store sends carries an SDK
// RetryPolicy whose ShouldRetryOperation is shouldRetry, so there is one
// place that says what is retried:
//
//	condition                                  retried   event
//	-----------------------------------------  --------  -----------------
//	429 TooManyRequests                        yes       Retry + Throttled
//	500 InternalServerError                    yes       Retry
//	502 Bad Gateway                            yes       Retry
//	503 ServiceUnavailable                     yes       Retry
//	504 Gateway Timeout                        yes       Retry
//	connection reset, broken pipe, timeout,
//	  unexpected EOF, HTTP/1.x transport broken yes       Retry
//	connection refused, dial timeout           yes, only within ConnectBudget
//	                                             of the first attempt
//	any other 4xx (400, 401, 403, 404, 409,
//	  412, 416, ...)                           no
//	501 and other 5xx                          no
//	DNS failure (no such host), TLS errors     no
//	context canceled / deadline exceeded       no
//	the caller's body is shorter than its size no
//
// A request is never sent more than MaxAttempts times. The SDK resends a
// binary body only when it can seek it back (object.go gives it one).

// retriedStatus lists the HTTP statuses that are retried.
var retriedStatus = map[int]bool{
	http.StatusTooManyRequests:     true, // 429
	http.StatusInternalServerError: true, // 500
	http.StatusBadGateway:          true, // 502
	http.StatusServiceUnavailable:  true, // 503
	http.StatusGatewayTimeout:      true, // 504
}

// retrySettings are the store's resolved retry parameters.
type retrySettings struct {
	maxAttempts   int
	baseDelay     time.Duration
	maxDelay      time.Duration
	connectBudget time.Duration
}

func newRetrySettings(cfg Config) retrySettings {
	rs := retrySettings{
		maxAttempts:   cfg.MaxAttempts,
		baseDelay:     cfg.RetryBaseDelay,
		maxDelay:      cfg.RetryMaxDelay,
		connectBudget: cfg.ConnectBudget,
	}
	if rs.maxAttempts <= 0 {
		rs.maxAttempts = DefaultMaxAttempts
	}
	if rs.baseDelay <= 0 {
		rs.baseDelay = DefaultRetryBaseDelay
	}
	if rs.maxDelay <= 0 {
		rs.maxDelay = DefaultRetryMaxDelay
	}
	if rs.maxDelay < rs.baseDelay {
		rs.maxDelay = rs.baseDelay
	}
	if rs.connectBudget <= 0 {
		rs.connectBudget = DefaultConnectBudget
	}
	return rs
}

// shouldRetry is the one retry decision (see the table above).
func (rs retrySettings) shouldRetry(r common.OCIOperationResponse) bool {
	if int(r.AttemptNumber) >= rs.maxAttempts {
		return false
	}
	status, err := responseStatus(r)
	if err == nil && status < 300 {
		return false
	}
	if status != 0 {
		return retriedStatus[status]
	}
	switch {
	case err == nil:
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, errShortBody), errors.Is(err, errReleased):
		return false
	case isDNSNotFound(err), store.IsCertificateError(err):
		return false
	case isConnectError(err):
		start := r.InitialAttemptTime
		return start.IsZero() || time.Since(start) < rs.connectBudget
	case isTransientNetworkError(err):
		return true
	}
	return false
}

// nextDelay is exponential backoff with full jitter, or the service's
// Retry-After if it sent one, capped at maxDelay.
func (rs retrySettings) nextDelay(r common.OCIOperationResponse) time.Duration {
	if resp := httpResponse(r); resp != nil {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, rs.maxDelay)
		}
	}
	ceiling := rs.baseDelay
	for i := uint(1); i < r.AttemptNumber && ceiling < rs.maxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, rs.maxDelay)
	return ceiling/2 + rand.N(ceiling/2+1)
}

// requestMetadata returns the retry policy for one request. Its backoff
// function reports the retry to the observer, because the SDK calls it
// exactly when it is about to wait and send the request again.
func (s *Store) requestMetadata(op, key string) common.RequestMetadata {
	rs := s.retry
	next := func(r common.OCIOperationResponse) time.Duration {
		d := rs.nextDelay(r)
		status, err := responseStatus(r)
		ev := observe.Event{Kind: observe.Retry, Store: s.String(), Op: op, Key: key,
			Status: status, Attempt: int(r.AttemptNumber), Duration: d, Err: store.RedactURLs(err)}
		s.obs.Observe(ev)
		if status == http.StatusTooManyRequests {
			ev.Kind = observe.Throttled
			s.obs.Observe(ev)
		}
		return d
	}
	policy := common.NewRetryPolicyWithOptions(
		// Start from the policy without eventual-consistency handling, so
		// that ShouldRetryOperation below is the whole decision.
		common.ReplaceWithValuesFromRetryPolicy(common.DefaultRetryPolicyWithoutEventualConsistency()),
		common.WithMaximumNumberAttempts(uint(rs.maxAttempts)),
		common.WithShouldRetryOperation(rs.shouldRetry),
		common.WithNextDuration(next),
	)
	return common.RequestMetadata{RetryPolicy: &policy}
}

// responseStatus returns the HTTP status of an attempt (0 if none was
// received) and its error.
func responseStatus(r common.OCIOperationResponse) (int, error) {
	if se, ok := common.IsServiceError(r.Error); ok {
		return se.GetHTTPStatusCode(), r.Error
	}
	if resp := httpResponse(r); resp != nil {
		return resp.StatusCode, r.Error
	}
	return 0, r.Error
}

func httpResponse(r common.OCIOperationResponse) *http.Response {
	if r.Response == nil {
		return nil
	}
	defer func() { _ = recover() }() // a typed-nil response panics on some SDK types
	return r.Response.HTTPResponse()
}

// isConnectError reports whether err means no connection could be made:
// refused, unreachable, or a dial that timed out.
func isConnectError(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// isDNSNotFound reports whether err says the host name does not resolve.
func isDNSNotFound(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) && !dns.IsTemporary && !dns.IsTimeout
}

// isTransientNetworkError reports whether err is a network failure worth
// retrying on an established endpoint.
func isTransientNetworkError(err error) bool {
	if isDNSNotFound(err) {
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	if common.IsNetworkError(err) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
