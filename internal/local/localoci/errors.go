package localoci

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error the service reports to the client as its JSON body.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errBucketNotFound(ns, bucket string) *apiError {
	return errf(http.StatusNotFound, "BucketNotFound",
		"Either the bucket named '%s' does not exist in the namespace '%s' or you are not authorized to access it", bucket, ns)
}

func errObjectNotFound(bucket, name string) *apiError {
	return errf(http.StatusNotFound, "ObjectNotFound", "The object '%s' was not found in the bucket '%s'", name, bucket)
}

func errNoSuchUpload(id string) *apiError {
	return errf(http.StatusNotFound, "NoSuchUpload", "The upload with id '%s' does not exist", id)
}

func errIfMatch(etag string) *apiError {
	return errf(http.StatusPreconditionFailed, "IfMatchFailed", "The If-Match header value '%s' does not match the ETag of the entity", etag)
}

func errIfNoneMatch() *apiError {
	return errf(http.StatusPreconditionFailed, "IfNoneMatchFailed", "The If-None-Match header is '*' but there is an existing entity")
}

func errInvalid(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "InvalidParameter", format, args...)
}

// statusCodes are the codes the service uses for a bare status, as sent by
// fault injection and by unexpected failures.
var statusCodes = map[int]struct{ code, msg string }{
	http.StatusBadRequest:          {"InvalidParameter", "The request is invalid"},
	http.StatusUnauthorized:        {"NotAuthenticated", "The required information to complete authentication was not provided or was incorrect."},
	http.StatusForbidden:           {"NotAuthorized", "You are not authorized to perform this operation"},
	http.StatusNotFound:            {"NotFound", "The resource was not found"},
	http.StatusConflict:            {"Conflict", "The request conflicts with the current state of the resource"},
	http.StatusPreconditionFailed:  {"PreconditionFailed", "A precondition of the request failed"},
	http.StatusTooManyRequests:     {"TooManyRequests", "Too many requests. Please retry later."},
	http.StatusInternalServerError: {"InternalServerError", "Internal server error"},
	http.StatusNotImplemented:      {"NotImplemented", "The operation is not implemented"},
	http.StatusBadGateway:          {"BadGateway", "Bad gateway"},
	http.StatusServiceUnavailable:  {"ServiceUnavailable", "The service is currently unavailable. Please retry later."},
	http.StatusGatewayTimeout:      {"GatewayTimeout", "Gateway timeout"},
}

// statusError is the service's error for a bare HTTP status.
func statusError(status int) *apiError {
	if c, ok := statusCodes[status]; ok {
		return &apiError{Status: status, Code: c.code, Message: c.msg}
	}
	return &apiError{Status: status, Code: http.StatusText(status), Message: http.StatusText(status)}
}

// writeAPIError writes e as the service's JSON error body. Headers common to
// every response (request id, region) are already set by the caller.
func writeAPIError(w http.ResponseWriter, r *http.Request, e *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	body, _ := json.Marshal(e)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
