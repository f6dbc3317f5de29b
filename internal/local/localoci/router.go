package localoci

import (
	"net/http"
	"net/url"
	"strings"
)

// target is what a request path addresses.
type target struct {
	ns       string
	bucket   string
	resource string // "", "b", "o", "u", "replicationPolicies", "retentionRules", "namespace"
	object   string // object name, or the id of a policy or rule
	hasName  bool   // the path has a segment after the resource
}

// parseTarget splits the escaped request path. Object names may contain
// "/" and any escaped character, so the name is everything after ".../o/"
// or ".../u/", unescaped once: exactly what the SDK put in the URL path.
func parseTarget(r *http.Request) (target, bool) {
	p := r.URL.EscapedPath()
	if p == "/n" || p == "/n/" {
		return target{resource: "namespace"}, true
	}
	if !strings.HasPrefix(p, "/n/") {
		return target{}, false
	}
	rest := p[len("/n/"):]
	var t target
	seg, rest, more := strings.Cut(rest, "/")
	var ok bool
	if t.ns, ok = unescape(seg); !ok || t.ns == "" {
		return target{}, false
	}
	if !more {
		return t, true // /n/{ns}
	}
	seg, rest, more = strings.Cut(rest, "/")
	if seg != "b" {
		return target{}, false
	}
	t.resource = "b"
	if !more || rest == "" {
		return t, true // /n/{ns}/b
	}
	seg, rest, more = strings.Cut(rest, "/")
	if t.bucket, ok = unescape(seg); !ok || t.bucket == "" {
		return target{}, false
	}
	if !more {
		return t, true // /n/{ns}/b/{bucket}
	}
	seg, rest, more = strings.Cut(rest, "/")
	switch seg {
	case "o", "u":
		t.resource = seg
		if !more {
			return t, true
		}
		if t.object, ok = unescape(rest); !ok {
			return target{}, false
		}
		t.hasName = true
		return t, true
	case "replicationPolicies", "retentionRules":
		t.resource = seg
		if !more || rest == "" {
			return t, true
		}
		if t.object, ok = unescape(rest); !ok || strings.Contains(t.object, "/") {
			return target{}, false
		}
		t.hasName = true
		return t, true
	}
	return target{}, false
}

func unescape(s string) (string, bool) {
	v, err := url.PathUnescape(s)
	return v, err == nil
}

// classify names a request's operation and key for fault injection. Ops:
// namespace, get-bucket, create-bucket, list, head, get, put, delete,
// create-multipart, upload-part, list-parts, commit-multipart,
// abort-multipart. The key is the object name (the prefix for list).
func classify(r *http.Request) (op, key string) {
	t, ok := parseTarget(r)
	if !ok {
		return "", ""
	}
	switch t.resource {
	case "namespace", "":
		return "namespace", ""
	case "b":
		if r.Method == http.MethodPost {
			return "create-bucket", ""
		}
		return "get-bucket", t.bucket
	case "replicationPolicies", "retentionRules":
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return "get-bucket", t.bucket
		}
		return "create-bucket", t.bucket
	case "o":
		if !t.hasName {
			return "list", r.URL.Query().Get("prefix")
		}
		switch r.Method {
		case http.MethodHead:
			return "head", t.object
		case http.MethodGet:
			return "get", t.object
		case http.MethodPut:
			return "put", t.object
		case http.MethodDelete:
			return "delete", t.object
		}
	case "u":
		if !t.hasName {
			if r.Method == http.MethodPost {
				return "create-multipart", ""
			}
			return "list-parts", ""
		}
		switch r.Method {
		case http.MethodPut:
			return "upload-part", t.object
		case http.MethodGet:
			return "list-parts", t.object
		case http.MethodPost:
			return "commit-multipart", t.object
		case http.MethodDelete:
			return "abort-multipart", t.object
		}
	}
	return "", t.object
}

// serveAPI authenticates the request and dispatches it.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if aerr := s.authenticate(r); aerr != nil {
		writeAPIError(w, r, aerr)
		return
	}
	t, ok := parseTarget(r)
	if !ok {
		writeAPIError(w, r, errf(http.StatusNotFound, "NotFound", "There is no operation at path %q", r.URL.EscapedPath()))
		return
	}
	if aerr := s.dispatch(w, r, t); aerr != nil {
		writeAPIError(w, r, aerr)
	}
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, t target) *apiError {
	m := r.Method
	if t.resource == "namespace" {
		if m != http.MethodGet {
			return errMethod(m)
		}
		return writeJSON(w, http.StatusOK, s.cfg.Namespace)
	}
	if t.ns != s.cfg.Namespace {
		return errf(http.StatusNotFound, "NamespaceNotFound", "You do not have authorization to perform this request, or the requested resource could not be found.")
	}
	switch t.resource {
	case "":
		if m != http.MethodGet {
			return errMethod(m)
		}
		return s.getNamespaceMetadata(w)
	case "b":
		switch {
		case t.bucket == "" && m == http.MethodPost:
			return s.handleCreateBucket(w, r)
		case t.bucket == "" && m == http.MethodGet:
			return s.handleListBuckets(w, r)
		case t.bucket != "" && (m == http.MethodGet || m == http.MethodHead):
			return s.handleGetBucket(w, r, t.bucket)
		case t.bucket != "" && m == http.MethodDelete:
			return s.handleDeleteBucket(w, r, t.bucket)
		}
	case "replicationPolicies":
		switch {
		case !t.hasName && m == http.MethodGet:
			return s.handleListReplication(w, r, t.bucket)
		case !t.hasName && m == http.MethodPost:
			return s.handleCreateReplication(w, r, t.bucket)
		case t.hasName && m == http.MethodGet:
			return s.handleGetReplication(w, t.bucket, t.object)
		case t.hasName && m == http.MethodDelete:
			return s.handleDeleteReplication(w, t.bucket, t.object)
		}
	case "retentionRules":
		switch {
		case !t.hasName && m == http.MethodGet:
			return s.handleListRetention(w, r, t.bucket)
		case !t.hasName && m == http.MethodPost:
			return s.handleCreateRetention(w, r, t.bucket)
		case t.hasName && m == http.MethodGet:
			return s.handleGetRetention(w, t.bucket, t.object)
		case t.hasName && m == http.MethodDelete:
			return s.handleDeleteRetention(w, t.bucket, t.object)
		}
	case "o":
		if !t.hasName {
			if m == http.MethodGet {
				return s.handleListObjects(w, r, t.bucket)
			}
			return errMethod(m)
		}
		switch m {
		case http.MethodPut:
			return s.handlePutObject(w, r, t.bucket, t.object)
		case http.MethodGet, http.MethodHead:
			return s.handleGetObject(w, r, t.bucket, t.object)
		case http.MethodDelete:
			return s.handleDeleteObject(w, r, t.bucket, t.object)
		}
	case "u":
		if !t.hasName {
			switch m {
			case http.MethodPost:
				return s.handleCreateMultipart(w, r, t.bucket)
			case http.MethodGet:
				return s.handleListUploads(w, r, t.bucket)
			}
			return errMethod(m)
		}
		switch m {
		case http.MethodPut:
			return s.handleUploadPart(w, r, t.bucket, t.object)
		case http.MethodGet:
			return s.handleListParts(w, r, t.bucket, t.object)
		case http.MethodPost:
			return s.handleCommit(w, r, t.bucket, t.object)
		case http.MethodDelete:
			return s.handleAbort(w, r, t.bucket, t.object)
		}
	}
	return errMethod(m)
}

func errMethod(m string) *apiError {
	return errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method %s is not allowed on this resource", m)
}
