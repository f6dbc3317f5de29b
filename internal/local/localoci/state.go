package localoci

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"
)

// bucketRecord is a bucket as stored.
type bucketRecord struct {
	Name          string              `json:"name"`
	CompartmentID string              `json:"compartmentId"`
	Created       time.Time           `json:"created"`
	ETag          string              `json:"etag"`
	ID            string              `json:"id"`
	Versioning    string              `json:"versioning"`
	StorageTier   string              `json:"storageTier"`
	Metadata      map[string]string   `json:"metadata,omitempty"`
	Replication   []replicationRecord `json:"replication,omitempty"`
	Retention     []retentionRecord   `json:"retention,omitempty"`
}

type replicationRecord struct {
	ID                string    `json:"id"`
	Name              string    `json:"name"`
	DestinationRegion string    `json:"destinationRegion"`
	DestinationBucket string    `json:"destinationBucket"`
	Created           time.Time `json:"created"`
}

type retentionRecord struct {
	ID          string     `json:"id"`
	DisplayName string     `json:"displayName"`
	ETag        string     `json:"etag"`
	Created     time.Time  `json:"created"`
	Modified    time.Time  `json:"modified"`
	TimeAmount  *int64     `json:"timeAmount,omitempty"`
	TimeUnit    string     `json:"timeUnit,omitempty"`
	Locked      *time.Time `json:"locked,omitempty"`
}

// objectRecord is an object as stored: where its bytes are and what the
// service reports about it.
type objectRecord struct {
	Bucket             string            `json:"bucket"`
	Name               string            `json:"name"`
	Blob               string            `json:"blob"`
	Size               int64             `json:"size"`
	ETag               string            `json:"etag"`
	MD5                string            `json:"md5,omitempty"`          // base64 MD5 of the content (single-part)
	MultipartMD5       string            `json:"multipartMd5,omitempty"` // base64 MD5 of part MD5s + "-N"
	SHA256             string            `json:"sha256,omitempty"`       // base64, when the client sent opc-content-sha256
	CRC32C             string            `json:"crc32c,omitempty"`       // base64, when the client sent opc-content-crc32c
	Created            time.Time         `json:"created"`
	Modified           time.Time         `json:"modified"`
	ContentType        string            `json:"contentType,omitempty"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	ContentLanguage    string            `json:"contentLanguage,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	StorageTier        string            `json:"storageTier,omitempty"`
	Meta               map[string]string `json:"meta,omitempty"`
}

// uploadRecord is an open multipart upload.
type uploadRecord struct {
	ID                 string            `json:"id"`
	Bucket             string            `json:"bucket"`
	Object             string            `json:"object"`
	Created            time.Time         `json:"created"`
	ContentType        string            `json:"contentType,omitempty"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	ContentLanguage    string            `json:"contentLanguage,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	StorageTier        string            `json:"storageTier,omitempty"`
	Meta               map[string]string `json:"meta,omitempty"`
}

// partRecord is one uploaded part of an open upload.
type partRecord struct {
	UploadID string    `json:"uploadId"`
	Num      int       `json:"num"`
	Blob     string    `json:"blob"`
	ETag     string    `json:"etag"`
	MD5      string    `json:"md5"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
}

func objectKey(bucket, name string) string  { return bucket + "\x00" + name }
func partKey(uploadID string, n int) string { return fmt.Sprintf("%s/%d", uploadID, n) }

// bucketState is a bucket and the index of its objects.
type bucketState struct {
	rec     bucketRecord
	objects map[string]*objectRecord
	names   []string // sorted byte-wise
}

func (b *bucketState) insertName(name string) {
	i := sort.SearchStrings(b.names, name)
	if i < len(b.names) && b.names[i] == name {
		return
	}
	b.names = append(b.names, "")
	copy(b.names[i+1:], b.names[i:])
	b.names[i] = name
}

func (b *bucketState) removeName(name string) {
	i := sort.SearchStrings(b.names, name)
	if i < len(b.names) && b.names[i] == name {
		b.names = append(b.names[:i], b.names[i+1:]...)
	}
}

// uploadState is an open upload and its parts.
type uploadState struct {
	rec   uploadRecord
	parts map[int]*partRecord
}

// keyLocks serialises writers of one key, so that a conditional write's
// check and publish are atomic, without holding a lock across unrelated keys.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyLocks) lock(key string) func() {
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
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// load rebuilds the in-memory index from the backend's records.
func (s *Server) load() error {
	var recs [][]byte
	var err error
	if recs, err = s.store.records(kindBuckets); err != nil {
		return err
	}
	for _, data := range recs {
		var b bucketRecord
		if err := json.Unmarshal(data, &b); err != nil {
			return fmt.Errorf("localoci: bad bucket record: %w", err)
		}
		s.buckets[b.Name] = &bucketState{rec: b, objects: map[string]*objectRecord{}}
	}
	if recs, err = s.store.records(kindObjects); err != nil {
		return err
	}
	for _, data := range recs {
		o := new(objectRecord)
		if err := json.Unmarshal(data, o); err != nil {
			return fmt.Errorf("localoci: bad object record: %w", err)
		}
		if b := s.buckets[o.Bucket]; b != nil {
			b.objects[o.Name] = o
			b.names = append(b.names, o.Name)
		}
	}
	for _, b := range s.buckets {
		sort.Strings(b.names)
	}
	if recs, err = s.store.records(kindUploads); err != nil {
		return err
	}
	for _, data := range recs {
		var u uploadRecord
		if err := json.Unmarshal(data, &u); err != nil {
			return fmt.Errorf("localoci: bad upload record: %w", err)
		}
		s.uploads[u.ID] = &uploadState{rec: u, parts: map[int]*partRecord{}}
	}
	if recs, err = s.store.records(kindParts); err != nil {
		return err
	}
	for _, data := range recs {
		p := new(partRecord)
		if err := json.Unmarshal(data, p); err != nil {
			return fmt.Errorf("localoci: bad part record: %w", err)
		}
		if u := s.uploads[p.UploadID]; u != nil {
			u.parts[p.Num] = p
		}
	}
	return s.collectGarbage()
}

// collectGarbage removes stored blobs that no object or part refers to.
func (s *Server) collectGarbage() error {
	lister, ok := s.store.(interface{ blobIDs() ([]string, error) })
	if !ok {
		return nil
	}
	ids, err := lister.blobIDs()
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, b := range s.buckets {
		for _, o := range b.objects {
			used[o.Blob] = true
		}
	}
	for _, u := range s.uploads {
		for _, p := range u.parts {
			used[p.Blob] = true
		}
	}
	for _, id := range ids {
		if !used[id] {
			if err := s.store.removeBlob(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// saveRecord marshals v and stores it as the record key of kind.
func (s *Server) saveRecord(kind, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("localoci: encode %s record: %w", kind, err)
	}
	return s.store.putRecord(kind, key, data)
}
