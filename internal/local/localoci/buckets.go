package localoci

import (
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
)

var bucketNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,256}$`)

// createBucket records a new bucket. rec.Name and rec.CompartmentID must be set.
func (s *Server) createBucket(rec bucketRecord) (bucketRecord, *apiError) {
	if !bucketNameRE.MatchString(rec.Name) {
		return rec, errf(http.StatusBadRequest, "InvalidBucketName",
			"The bucket name '%s' is invalid: use 1 to 256 letters, digits, '.', '_' or '-'", rec.Name)
	}
	if rec.Versioning == "" {
		rec.Versioning = string(objectstorage.BucketVersioningDisabled)
	}
	if rec.StorageTier == "" {
		rec.StorageTier = string(objectstorage.BucketStorageTierStandard)
	}
	rec.Created = s.now()
	rec.ETag = newID()
	rec.ID = "ocid1.bucket.oc1." + s.cfg.Region + "." + strings.ReplaceAll(newID(), "-", "")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[rec.Name]; ok {
		return rec, errf(http.StatusConflict, "BucketAlreadyExists", "Either the bucket '%s' in namespace '%s' already exists or you are not authorized to create it", rec.Name, s.cfg.Namespace)
	}
	if err := s.saveRecord(kindBuckets, rec.Name, rec); err != nil {
		return rec, errf(http.StatusInternalServerError, "InternalServerError", "store bucket: %v", err)
	}
	s.buckets[rec.Name] = &bucketState{rec: rec, objects: map[string]*objectRecord{}}
	return rec, nil
}

// bucketJSON is the service's Bucket body for rec.
func (s *Server) bucketJSON(b *bucketState, fields string) objectstorage.Bucket {
	rec := b.rec
	md := rec.Metadata
	if md == nil {
		md = map[string]string{}
	}
	out := objectstorage.Bucket{
		Namespace:           common.String(s.cfg.Namespace),
		Name:                common.String(rec.Name),
		CompartmentId:       common.String(rec.CompartmentID),
		Metadata:            md,
		CreatedBy:           common.String("ocid1.user.oc1..ocimove"),
		TimeCreated:         &common.SDKTime{Time: rec.Created},
		Etag:                common.String(rec.ETag),
		PublicAccessType:    objectstorage.BucketPublicAccessTypeNopublicaccess,
		StorageTier:         objectstorage.BucketStorageTierEnum(rec.StorageTier),
		ObjectEventsEnabled: common.Bool(false),
		FreeformTags:        map[string]string{},
		DefinedTags:         map[string]map[string]interface{}{},
		ReplicationEnabled:  common.Bool(len(rec.Replication) > 0),
		IsReadOnly:          common.Bool(false),
		Id:                  common.String(rec.ID),
		Versioning:          objectstorage.BucketVersioningEnum(rec.Versioning),
		AutoTiering:         objectstorage.BucketAutoTieringDisabled,
	}
	for _, f := range strings.Split(fields, ",") {
		switch strings.TrimSpace(f) {
		case "approximateCount":
			out.ApproximateCount = common.Int64(int64(len(b.objects)))
		case "approximateSize":
			var n int64
			for _, o := range b.objects {
				n += o.Size
			}
			out.ApproximateSize = common.Int64(n)
		}
	}
	return out
}

func (s *Server) getNamespaceMetadata(w http.ResponseWriter) *apiError {
	return writeJSON(w, http.StatusOK, objectstorage.NamespaceMetadata{
		Namespace:                 common.String(s.cfg.Namespace),
		DefaultS3CompartmentId:    common.String("ocid1.compartment.oc1..ocimove"),
		DefaultSwiftCompartmentId: common.String("ocid1.compartment.oc1..ocimove"),
	})
}

func (s *Server) handleCreateBucket(w http.ResponseWriter, r *http.Request) *apiError {
	var d objectstorage.CreateBucketDetails
	if aerr := readJSON(r, &d); aerr != nil {
		return aerr
	}
	if d.Name == nil || *d.Name == "" {
		return errf(http.StatusBadRequest, "MissingParameter", "The request body must name the bucket (name)")
	}
	if d.CompartmentId == nil || *d.CompartmentId == "" {
		return errf(http.StatusBadRequest, "MissingParameter", "The request body must give the compartmentId")
	}
	rec, aerr := s.createBucket(bucketRecord{
		Name:          *d.Name,
		CompartmentID: *d.CompartmentId,
		Metadata:      d.Metadata,
		Versioning:    string(d.Versioning),
		StorageTier:   string(d.StorageTier),
	})
	if aerr != nil {
		return aerr
	}
	s.mu.RLock()
	body := s.bucketJSON(s.buckets[rec.Name], "")
	s.mu.RUnlock()
	w.Header().Set("etag", rec.ETag)
	w.Header().Set("Location", "/n/"+s.cfg.Namespace+"/b/"+rec.Name)
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) handleListBuckets(w http.ResponseWriter, r *http.Request) *apiError {
	compartment := r.URL.Query().Get("compartmentId")
	s.mu.RLock()
	out := []objectstorage.BucketSummary{}
	for _, b := range s.buckets {
		if compartment != "" && b.rec.CompartmentID != compartment {
			continue
		}
		out = append(out, objectstorage.BucketSummary{
			Namespace:     common.String(s.cfg.Namespace),
			Name:          common.String(b.rec.Name),
			CompartmentId: common.String(b.rec.CompartmentID),
			CreatedBy:     common.String("ocid1.user.oc1..ocimove"),
			TimeCreated:   &common.SDKTime{Time: b.rec.Created},
			Etag:          common.String(b.rec.ETag),
		})
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return *out[i].Name < *out[j].Name })
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGetBucket(w http.ResponseWriter, r *http.Request, name string) *apiError {
	s.mu.RLock()
	b, ok := s.buckets[name]
	var body objectstorage.Bucket
	if ok {
		body = s.bucketJSON(b, r.URL.Query().Get("fields"))
	}
	s.mu.RUnlock()
	if !ok {
		return errBucketNotFound(s.cfg.Namespace, name)
	}
	etag := *body.Etag
	if im := r.Header.Get("if-match"); im != "" && im != etag {
		return errIfMatch(im)
	}
	if inm := r.Header.Get("if-none-match"); inm != "" && (inm == "*" || inm == etag) {
		w.Header().Set("etag", etag)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("etag", etag)
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) handleDeleteBucket(w http.ResponseWriter, r *http.Request, name string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[name]
	if !ok {
		return errBucketNotFound(s.cfg.Namespace, name)
	}
	if im := r.Header.Get("if-match"); im != "" && im != b.rec.ETag {
		return errIfMatch(im)
	}
	if len(b.objects) > 0 {
		return errf(http.StatusConflict, "BucketNotEmpty", "Bucket named '%s' is not empty. Delete all objects first.", name)
	}
	for _, u := range s.uploads {
		if u.rec.Bucket == name {
			return errf(http.StatusConflict, "BucketNotEmpty", "Bucket named '%s' has open multipart uploads. Abort them first.", name)
		}
	}
	if err := s.store.deleteRecord(kindBuckets, name); err != nil {
		return errf(http.StatusInternalServerError, "InternalServerError", "delete bucket: %v", err)
	}
	delete(s.buckets, name)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// updateBucket applies fn to a bucket's record under the lock and persists it.
func (s *Server) updateBucket(name string, fn func(rec *bucketRecord) *apiError) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[name]
	if !ok {
		return errBucketNotFound(s.cfg.Namespace, name)
	}
	rec := b.rec
	rec.Replication = append([]replicationRecord(nil), rec.Replication...)
	rec.Retention = append([]retentionRecord(nil), rec.Retention...)
	if aerr := fn(&rec); aerr != nil {
		return aerr
	}
	if err := s.saveRecord(kindBuckets, name, rec); err != nil {
		return errf(http.StatusInternalServerError, "InternalServerError", "store bucket: %v", err)
	}
	b.rec = rec
	return nil
}

// bucketRecordCopy returns a copy of a bucket's record.
func (s *Server) bucketRecordCopy(name string) (bucketRecord, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.buckets[name]
	if !ok {
		return bucketRecord{}, errBucketNotFound(s.cfg.Namespace, name)
	}
	return b.rec, nil
}
