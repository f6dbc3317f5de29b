package locals3

import (
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/johannesboyne/gofakes3"
)

// Hidden metadata: gofakes3 persists every X-Amz-* request header of a PUT
// as object metadata, so values it would otherwise drop travel under this
// prefix and are turned back into their real headers on HEAD and GET.
const (
	hiddenPrefix          = "X-Amz-Locals3-"
	hiddenCacheControl    = hiddenPrefix + "Cache-Control"
	hiddenContentLanguage = hiddenPrefix + "Content-Language"
	hiddenChecksums       = hiddenPrefix + "Checksums" // "CRC32=v;SHA256=v"
	hiddenMetaKeys        = hiddenPrefix + "Meta-Keys" // "X-Amz-Meta-A,X-Amz-Meta-B"
)

// checksumAlgorithms are the x-amz-checksum-* algorithms that are persisted.
var checksumAlgorithms = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

// keyLocks serialises writers of one key against each other and against
// readers that check If-Match, so conditional operations are atomic.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	sync.RWMutex
	refs int
}

func (k *keyLocks) lock(key string, write bool) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	if write {
		l.Lock()
	} else {
		l.RLock()
	}
	return func() {
		if write {
			l.Unlock()
		} else {
			l.RUnlock()
		}
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// serve is the middleware between fault injection and gofakes3.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if f := s.authenticate(r); f != nil {
		s.log.Info("locals3: request refused", "method", r.Method, "path", r.URL.Path, "code", f.code)
		writeError(w, r, f.status, f.code, f.message, f.region)
		return
	}
	bucket, key := splitPath(r)
	op, _ := classify(r)
	if key != "" && s.denied(key) {
		writeError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied", "")
		return
	}
	if bucket != "" {
		w.Header().Set("x-amz-bucket-region", s.cfg.Region)
	}
	if r.Header.Get("X-Amz-Content-Sha256") == unsignedTrailer {
		done, err := decodeChunked(r)
		defer done()
		var ce *chunkedError
		if errors.As(err, &ce) {
			writeError(w, r, ce.status, ce.code, ce.message, "")
			return
		}
	}

	lockKey := bucket + "/" + key
	switch op {
	case OpPut, OpCompleteMultipart, OpDelete:
		defer s.locks.lock(lockKey, true)()
	case OpGet, OpHead, OpGetAttributes:
		defer s.locks.lock(lockKey, false)()
	}

	switch op {
	case OpList:
		if r.URL.Query().Has("encoding-type") {
			s.serveEncodedList(w, r, bucket)
			return
		}
	case OpGetAttributes:
		s.serveAttributes(w, r, bucket, key)
		return
	case OpPut:
		if !s.preparePut(w, r) {
			return
		}
	case OpCreateMultipart:
		if !s.prepareCreateMultipart(w, r) {
			return
		}
	case OpUploadPart:
		sums, ok := s.prepareUploadPart(w, r, bucket, key)
		if !ok {
			return
		}
		w = &echoChecksums{ResponseWriter: w, sums: sums}
	case OpCompleteMultipart:
		if !s.checkWriteConditions(w, r, bucket, key) || !s.prepareComplete(w, r, bucket, key) {
			return
		}
	case OpGet, OpHead:
		if !s.checkReadConditions(w, r, bucket, key) {
			return
		}
		if op == OpGet && s.archived(bucket, key, r.URL.Query().Get("versionId")) {
			writeError(w, r, http.StatusForbidden, "InvalidObjectState", "The operation is not valid for the object's storage class", "")
			return
		}
		or := &objectResponse{ResponseWriter: w, r: r}
		s.fake.ServeHTTP(or, r)
		if !or.wroteHeader {
			or.WriteHeader(http.StatusOK) // HEAD writes no body, so nothing triggered the rewrite
		}
		return
	}
	s.fake.ServeHTTP(w, r)
	if e, ok := w.(*echoChecksums); ok && !e.wrote {
		e.WriteHeader(http.StatusOK) // gofakes3 wrote nothing: the implicit 200
	}
}

// preparePut hides the metadata gofakes3 would drop and verifies the
// x-amz-checksum-* headers against the body as it streams.
func (s *Server) preparePut(w http.ResponseWriter, r *http.Request) bool {
	sums := checkBody(r)
	hideMetadata(r, sums)
	return true
}

// checkBody makes r's body verify every x-amz-checksum-* header it carries
// (the read fails with BadDigest at its end when one differs) and returns
// the values by algorithm.
func checkBody(r *http.Request) map[string]string {
	sums := map[string]string{}
	var checks []bodyCheck
	for _, alg := range checksumAlgorithms {
		v := r.Header.Get("X-Amz-Checksum-" + alg)
		if v == "" {
			continue
		}
		sums[alg] = v
		checks = append(checks, bodyCheck{alg: alg, want: v, h: newChecksumHash(alg)})
	}
	if len(checks) > 0 && r.Body != nil {
		r.Body = &checksumReader{rc: r.Body, checks: checks}
	}
	return sums
}

// hideMetadata stores Cache-Control, Content-Language, checksums and the
// list of user-metadata keys as hidden X-Amz-Locals3-* headers. Every hidden
// header and content header is set, empty when absent, because gofakes3
// merges the previous object's metadata into a new one.
func hideMetadata(r *http.Request, sums map[string]string) {
	h := r.Header
	h.Set(hiddenCacheControl, h.Get("Cache-Control"))
	h.Set(hiddenContentLanguage, h.Get("Content-Language"))
	var parts []string
	for _, alg := range checksumAlgorithms {
		if v, ok := sums[alg]; ok {
			parts = append(parts, alg+"="+v)
		}
	}
	h.Set(hiddenChecksums, strings.Join(parts, ";"))
	h.Set(hiddenChecksumType, "")
	h.Set(hiddenParts, "")
	var metaKeys []string
	for k := range h {
		if strings.HasPrefix(k, "X-Amz-Meta-") {
			metaKeys = append(metaKeys, k)
		}
	}
	h.Set(hiddenMetaKeys, strings.Join(metaKeys, ","))
	for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Disposition"} {
		if _, ok := h[k]; !ok {
			h[k] = []string{""}
		}
	}
}

// checkReadConditions answers 412 when If-Match names another ETag and 304
// when If-None-Match names the current one. Both compare with the object's
// real ETag (composite for a multipart object); gofakes3 would compare
// If-None-Match with the content MD5, so the header is consumed here.
func (s *Server) checkReadConditions(w http.ResponseWriter, r *http.Request, bucket, key string) bool {
	im, inm := r.Header.Get("If-Match"), r.Header.Get("If-None-Match")
	if im == "" && inm == "" {
		return true
	}
	r.Header.Del("If-None-Match")
	obj, err := s.headObject(bucket, key, r.URL.Query().Get("versionId"))
	if err != nil {
		return true // gofakes3 answers the 404 itself
	}
	etag := objectETag(obj)
	if im != "" && !etagMatches(im, etag) {
		writeError(w, r, http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "")
		return false
	}
	if inm != "" {
		// If-None-Match decides alone, as S3 does when both it and
		// If-Modified-Since are sent.
		r.Header.Del("If-Modified-Since")
		if etagMatches(inm, etag) {
			w.Header().Set("ETag", `"`+etag+`"`)
			if lm := obj.Metadata["Last-Modified"]; lm != "" {
				w.Header().Set("Last-Modified", lm)
			}
			w.WriteHeader(http.StatusNotModified)
			return false
		}
	}
	return true
}

// archived reports whether the object is in a storage class that must be
// restored before a GET succeeds, as S3 answers InvalidObjectState for
// GLACIER and DEEP_ARCHIVE objects.
func (s *Server) archived(bucket, key, version string) bool {
	obj, err := s.headObject(bucket, key, version)
	if err != nil {
		return false
	}
	for k, v := range obj.Metadata {
		if strings.EqualFold(k, "X-Amz-Storage-Class") {
			return v == "GLACIER" || v == "DEEP_ARCHIVE"
		}
	}
	return false
}

// checkWriteConditions applies If-None-Match: * and If-Match to a
// CompleteMultipartUpload, which gofakes3 ignores.
func (s *Server) checkWriteConditions(w http.ResponseWriter, r *http.Request, bucket, key string) bool {
	inm, im := r.Header.Get("If-None-Match"), r.Header.Get("If-Match")
	if inm == "" && im == "" {
		return true
	}
	obj, err := s.headObject(bucket, key, "")
	exists := err == nil
	fail := (inm == "*" && exists) || (im != "" && (!exists || !etagMatches(im, objectETag(obj))))
	if fail {
		writeError(w, r, http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "")
		return false
	}
	return true
}

func (s *Server) headObject(bucket, key, version string) (*gofakes3.Object, error) {
	var (
		obj *gofakes3.Object
		err error
	)
	if vb, ok := s.backend.(gofakes3.VersionedBackend); ok && version != "" && version != "null" {
		obj, err = vb.HeadObjectVersion(bucket, key, gofakes3.VersionID(version))
	} else {
		obj, err = s.backend.HeadObject(bucket, key)
	}
	if err != nil {
		return nil, err
	}
	_ = obj.Contents.Close()
	if obj.IsDeleteMarker {
		return nil, gofakes3.KeyNotFound(key)
	}
	return obj, nil
}

// allowedAmzHeaders are the x-amz-* response headers S3 sends on HEAD/GET;
// gofakes3 echoes every stored x-amz-* request header, and the rest are
// dropped.
var allowedAmzHeaders = map[string]bool{
	"X-Amz-Version-Id": true, "X-Amz-Delete-Marker": true, "X-Amz-Request-Id": true, "X-Amz-Id-2": true,
	"X-Amz-Storage-Class": true, "X-Amz-Website-Redirect-Location": true, "X-Amz-Tagging-Count": true,
	"X-Amz-Bucket-Region": true, "X-Amz-Server-Side-Encryption": true, "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": true,
	"X-Amz-Mp-Parts-Count": true, "X-Amz-Expiration": true, "X-Amz-Restore": true,
}

// objectResponse rewrites HEAD/GET object response headers before they are
// sent: hidden metadata back to real headers, request echoes removed, and
// checksums added when the client asked for them.
type objectResponse struct {
	http.ResponseWriter
	r           *http.Request
	wroteHeader bool
}

func (o *objectResponse) WriteHeader(status int) {
	if o.wroteHeader {
		return
	}
	o.wroteHeader = true
	h := o.Header()
	cacheControl, language := h.Get(hiddenCacheControl), h.Get(hiddenContentLanguage)
	sums, sumType := h.Get(hiddenChecksums), h.Get(hiddenChecksumType)
	if etag := h.Get(hiddenETag); etag != "" {
		h.Set("ETag", `"`+etag+`"`)
	}
	metaKeys, listed := h[hiddenMetaKeys]
	keep := map[string]bool{}
	if listed && len(metaKeys) > 0 {
		for _, k := range strings.Split(metaKeys[0], ",") {
			keep[k] = true
		}
	}
	for k := range h {
		switch {
		case strings.HasPrefix(k, "X-Amz-Meta-"):
			if listed && !keep[k] {
				delete(h, k)
			}
		case strings.HasPrefix(k, "X-Amz-") && !allowedAmzHeaders[k]:
			delete(h, k)
		}
	}
	for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Disposition"} {
		if v, ok := h[k]; ok && (len(v) == 0 || v[0] == "") {
			delete(h, k)
		}
	}
	if strings.Contains(h.Get("Content-Encoding"), "aws-chunked") {
		dropAWSChunked(h)
	}
	if cacheControl != "" {
		h.Set("Cache-Control", cacheControl)
	}
	if language != "" {
		h.Set("Content-Language", language)
	}
	// As S3: checksums of the whole object only, so never for a range.
	if status == http.StatusOK && sums != "" && o.r.Header.Get("Range") == "" &&
		strings.EqualFold(o.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		for alg, v := range parseChecksums(sums) {
			h.Set("X-Amz-Checksum-"+alg, v)
		}
		if sumType == "" {
			sumType = checksumFullObject
		}
		h.Set("X-Amz-Checksum-Type", sumType)
	}
	o.ResponseWriter.WriteHeader(status)
}

func (o *objectResponse) Write(p []byte) (int, error) {
	if !o.wroteHeader {
		o.WriteHeader(http.StatusOK)
	}
	return o.ResponseWriter.Write(p)
}

// Flush implements http.Flusher.
func (o *objectResponse) Flush() {
	if f, ok := o.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (o *objectResponse) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// bodyCheck is one x-amz-checksum-* header to verify against the body.
type bodyCheck struct {
	alg  string
	want string
	h    hash.Hash
}

// checksumReader hashes the body and fails with S3's BadDigest at EOF when
// a checksum differs, so the backend discards the write.
type checksumReader struct {
	rc     io.ReadCloser
	checks []bodyCheck
}

func (c *checksumReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	for _, ck := range c.checks {
		ck.h.Write(p[:n])
	}
	if err == io.EOF {
		for _, ck := range c.checks {
			if got := base64.StdEncoding.EncodeToString(ck.h.Sum(nil)); got != ck.want {
				return n, gofakes3.ErrorMessagef(gofakes3.ErrBadDigest,
					"The %s you specified did not match the calculated checksum.", "x-amz-checksum-"+strings.ToLower(ck.alg))
			}
		}
	}
	return n, err
}

func (c *checksumReader) Close() error { return c.rc.Close() }
