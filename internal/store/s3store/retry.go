package s3store

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// Retry policy. This file holds the ONE decision of what is retried; the SDK
// retryer and the store's error classes (errors.go) both use shouldRetry.
//
//	| retried                         | why                                      |
//	|---------------------------------|------------------------------------------|
//	| HTTP 429, 500, 502, 503, 504    | throttling and server-side failures      |
//	| SlowDown, Throttling*, TooMany- | throttling codes (also emit Throttled)   |
//	|   Requests*, RequestLimitExceeded, BandwidthLimitExceeded              |
//	| InternalError, ServiceUnavailable, RequestTimeout, RequestTimeTooSkewed,|
//	|   OperationAborted, ConditionalRequestConflict (409, a concurrent write) |
//	| connection reset / EOF / timeout | network failures                        |
//	| connection refused, DNS failure | at most dialAttempts attempts, promptly  |
//	|---------------------------------|------------------------------------------|
//	| not retried                     | other 4xx (400, 403, 404, 412, ...),     |
//	|                                 | BadDigest, canceled contexts,            |
//	|                                 | untrusted TLS certificates               |
var (
	retryStatuses = map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true}
	retryCodes    = map[string]bool{
		"SlowDown": true, "Throttling": true, "ThrottlingException": true, "ThrottledException": true,
		"RequestThrottled": true, "RequestThrottledException": true, "TooManyRequests": true,
		"TooManyRequestsException": true, "RequestLimitExceeded": true, "BandwidthLimitExceeded": true,
		"InternalError": true, "ServiceUnavailable": true, "RequestTimeout": true, "RequestTimeoutException": true,
		"RequestTimeTooSkewed": true, "OperationAborted": true, "ConditionalRequestConflict": true,
	}
	throttleCodes = map[string]bool{
		"SlowDown": true, "Throttling": true, "ThrottlingException": true, "ThrottledException": true,
		"RequestThrottled": true, "RequestThrottledException": true, "TooManyRequests": true,
		"TooManyRequestsException": true, "RequestLimitExceeded": true, "BandwidthLimitExceeded": true,
	}
)

// dialAttempts bounds the attempts when nothing listens at the endpoint or
// its host does not resolve, so such a request fails promptly.
const dialAttempts = 2

// shouldRetry reports whether err is worth another attempt.
func shouldRetry(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || store.IsCertificateError(err) {
		return false
	}
	status, code := statusAndCode(err)
	if code != "" && retryCodes[code] {
		return true
	}
	if status != 0 {
		return retryStatuses[status]
	}
	if isDialError(err) {
		return true
	}
	return retry.RetryableConnectionError{}.IsErrorRetryable(err) == aws.TrueTernary
}

// isThrottle reports whether err asks the client to slow down.
func isThrottle(err error) bool {
	status, code := statusAndCode(err)
	return throttleCodes[code] || status == 429
}

// statusAndCode extracts the HTTP status and service error code of err.
func statusAndCode(err error) (int, string) {
	var status int
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var code string
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return status, code
}

// isDialError reports a failure to connect at all: refused, unresolvable
// host, unreachable network.
func isDialError(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// newRetryer returns the SDK's adaptive retryer configured with
// shouldRetry. The client-side retry quota is disabled: throttling is
// handled by the adaptive rate and the engine's own limits.
func newRetryer(maxAttempts int, maxBackoff time.Duration) aws.RetryerV2 {
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = maxAttempts
			so.MaxBackoff = maxBackoff
			so.Backoff = retry.NewExponentialJitterBackoff(maxBackoff)
			so.RateLimiter = ratelimit.None
			so.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				return aws.BoolTernary(shouldRetry(err))
			})}
		})
		o.Throttles = append(o.Throttles, retry.IsErrorThrottleFunc(func(err error) aws.Ternary {
			return aws.BoolTernary(isThrottle(err))
		}))
	})
}

// observingRetryer reports every retry of one operation to the observer
// (Retry, plus Throttled for throttling errors) and stops retrying dial
// errors after dialAttempts.
type observingRetryer struct {
	aws.RetryerV2
	obs   observe.Observer
	store string
	op    string
	key   string
}

// RetryDelay is called by the SDK before each retry.
func (r *observingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	if isDialError(err) && attempt >= dialAttempts {
		return 0, err
	}
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if derr != nil {
		return d, derr
	}
	status, _ := statusAndCode(err)
	if isDialError(err) && d > 100*time.Millisecond {
		d = 100 * time.Millisecond
	}
	safe := store.RedactURLs(err)
	r.obs.Observe(observe.Event{Kind: observe.Retry, Store: r.store, Op: r.op, Key: r.key, Status: status, Attempt: attempt, Duration: d, Err: safe})
	if isThrottle(err) {
		r.obs.Observe(observe.Event{Kind: observe.Throttled, Store: r.store, Op: r.op, Key: r.key, Status: status, Attempt: attempt, Duration: d, Err: safe})
	}
	return d, nil
}
