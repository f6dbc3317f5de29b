package s3store

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/ocimove/ocimove/internal/store"
)

var regionInMessage = regexp.MustCompile(`expecting '([a-z0-9-]+)'`)

// mapErr wraps an SDK error in *store.Error: the sentinel it means, its
// class (from shouldRetry) and a hint that names what to set.
func (s *Store) mapErr(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	// Network errors hold the request URL; errors name the endpoint by
	// scheme and host only.
	err = store.RedactURLs(err)
	if store.IsCertificateError(err) {
		return store.CertificateErrorOf(s.String(), op, key, err, s.endpointName(), s.cfg.CAFile)
	}
	status, code := statusAndCode(err)
	e := &store.Error{Store: s.String(), Op: op, Key: key, Status: status, Code: code, Err: err, Class: store.Permanent}
	if shouldRetry(err) {
		e.Class = store.Retryable
	}
	sentinel := func(sent error) { e.Err = fmt.Errorf("%w: %w", sent, err) }
	switch {
	case code == "NoSuchBucket" || (op == "head-bucket" && status == http.StatusNotFound):
		sentinel(store.ErrBucketNotFound)
		e.Hint = fmt.Sprintf("bucket %q does not exist at %s; create it or set Bucket", s.cfg.Bucket, s.endpointName())
	case code == "NoSuchKey" || code == "NoSuchUpload" || code == "NoSuchVersion" || status == http.StatusNotFound:
		sentinel(store.ErrNotFound)
	case status == http.StatusPreconditionFailed || code == "PreconditionFailed":
		sentinel(store.ErrPreconditionFailed)
	case code == "InvalidObjectState":
		sentinel(store.ErrArchived)
		e.Hint = "the object is in an archive storage class; restore it first"
	case code == "BadDigest" || code == "InvalidDigest" || code == "XAmzContentSHA256Mismatch":
		sentinel(store.ErrChecksumMismatch)
	case code == "InvalidAccessKeyId":
		sentinel(store.ErrPermission)
		e.Hint = "the access key id is unknown to the endpoint; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or Profile to valid credentials"
	case code == "SignatureDoesNotMatch":
		sentinel(store.ErrPermission)
		e.Hint = "the secret key does not match the access key id; check AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key"
	case code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" || status == http.StatusMovedPermanently:
		e.Hint = fmt.Sprintf("region %q is wrong for bucket %q", s.cfg.Region, s.cfg.Bucket)
		if m := regionInMessage.FindStringSubmatch(err.Error()); m != nil {
			e.Hint += fmt.Sprintf("; set Region to %q", m[1])
		} else {
			e.Hint += "; set Region to the bucket's region"
		}
	case status == http.StatusForbidden || code == "AccessDenied":
		sentinel(store.ErrPermission)
		e.Hint = fmt.Sprintf("the credentials are not allowed to %s on s3://%s/%s; grant the permission or use other credentials", op, s.cfg.Bucket, key)
	case isCredentialsError(err):
		sentinel(store.ErrPermission)
		e.Hint = "no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or Profile (AWS_PROFILE) to a profile with credentials"
	case isDialError(err):
		e.Hint = fmt.Sprintf("cannot connect to %s; check Endpoint and Region (%q), and that the service is running", s.endpointName(), s.cfg.Region)
	}
	return e
}

func isCredentialsError(err error) bool {
	return err != nil && (regexp.MustCompile(`(?i)(failed to retrieve credentials|no EC2 IMDS role|static credentials are empty|credentials.*not found|failed to refresh cached credentials)`).MatchString(err.Error()))
}

// endpointName names the endpoint for hints: scheme and host only, never
// user info, path or query.
func (s *Store) endpointName() string {
	if s.cfg.Endpoint != "" {
		return store.SafeURL(s.cfg.Endpoint)
	}
	return fmt.Sprintf("https://s3.%s.amazonaws.com", s.cfg.Region)
}
