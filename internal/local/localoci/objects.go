package localoci

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/objectstorage"
)

// objectAttrs are the attributes a client sets when writing an object.
type objectAttrs struct {
	ContentType, ContentEncoding, ContentLanguage, ContentDisposition, CacheControl string
	StorageTier                                                                     string
	Meta                                                                            map[string]string
}

// storageTier validates a requested tier; "" means the bucket's default.
func storageTier(v, bucketDefault string) (string, *apiError) {
	if v == "" {
		if bucketDefault == "" {
			return string(objectstorage.StorageTierStandard), nil
		}
		return bucketDefault, nil
	}
	if t, ok := objectstorage.GetMappingStorageTierEnum(v); ok {
		return string(t), nil
	}
	return "", errInvalid("The storage tier '%s' is invalid; use Standard, InfrequentAccess or Archive", v)
}

// attrsFromHeaders reads a PutObject request's attribute headers.
func attrsFromHeaders(h http.Header) objectAttrs {
	a := objectAttrs{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    h.Get("Content-Encoding"),
		ContentLanguage:    h.Get("Content-Language"),
		ContentDisposition: h.Get("Content-Disposition"),
		CacheControl:       h.Get("Cache-Control"),
		StorageTier:        h.Get("storage-tier"),
	}
	for k, v := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "opc-meta-") && len(v) > 0 {
			if a.Meta == nil {
				a.Meta = map[string]string{}
			}
			a.Meta[strings.TrimPrefix(lk, "opc-meta-")] = v[0]
		}
	}
	return a
}

// bucketTier returns a bucket's default storage tier, or an error if the
// bucket does not exist.
func (s *Server) bucketTier(bucket string) (string, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return "", errBucketNotFound(s.cfg.Namespace, bucket)
	}
	return b.rec.StorageTier, nil
}

// lookup returns a copy of an object's record.
func (s *Server) lookup(bucket, name string) (objectRecord, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return objectRecord{}, errBucketNotFound(s.cfg.Namespace, bucket)
	}
	o, ok := b.objects[name]
	if !ok {
		return objectRecord{}, errObjectNotFound(bucket, name)
	}
	return *o, nil
}

// checkWrite applies a write's if-match / if-none-match to the current object
// (nil if absent).
func checkWrite(cur *objectRecord, ifMatch, ifNoneMatch string) *apiError {
	if ifNoneMatch == "*" && cur != nil {
		return errIfNoneMatch()
	}
	if ifMatch != "" && (cur == nil || cur.ETag != ifMatch) {
		return errIfMatch(ifMatch)
	}
	return nil
}

// writeConditions reads and validates a write's conditional headers.
func writeConditions(r *http.Request) (ifMatch, ifNoneMatch string, aerr *apiError) {
	ifMatch, ifNoneMatch = r.Header.Get("if-match"), r.Header.Get("if-none-match")
	if ifNoneMatch != "" && ifNoneMatch != "*" {
		return "", "", errInvalid("The if-none-match header of a write may only be '*'")
	}
	return ifMatch, ifNoneMatch, nil
}

// precheck fails a conditional write early, before its body is read. The
// condition is checked again, atomically, when the object is published.
func (s *Server) precheck(bucket, name, ifMatch, ifNoneMatch string) *apiError {
	if ifMatch == "" && ifNoneMatch == "" {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return errBucketNotFound(s.cfg.Namespace, bucket)
	}
	return checkWrite(b.objects[name], ifMatch, ifNoneMatch)
}

// publish makes rec the object's current version if the write's conditions
// hold, and frees the bytes of the version it replaces. On failure rec's
// blob is freed instead.
func (s *Server) publish(rec *objectRecord, ifMatch, ifNoneMatch string) *apiError {
	unlock := s.keys.lock(objectKey(rec.Bucket, rec.Name))
	defer unlock()
	return s.publishLocked(rec, ifMatch, ifNoneMatch)
}

// publishLocked is publish for a caller that holds the object's key lock.
func (s *Server) publishLocked(rec *objectRecord, ifMatch, ifNoneMatch string) *apiError {
	key := objectKey(rec.Bucket, rec.Name)
	s.mu.RLock()
	b, ok := s.buckets[rec.Bucket]
	var cur *objectRecord
	if ok {
		cur = b.objects[rec.Name]
	}
	s.mu.RUnlock()
	fail := func(aerr *apiError) *apiError {
		_ = s.store.removeBlob(rec.Blob)
		return aerr
	}
	if !ok {
		return fail(errBucketNotFound(s.cfg.Namespace, rec.Bucket))
	}
	if aerr := checkWrite(cur, ifMatch, ifNoneMatch); aerr != nil {
		return fail(aerr)
	}
	if err := s.saveRecord(kindObjects, key, rec); err != nil {
		return fail(errf(http.StatusInternalServerError, "InternalServerError", "%v", err))
	}
	s.mu.Lock()
	b.objects[rec.Name] = rec
	b.insertName(rec.Name)
	s.mu.Unlock()
	if cur != nil {
		_ = s.store.removeBlob(cur.Blob)
	}
	return nil
}

func (s *Server) handlePutObject(w http.ResponseWriter, r *http.Request, bucket, name string) *apiError {
	if aerr := validateName(name); aerr != nil {
		return aerr
	}
	defTier, aerr := s.bucketTier(bucket)
	if aerr != nil {
		return aerr
	}
	ifMatch, ifNoneMatch, aerr := writeConditions(r)
	if aerr != nil {
		return aerr
	}
	attrs := attrsFromHeaders(r.Header)
	if attrs.StorageTier, aerr = storageTier(attrs.StorageTier, defTier); aerr != nil {
		return aerr
	}
	if aerr := s.precheck(bucket, name, ifMatch, ifNoneMatch); aerr != nil {
		return aerr
	}
	in, aerr := s.ingest(r)
	if aerr != nil {
		return aerr
	}
	now := s.now()
	rec := &objectRecord{
		Bucket: bucket, Name: name, Blob: in.blob, Size: in.size, ETag: newID(),
		MD5: in.md5, SHA256: in.sha256, CRC32C: in.crc32c, Created: now, Modified: now,
	}
	rec.setAttrs(attrs)
	if aerr := s.publish(rec, ifMatch, ifNoneMatch); aerr != nil {
		return aerr
	}
	h := w.Header()
	h.Set("etag", rec.ETag)
	h.Set("opc-content-md5", rec.MD5)
	if rec.SHA256 != "" {
		h.Set("opc-content-sha256", rec.SHA256)
	}
	if rec.CRC32C != "" {
		h.Set("opc-content-crc32c", rec.CRC32C)
	}
	h.Set("last-modified", rec.Modified.Format(http.TimeFormat))
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (o *objectRecord) setAttrs(a objectAttrs) {
	o.ContentType = a.ContentType
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	o.ContentEncoding, o.ContentLanguage, o.ContentDisposition, o.CacheControl = a.ContentEncoding, a.ContentLanguage, a.ContentDisposition, a.CacheControl
	o.StorageTier = a.StorageTier
	o.Meta = a.Meta
}

// setObjectHeaders writes the headers GetObject and HeadObject carry.
func setObjectHeaders(h http.Header, o *objectRecord, q map[string][]string) {
	h.Set("etag", o.ETag)
	h.Set("last-modified", o.Modified.Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	if o.MultipartMD5 != "" {
		h.Set("opc-multipart-md5", o.MultipartMD5)
	} else {
		h.Set("Content-MD5", o.MD5)
		h.Set("opc-content-md5", o.MD5)
	}
	if o.SHA256 != "" {
		h.Set("opc-content-sha256", o.SHA256)
	}
	if o.CRC32C != "" {
		h.Set("opc-content-crc32c", o.CRC32C)
	}
	set := func(name, v, override string) {
		if vs := q[override]; len(vs) > 0 && vs[0] != "" {
			v = vs[0]
		}
		if v != "" {
			h.Set(name, v)
		}
	}
	set("Content-Type", o.ContentType, "httpResponseContentType")
	set("Content-Encoding", o.ContentEncoding, "httpResponseContentEncoding")
	set("Content-Language", o.ContentLanguage, "httpResponseContentLanguage")
	set("Content-Disposition", o.ContentDisposition, "httpResponseContentDisposition")
	set("Cache-Control", o.CacheControl, "httpResponseCacheControl")
	set("Expires", "", "httpResponseExpires")
	if o.StorageTier != "" {
		h.Set("storage-tier", o.StorageTier)
	}
	if o.StorageTier == string(objectstorage.StorageTierArchive) {
		h.Set("archival-state", string(objectstorage.ArchivalStateArchived))
	}
	for k, v := range o.Meta {
		h.Set("opc-meta-"+k, v)
	}
}

// parseRange parses a single "bytes=" range against size. ok is false when
// there is no usable range (absent, or a form the service ignores);
// unsatisfiable reports a range that starts past the end.
func parseRange(v string, size int64) (off, n int64, ok, unsatisfiable bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	first, last, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false, false
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		k, err := strconv.ParseInt(last, 10, 64)
		if err != nil || k <= 0 {
			return 0, 0, false, k == 0 && err == nil
		}
		if size == 0 {
			return 0, 0, false, true
		}
		k = min(k, size)
		return size - k, k, true, false
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, 0, false, false
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, 0, false, false
		}
		b = min(b, size-1)
	}
	if a >= size {
		return 0, 0, false, true
	}
	return a, b - a + 1, true, false
}

func (s *Server) handleGetObject(w http.ResponseWriter, r *http.Request, bucket, name string) *apiError {
	if aerr := validateName(name); aerr != nil {
		return aerr
	}
	// Look the object up and open its bytes under one read lock, so a
	// concurrent overwrite cannot free them in between.
	s.mu.RLock()
	b, ok := s.buckets[bucket]
	var o objectRecord
	var found bool
	if ok {
		var p *objectRecord
		if p, found = b.objects[name]; found {
			o = *p
		}
	}
	var blob blobReader
	var err error
	if found && r.Method == http.MethodGet {
		blob, err = s.store.openBlob(o.Blob)
	}
	s.mu.RUnlock()
	if !ok {
		return errBucketNotFound(s.cfg.Namespace, bucket)
	}
	if !found {
		return errObjectNotFound(bucket, name)
	}
	if err != nil {
		return errf(http.StatusInternalServerError, "InternalServerError", "open object: %v", err)
	}
	if blob != nil {
		defer blob.Close()
	}
	h := w.Header()
	if im := r.Header.Get("if-match"); im != "" && im != o.ETag {
		return errIfMatch(im)
	}
	if inm := r.Header.Get("if-none-match"); inm != "" && (inm == "*" || inm == o.ETag) {
		h.Set("etag", o.ETag)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if r.Method == http.MethodGet && o.StorageTier == string(objectstorage.StorageTierArchive) {
		return errf(http.StatusConflict, "NotRestored", "The object '%s' is archived and must be restored before it can be read", name)
	}
	setObjectHeaders(h, &o, r.URL.Query())
	off, n, ranged, unsat := int64(0), o.Size, false, false
	if rv := r.Header.Get("Range"); rv != "" {
		off, n, ranged, unsat = parseRange(rv, o.Size)
		if unsat {
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", o.Size))
			return errf(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The range '%s' is not satisfiable for an object of %d bytes", rv, o.Size)
		}
		if !ranged {
			off, n = 0, o.Size
		}
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	status := http.StatusOK
	if ranged {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, o.Size))
		status = http.StatusPartialContent
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead || n == 0 {
		return nil
	}
	buf := copyBufs.Get().(*[]byte)
	_, _ = io.CopyBuffer(w, io.NewSectionReader(blob, off, n), *buf)
	copyBufs.Put(buf)
	return nil
}

func (s *Server) handleDeleteObject(w http.ResponseWriter, r *http.Request, bucket, name string) *apiError {
	if aerr := validateName(name); aerr != nil {
		return aerr
	}
	key := objectKey(bucket, name)
	unlock := s.keys.lock(key)
	defer unlock()
	cur, aerr := s.lookup(bucket, name)
	if aerr != nil {
		return aerr
	}
	if im := r.Header.Get("if-match"); im != "" && im != cur.ETag {
		return errIfMatch(im)
	}
	if err := s.store.deleteRecord(kindObjects, key); err != nil {
		return errf(http.StatusInternalServerError, "InternalServerError", "%v", err)
	}
	s.mu.Lock()
	if b := s.buckets[bucket]; b != nil {
		delete(b.objects, name)
		b.removeName(name)
	}
	s.mu.Unlock()
	_ = s.store.removeBlob(cur.Blob)
	w.Header().Set("last-modified", s.now().Format(http.TimeFormat))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
