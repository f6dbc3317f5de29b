package locals3

import (
	"bytes"
	"io"
	"maps"
	"sync"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// memBackend is gofakes3's in-memory backend (with versioning) plus the
// project's multipart store. It keeps a multipart object's composite ETag in
// hidden metadata, reports it (and the storage class) in listings, and
// evaluates write conditions against it.
type memBackend struct {
	*s3mem.Backend
	*multipartStore

	// putMu makes a conditional put's check and write one step.
	putMu sync.Mutex
}

func newMemBackend() *memBackend {
	m := &memBackend{Backend: s3mem.New()}
	m.multipartStore = newMultipartStore(m, "")
	return m
}

// PutObject implements gofakes3.Backend. The body is read in full (and
// gofakes3's Content-MD5 check runs at its end) before anything is stored,
// so a refused body leaves the previous object as it was.
func (m *memBackend) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	body, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]string{}
	}
	// Set, not deleted: s3mem carries over metadata keys the new object lacks.
	meta[hiddenETag] = ""
	return m.put(bucket, key, meta, body, cond)
}

func (m *memBackend) put(bucket, key string, meta map[string]string, body []byte, cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	m.putMu.Lock()
	defer m.putMu.Unlock()
	if cond != nil {
		exists, etag := false, ""
		obj, err := m.Backend.HeadObject(bucket, key)
		switch {
		case err == nil:
			exists, etag = true, objectETag(obj)
			_ = obj.Contents.Close()
		case !gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey):
			return gofakes3.PutObjectResult{}, err
		}
		if err := checkPutConditions(cond, exists, etag); err != nil {
			return gofakes3.PutObjectResult{}, err
		}
	}
	return m.Backend.PutObject(bucket, key, meta, bytes.NewReader(body), int64(len(body)), nil)
}

// putComposite implements compositeSink.
func (m *memBackend) putComposite(bucket, key string, meta map[string]string, body io.Reader, size int64, etag string) (gofakes3.VersionID, error) {
	data, err := gofakes3.ReadAll(body, size)
	if err != nil {
		return "", err
	}
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]string{}
	}
	meta[hiddenETag] = etag
	res, err := m.put(bucket, key, meta, data, nil)
	return res.VersionID, err
}

// CopyObject implements gofakes3.Backend. A copy is written in one piece,
// so its ETag is its content MD5 even when the source was multipart.
func (m *memBackend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]string{}
	}
	meta[hiddenETag] = ""
	return gofakes3.CopyObject(m.Backend, srcBucket, srcKey, dstBucket, dstKey, meta)
}

// ListBucket implements gofakes3.Backend: s3mem's listing with each
// object's real ETag and storage class.
func (m *memBackend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	res, err := m.Backend.ListBucket(name, prefix, page)
	if err != nil {
		return nil, err
	}
	for _, c := range res.Contents {
		obj, err := m.Backend.HeadObject(name, c.Key)
		if err != nil {
			continue // deleted since it was listed
		}
		c.ETag = `"` + objectETag(obj) + `"`
		c.StorageClass = storageClassOf(obj.Metadata)
		_ = obj.Contents.Close()
	}
	return res, nil
}
