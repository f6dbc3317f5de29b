package locals3

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sync/atomic"
)

// s3Error is the XML error body S3 sends.
type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	Region    string   `xml:"Region,omitempty"`
	RequestID string   `xml:"RequestId"`
}

var errorRequestID atomic.Uint64

// statusCodes maps an HTTP status to the S3 code and message that the real
// service sends with it, for fault injection.
var statusCodes = map[int][2]string{
	http.StatusServiceUnavailable:  {"SlowDown", "Please reduce your request rate."},
	http.StatusInternalServerError: {"InternalError", "We encountered an internal error. Please try again."},
	http.StatusForbidden:           {"AccessDenied", "Access Denied"},
	http.StatusNotFound:            {"NoSuchKey", "The specified key does not exist."},
	http.StatusBadRequest:          {"InvalidRequest", "Invalid Request"},
	http.StatusPreconditionFailed:  {"PreconditionFailed", "At least one of the pre-conditions you specified did not hold"},
	http.StatusConflict:            {"OperationAborted", "A conflicting conditional operation is currently in progress against this resource. Please try again."},
	http.StatusTooManyRequests:     {"SlowDown", "Please reduce your request rate."},
	http.StatusBadGateway:          {"BadGateway", "Bad Gateway"},
	http.StatusGatewayTimeout:      {"RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period."},
}

// writeStatus writes S3's error response for status, as fault injection
// needs it.
func writeStatus(w http.ResponseWriter, r *http.Request, status int) {
	cm, ok := statusCodes[status]
	if !ok {
		cm = [2]string{http.StatusText(status), http.StatusText(status)}
	}
	writeError(w, r, status, cm[0], cm[1], "")
}

// writeError writes an S3 XML error body (none for HEAD, as S3 does).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message, region string) {
	id := fmt.Sprintf("LOCALS3E%08X", errorRequestID.Add(1))
	h := w.Header()
	h.Set("x-amz-request-id", id)
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		h.Set("Retry-After", "1")
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	body, _ := xml.Marshal(s3Error{Code: code, Message: message, Resource: r.URL.Path, Region: region, RequestID: id})
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", fmt.Sprint(len(xml.Header)+len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
