package locals3

import (
	"net/http"
	"strings"
)

// Operation names that classify returns, for fault rules.
const (
	OpList              = "list"
	OpListVersions      = "list-versions"
	OpHead              = "head"
	OpGet               = "get"
	OpPut               = "put"
	OpDelete            = "delete"
	OpCreateMultipart   = "create-multipart"
	OpUploadPart        = "upload-part"
	OpListParts         = "list-parts"
	OpCompleteMultipart = "complete-multipart"
	OpAbortMultipart    = "abort-multipart"
	OpHeadBucket        = "head-bucket"
	OpGetAttributes     = "get-attributes"
	OpOther             = "other"
)

// splitPath returns the bucket and key of a path-style request.
func splitPath(r *http.Request) (bucket, key string) {
	p := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

// classify names the S3 operation of r and its key, for fault injection.
func classify(r *http.Request) (op, key string) {
	bucket, key := splitPath(r)
	q := r.URL.Query()
	_, uploads := q["uploads"]
	uploadID := q.Get("uploadId")
	switch {
	case bucket == "":
		return OpOther, ""
	case key == "":
		switch {
		case r.Method == http.MethodHead:
			return OpHeadBucket, ""
		case r.Method == http.MethodGet && q.Has("versions"):
			return OpListVersions, ""
		case r.Method == http.MethodGet && len(q) == 0, r.Method == http.MethodGet && (q.Has("list-type") || q.Has("prefix") || q.Has("max-keys") || q.Has("marker") || q.Has("start-after") || q.Has("encoding-type")):
			return OpList, ""
		}
		return OpOther, ""
	case uploads && r.Method == http.MethodPost:
		return OpCreateMultipart, key
	case uploadID != "":
		switch r.Method {
		case http.MethodPut:
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return OpOther, key
			}
			return OpUploadPart, key
		case http.MethodGet:
			return OpListParts, key
		case http.MethodPost:
			return OpCompleteMultipart, key
		case http.MethodDelete:
			return OpAbortMultipart, key
		}
		return OpOther, key
	}
	switch r.Method {
	case http.MethodGet:
		if q.Has("attributes") {
			return OpGetAttributes, key
		}
		if len(q) == 0 || q.Has("versionId") || q.Has("partNumber") || hasResponseOverride(q) {
			return OpGet, key
		}
	case http.MethodHead:
		return OpHead, key
	case http.MethodPut:
		if len(q) == 0 || q.Has("x-id") {
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return OpOther, key
			}
			return OpPut, key
		}
	case http.MethodDelete:
		if len(q) == 0 || q.Has("versionId") || q.Has("x-id") {
			return OpDelete, key
		}
	}
	return OpOther, key
}

func hasResponseOverride(q map[string][]string) bool {
	for k := range q {
		if strings.HasPrefix(k, "response-") || k == "x-id" {
			return true
		}
	}
	return false
}
