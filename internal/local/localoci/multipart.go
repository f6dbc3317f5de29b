package localoci

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
)

// maxParts is the service's limit on parts per upload.
const maxParts = 10000

func (s *Server) uploadJSON(u *uploadRecord) objectstorage.MultipartUpload {
	return objectstorage.MultipartUpload{
		Namespace:   common.String(s.cfg.Namespace),
		Bucket:      common.String(u.Bucket),
		Object:      common.String(u.Object),
		UploadId:    common.String(u.ID),
		TimeCreated: &common.SDKTime{Time: u.Created},
		StorageTier: objectstorage.StorageTierEnum(u.StorageTier),
	}
}

func (s *Server) handleCreateMultipart(w http.ResponseWriter, r *http.Request, bucket string) *apiError {
	var d objectstorage.CreateMultipartUploadDetails
	if aerr := readJSON(r, &d); aerr != nil {
		return aerr
	}
	if d.Object == nil {
		return errf(http.StatusBadRequest, "MissingParameter", "The request body must name the object (object)")
	}
	if aerr := validateName(*d.Object); aerr != nil {
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
	if aerr := s.precheck(bucket, *d.Object, ifMatch, ifNoneMatch); aerr != nil {
		return aerr
	}
	u := uploadRecord{ID: newID(), Bucket: bucket, Object: *d.Object, Created: s.now(), Meta: d.Metadata}
	if u.StorageTier, aerr = storageTier(string(d.StorageTier), defTier); aerr != nil {
		return aerr
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	u.ContentType, u.ContentEncoding, u.ContentLanguage = deref(d.ContentType), deref(d.ContentEncoding), deref(d.ContentLanguage)
	u.ContentDisposition, u.CacheControl = deref(d.ContentDisposition), deref(d.CacheControl)
	if err := s.saveRecord(kindUploads, u.ID, u); err != nil {
		return errf(http.StatusInternalServerError, "InternalServerError", "%v", err)
	}
	s.mu.Lock()
	s.uploads[u.ID] = &uploadState{rec: u, parts: map[int]*partRecord{}}
	s.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("/n/%s/b/%s/u/%s", s.cfg.Namespace, bucket, u.ID))
	return writeJSON(w, http.StatusOK, s.uploadJSON(&u))
}

// findUpload returns the open upload id of bucket/object; the caller holds s.mu.
func (s *Server) findUpload(bucket, object, id string) (*uploadState, *apiError) {
	if _, ok := s.buckets[bucket]; !ok {
		return nil, errBucketNotFound(s.cfg.Namespace, bucket)
	}
	u, ok := s.uploads[id]
	if !ok || u.rec.Bucket != bucket || u.rec.Object != object {
		return nil, errNoSuchUpload(id)
	}
	return u, nil
}

func (s *Server) handleUploadPart(w http.ResponseWriter, r *http.Request, bucket, object string) *apiError {
	q := r.URL.Query()
	id := q.Get("uploadId")
	if id == "" {
		return errf(http.StatusBadRequest, "MissingParameter", "The uploadId query parameter is required")
	}
	num, err := strconv.Atoi(q.Get("uploadPartNum"))
	if err != nil || num < 1 || num > maxParts {
		return errf(http.StatusBadRequest, "InvalidUploadPartNumber", "The uploadPartNum '%s' is invalid; use 1 to %d", q.Get("uploadPartNum"), maxParts)
	}
	ifMatch, ifNoneMatch, aerr := writeConditions(r)
	if aerr != nil {
		return aerr
	}
	s.mu.RLock()
	_, aerr = s.findUpload(bucket, object, id)
	s.mu.RUnlock()
	if aerr != nil {
		return aerr
	}
	in, aerr := s.ingest(r)
	if aerr != nil {
		return aerr
	}
	p := &partRecord{UploadID: id, Num: num, Blob: in.blob, ETag: newID(), MD5: in.md5, Size: in.size, Modified: s.now()}
	s.mu.Lock()
	u, aerr := s.findUpload(bucket, object, id)
	var old *partRecord
	if aerr == nil {
		old = u.parts[num]
		switch {
		case ifNoneMatch == "*" && old != nil:
			aerr = errIfNoneMatch()
		case ifMatch != "" && (old == nil || old.ETag != ifMatch):
			aerr = errIfMatch(ifMatch)
		}
	}
	if aerr == nil {
		if err := s.saveRecord(kindParts, partKey(id, num), p); err != nil {
			aerr = errf(http.StatusInternalServerError, "InternalServerError", "%v", err)
		} else {
			u.parts[num] = p
		}
	}
	s.mu.Unlock()
	if aerr != nil {
		_ = s.store.removeBlob(p.Blob)
		return aerr
	}
	if old != nil {
		_ = s.store.removeBlob(old.Blob)
	}
	h := w.Header()
	h.Set("etag", p.ETag)
	h.Set("opc-content-md5", p.MD5)
	if in.sha256 != "" {
		h.Set("opc-content-sha256", in.sha256)
	}
	if in.crc32c != "" {
		h.Set("opc-content-crc32c", in.crc32c)
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleListParts(w http.ResponseWriter, r *http.Request, bucket, object string) *apiError {
	q := r.URL.Query()
	limit, aerr := parseLimit(q.Get("limit"))
	if aerr != nil {
		return aerr
	}
	from := 1
	if pg := q.Get("page"); pg != "" {
		n, err := strconv.Atoi(pg)
		if err != nil || n < 1 {
			return errf(http.StatusBadRequest, "InvalidPage", "The page token '%s' is invalid", pg)
		}
		from = n
	}
	s.mu.RLock()
	u, aerr := s.findUpload(bucket, object, q.Get("uploadId"))
	var parts []partRecord
	if aerr == nil {
		for _, p := range u.parts {
			if p.Num >= from {
				parts = append(parts, *p)
			}
		}
	}
	s.mu.RUnlock()
	if aerr != nil {
		return aerr
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Num < parts[j].Num })
	if len(parts) > limit {
		w.Header().Set("opc-next-page", strconv.Itoa(parts[limit].Num))
		parts = parts[:limit]
	}
	out := make([]objectstorage.MultipartUploadPartSummary, 0, len(parts))
	for _, p := range parts {
		out = append(out, objectstorage.MultipartUploadPartSummary{
			Etag: common.String(p.ETag), Md5: common.String(p.MD5), Size: common.Int64(p.Size), PartNumber: common.Int(p.Num),
		})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleListUploads(w http.ResponseWriter, r *http.Request, bucket string) *apiError {
	q := r.URL.Query()
	limit, aerr := parseLimit(q.Get("limit"))
	if aerr != nil {
		return aerr
	}
	from := 0
	if pg := q.Get("page"); pg != "" {
		n, err := strconv.Atoi(pg)
		if err != nil || n < 0 {
			return errf(http.StatusBadRequest, "InvalidPage", "The page token '%s' is invalid", pg)
		}
		from = n
	}
	s.mu.RLock()
	if _, ok := s.buckets[bucket]; !ok {
		s.mu.RUnlock()
		return errBucketNotFound(s.cfg.Namespace, bucket)
	}
	var ups []uploadRecord
	for _, u := range s.uploads {
		if u.rec.Bucket == bucket {
			ups = append(ups, u.rec)
		}
	}
	s.mu.RUnlock()
	sort.Slice(ups, func(i, j int) bool {
		if ups[i].Object != ups[j].Object {
			return ups[i].Object < ups[j].Object
		}
		return ups[i].ID < ups[j].ID
	})
	ups = ups[min(from, len(ups)):]
	if len(ups) > limit {
		w.Header().Set("opc-next-page", strconv.Itoa(from+limit))
		ups = ups[:limit]
	}
	out := make([]objectstorage.MultipartUpload, 0, len(ups))
	for i := range ups {
		out = append(out, s.uploadJSON(&ups[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

// claimUpload removes an open upload from the index so that no other
// request uses it; release puts it back.
func (s *Server) claimUpload(bucket, object, id string) (*uploadState, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, aerr := s.findUpload(bucket, object, id)
	if aerr != nil {
		return nil, aerr
	}
	delete(s.uploads, id)
	return u, nil
}

func (s *Server) releaseUpload(u *uploadState) {
	s.mu.Lock()
	s.uploads[u.rec.ID] = u
	s.mu.Unlock()
}

// dropUpload deletes a claimed upload's records and part bytes.
func (s *Server) dropUpload(u *uploadState) {
	for n, p := range u.parts {
		_ = s.store.deleteRecord(kindParts, partKey(u.rec.ID, n))
		_ = s.store.removeBlob(p.Blob)
	}
	_ = s.store.deleteRecord(kindUploads, u.rec.ID)
}

func (s *Server) handleAbort(w http.ResponseWriter, r *http.Request, bucket, object string) *apiError {
	u, aerr := s.claimUpload(bucket, object, r.URL.Query().Get("uploadId"))
	if aerr != nil {
		return aerr
	}
	s.dropUpload(u)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleCommit(w http.ResponseWriter, r *http.Request, bucket, object string) *apiError {
	var d objectstorage.CommitMultipartUploadDetails
	if aerr := readJSON(r, &d); aerr != nil {
		return aerr
	}
	if len(d.PartsToCommit) == 0 {
		return errf(http.StatusBadRequest, "InvalidUploadPart", "partsToCommit must name at least one part")
	}
	ifMatch, ifNoneMatch, aerr := writeConditions(r)
	if aerr != nil {
		return aerr
	}
	unlock := s.keys.lock(objectKey(bucket, object))
	defer unlock()
	u, aerr := s.claimUpload(bucket, object, r.URL.Query().Get("uploadId"))
	if aerr != nil {
		return aerr
	}
	parts, aerr := selectParts(u, d.PartsToCommit)
	if aerr == nil {
		aerr = s.precheck(bucket, object, ifMatch, ifNoneMatch)
	}
	if aerr != nil {
		s.releaseUpload(u)
		return aerr
	}
	blob, size, multipartMD5, err := s.concat(parts)
	if err != nil {
		s.releaseUpload(u)
		return errf(http.StatusInternalServerError, "InternalServerError", "assemble the object: %v", err)
	}
	now := s.now()
	rec := &objectRecord{
		Bucket: bucket, Name: object, Blob: blob, Size: size, ETag: newID(),
		MultipartMD5: multipartMD5, Created: now, Modified: now,
	}
	rec.setAttrs(objectAttrs{
		ContentType: u.rec.ContentType, ContentEncoding: u.rec.ContentEncoding, ContentLanguage: u.rec.ContentLanguage,
		ContentDisposition: u.rec.ContentDisposition, CacheControl: u.rec.CacheControl,
		StorageTier: u.rec.StorageTier, Meta: u.rec.Meta,
	})
	if aerr := s.publishLocked(rec, ifMatch, ifNoneMatch); aerr != nil {
		s.releaseUpload(u)
		return aerr
	}
	s.dropUpload(u)
	h := w.Header()
	h.Set("opc-multipart-md5", rec.MultipartMD5)
	h.Set("etag", rec.ETag)
	h.Set("last-modified", rec.Modified.Format(http.TimeFormat))
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// selectParts checks the parts a commit names against the upload and returns
// them in part-number order.
func selectParts(u *uploadState, want []objectstorage.CommitMultipartUploadPartDetails) ([]*partRecord, *apiError) {
	seen := map[int]bool{}
	parts := make([]*partRecord, 0, len(want))
	for _, c := range want {
		if c.PartNum == nil || c.Etag == nil {
			return nil, errf(http.StatusBadRequest, "InvalidUploadPart", "Each part to commit needs partNum and etag")
		}
		n := *c.PartNum
		if seen[n] {
			return nil, errf(http.StatusBadRequest, "InvalidUploadPart", "Part %d is listed more than once", n)
		}
		seen[n] = true
		p, ok := u.parts[n]
		if !ok {
			return nil, errf(http.StatusBadRequest, "InvalidUploadPart", "Part %d was not uploaded", n)
		}
		if p.ETag != *c.Etag {
			return nil, errf(http.StatusBadRequest, "InvalidUploadPart", "The etag '%s' of part %d does not match the uploaded part's etag", *c.Etag, n)
		}
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Num < parts[j].Num })
	return parts, nil
}

// concat streams parts into a new blob and computes the multipart MD5:
// base64(MD5(concatenation of the raw part MD5s)) + "-" + number of parts.
func (s *Server) concat(parts []*partRecord) (blob string, size int64, multipartMD5 string, err error) {
	bw, err := s.store.newBlob()
	if err != nil {
		return "", 0, "", err
	}
	sum := md5.New()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	for _, p := range parts {
		raw, derr := base64.StdEncoding.DecodeString(p.MD5)
		if derr != nil {
			bw.abort()
			return "", 0, "", fmt.Errorf("part %d has a bad stored MD5: %w", p.Num, derr)
		}
		sum.Write(raw)
		rd, oerr := s.store.openBlob(p.Blob)
		if oerr != nil {
			bw.abort()
			return "", 0, "", fmt.Errorf("open part %d: %w", p.Num, oerr)
		}
		n, cerr := io.CopyBuffer(bw, io.NewSectionReader(rd, 0, rd.Size()), *buf)
		_ = rd.Close()
		if cerr != nil {
			bw.abort()
			return "", 0, "", fmt.Errorf("copy part %d: %w", p.Num, cerr)
		}
		size += n
	}
	if blob, err = bw.commit(); err != nil {
		return "", 0, "", err
	}
	return blob, size, fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(sum.Sum(nil)), len(parts)), nil
}
