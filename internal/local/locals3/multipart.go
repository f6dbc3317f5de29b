package locals3

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// multipartStore implements gofakes3.MultipartBackend. Unlike gofakes3's
// built-in uploader it keeps parts on disk when a directory is configured
// (so multi-hundred-MiB uploads do not live in memory), pages ListParts
// correctly, and streams the parts into the backend on completion, which
// stores the object under its composite ETag.
type multipartStore struct {
	sink compositeSink
	dir  string // "" keeps parts in memory

	mu      sync.Mutex
	nextID  uint64
	uploads map[gofakes3.UploadID]*upload
}

type upload struct {
	id        gofakes3.UploadID
	bucket    string
	key       string
	meta      map[string]string
	initiated time.Time
	// algorithm and checksumType are the upload's x-amz-checksum-algorithm
	// and x-amz-checksum-type ("" when it has none).
	algorithm, checksumType string
	parts                   map[int]*part
	mu                      sync.Mutex // serialises Complete against UploadPart
	// want is what the CompleteMultipartUpload request being served
	// asserts; the middleware sets it under mu.
	want *completeWant
}

// completeWant is what a CompleteMultipartUpload request asserts about the
// checksums: each listed part's (by part number) and the whole object's.
type completeWant struct {
	parts map[int]string
	full  string
}

type part struct {
	etag     string // quoted hex MD5
	checksum string // base64 checksum with the upload's algorithm
	size     int64
	modified time.Time
	data     []byte // memory mode
	path     string // disk mode
}

func (p *part) open() (io.ReadCloser, error) {
	if p.path == "" {
		return io.NopCloser(bytes.NewReader(p.data)), nil
	}
	return os.Open(p.path)
}

func newMultipartStore(sink compositeSink, dir string) *multipartStore {
	return &multipartStore{sink: sink, dir: dir, uploads: map[gofakes3.UploadID]*upload{}}
}

func (m *multipartStore) get(bucket, key string, id gofakes3.UploadID) (*upload, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.uploads[id]
	if !ok || u.bucket != bucket || u.key != key {
		return nil, gofakes3.ErrNoSuchUpload
	}
	return u, nil
}

// CreateMultipartUpload implements gofakes3.MultipartBackend.
func (m *multipartStore) CreateMultipartUpload(bucket, key string, meta map[string]string) (gofakes3.UploadID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	id := gofakes3.UploadID(fmt.Sprintf("%d-%x", m.nextID, time.Now().UnixNano()))
	u := &upload{id: id, bucket: bucket, key: key, meta: maps.Clone(meta), initiated: time.Now(), parts: map[int]*part{}}
	// The middleware checked these and set the type in effect.
	u.algorithm, u.checksumType = strings.ToUpper(meta["X-Amz-Checksum-Algorithm"]), meta["X-Amz-Checksum-Type"]
	delete(u.meta, "X-Amz-Checksum-Algorithm")
	delete(u.meta, "X-Amz-Checksum-Type")
	m.uploads[id] = u
	return id, nil
}

// UploadPart implements gofakes3.MultipartBackend. input reports a
// Content-MD5 mismatch as an error at EOF, so the part is only kept when the
// whole body was read without error.
func (m *multipartStore) UploadPart(bucket, key string, id gofakes3.UploadID, n int, size int64, input io.Reader) (string, error) {
	u, err := m.get(bucket, key, id)
	if err != nil {
		return "", err
	}
	h := md5.New()
	hashes := io.Writer(h)
	var sum hash.Hash
	if u.algorithm != "" {
		sum = newChecksumHash(u.algorithm)
		hashes = io.MultiWriter(h, sum)
	}
	p := &part{modified: time.Now()}
	if m.dir == "" {
		var buf bytes.Buffer
		if size > 0 {
			buf.Grow(int(size))
		}
		if _, err := io.Copy(io.MultiWriter(&buf, hashes), input); err != nil {
			return "", err
		}
		p.data, p.size = buf.Bytes(), int64(buf.Len())
	} else {
		f, err := os.CreateTemp(m.dir, "part-*")
		if err != nil {
			return "", err
		}
		written, err := io.Copy(io.MultiWriter(f, hashes), input)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
			return "", err
		}
		p.path, p.size = f.Name(), written
	}
	if size >= 0 && p.size != size {
		p.remove()
		return "", gofakes3.ErrIncompleteBody
	}
	p.etag = `"` + hex.EncodeToString(h.Sum(nil)) + `"`
	if sum != nil {
		p.checksum = base64.StdEncoding.EncodeToString(sum.Sum(nil))
	}
	u.mu.Lock()
	old := u.parts[n]
	u.parts[n] = p
	u.mu.Unlock()
	if old != nil {
		old.remove()
	}
	return p.etag, nil
}

func (p *part) remove() {
	if p.path != "" {
		_ = os.Remove(p.path)
	}
}

// ListMultipartUploads implements gofakes3.MultipartBackend.
func (m *multipartStore) ListMultipartUploads(bucket string, marker *gofakes3.UploadListMarker, prefix gofakes3.Prefix, limit int64) (*gofakes3.ListMultipartUploadsResult, error) {
	m.mu.Lock()
	var ups []*upload
	for _, u := range m.uploads {
		if u.bucket == bucket && prefix.Match(u.key, nil) {
			ups = append(ups, u)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(ups, func(a, b *upload) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.initiated.Compare(b.initiated)
	})
	res := &gofakes3.ListMultipartUploadsResult{Bucket: bucket, Prefix: prefix.Prefix, Delimiter: prefix.Delimiter, MaxUploads: limit}
	if marker != nil {
		res.KeyMarker, res.UploadIDMarker = marker.Object, marker.UploadID
	}
	for _, u := range ups {
		if marker != nil && marker.Object != "" && (u.key < marker.Object || (u.key == marker.Object && (marker.UploadID == "" || u.id <= marker.UploadID))) {
			continue
		}
		if limit > 0 && int64(len(res.Uploads)) >= limit {
			res.IsTruncated = true
			break
		}
		res.Uploads = append(res.Uploads, gofakes3.ListMultipartUploadItem{
			Key: u.key, UploadID: u.id, StorageClass: "STANDARD", Initiated: gofakes3.NewContentTime(u.initiated),
		})
		res.NextKeyMarker, res.NextUploadIDMarker = u.key, u.id
	}
	return res, nil
}

// ListParts implements gofakes3.MultipartBackend: parts after marker, in
// part-number order, at most limit of them.
func (m *multipartStore) ListParts(bucket, key string, id gofakes3.UploadID, marker int, limit int64) (*gofakes3.ListMultipartUploadPartsResult, error) {
	u, err := m.get(bucket, key, id)
	if err != nil {
		return nil, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	nums := slices.Sorted(maps.Keys(u.parts))
	res := &gofakes3.ListMultipartUploadPartsResult{
		Bucket: bucket, Key: key, UploadID: id, StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: limit,
	}
	for _, n := range nums {
		if n <= marker {
			continue
		}
		if limit > 0 && int64(len(res.Parts)) >= limit {
			res.IsTruncated = true
			break
		}
		p := u.parts[n]
		res.Parts = append(res.Parts, gofakes3.ListMultipartUploadPartItem{
			PartNumber: n, ETag: p.etag, Size: p.size, LastModified: gofakes3.NewContentTime(p.modified),
		})
		res.NextPartNumberMarker = n
	}
	return res, nil
}

// AbortMultipartUpload implements gofakes3.MultipartBackend.
func (m *multipartStore) AbortMultipartUpload(bucket, key string, id gofakes3.UploadID) error {
	u, err := m.get(bucket, key, id)
	if err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.uploads, id)
	m.mu.Unlock()
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, p := range u.parts {
		p.remove()
	}
	return nil
}

// CompleteMultipartUpload implements gofakes3.MultipartBackend. The ETag is
// S3's composite form: hex(MD5(concatenated part MD5s)) + "-" + part count.
// An upload created with a checksum algorithm gets the object's checksum
// of its type: COMPOSITE (of the parts' checksums) or FULL_OBJECT (of the
// content), checked against what the request asserts; the parts' sizes and
// checksums are kept for GetObjectAttributes.
func (m *multipartStore) CompleteMultipartUpload(bucket, key string, id gofakes3.UploadID, in *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	u, err := m.get(bucket, key, id)
	if err != nil {
		return "", "", err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	want := u.want
	u.want = nil
	if len(in.Parts) == 0 {
		return "", "", gofakes3.ErrorMessage(gofakes3.ErrMalformedXML, "You must specify at least one part")
	}
	var (
		size    int64
		readers []io.Reader
		closers []io.Closer
		stored  []storedPart
		used    []*part
		sum     = md5.New()
		prev    = 0
	)
	defer func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}()
	for i, ip := range in.Parts {
		if ip.PartNumber <= prev {
			return "", "", gofakes3.ErrInvalidPartOrder
		}
		prev = ip.PartNumber
		p, ok := u.parts[ip.PartNumber]
		if !ok || strings.Trim(ip.ETag, `"`) != strings.Trim(p.etag, `"`) {
			return "", "", gofakes3.ErrorMessagef(gofakes3.ErrInvalidPart, "part %d was not uploaded or its ETag differs", ip.PartNumber)
		}
		if i < len(in.Parts)-1 && p.size < minPartSize {
			return "", "", gofakes3.ErrorMessagef(gofakes3.ErrInvalidPart, "EntityTooSmall: part %d is %d bytes; every part but the last must be at least %d", ip.PartNumber, p.size, minPartSize)
		}
		if err := u.checkPartChecksum(ip.PartNumber, p, want); err != nil {
			return "", "", err
		}
		stored = append(stored, storedPart{size: p.size, checksum: p.checksum})
		used = append(used, p)
		raw, _ := hex.DecodeString(strings.Trim(p.etag, `"`))
		sum.Write(raw)
		rc, err := p.open()
		if err != nil {
			return "", "", err
		}
		closers = append(closers, rc)
		readers = append(readers, rc)
		size += p.size
	}
	etag := hex.EncodeToString(sum.Sum(nil)) + "-" + strconv.Itoa(len(in.Parts))
	meta := maps.Clone(u.meta)
	if meta == nil {
		meta = map[string]string{}
	}
	meta["Last-Modified"] = time.Now().UTC().Format(http.TimeFormat)
	meta[hiddenParts] = encodeParts(stored)
	if u.algorithm != "" {
		value, err := u.objectChecksum(used, stored, want)
		if err != nil {
			return "", "", err
		}
		meta[hiddenChecksums] = u.algorithm + "=" + value
		meta[hiddenChecksumType] = ""
		if u.checksumType == checksumComposite {
			meta[hiddenChecksumType] = checksumComposite
		}
	}
	version, err := m.sink.putComposite(bucket, key, meta, io.MultiReader(readers...), size, etag)
	if err != nil {
		return "", "", err
	}
	m.mu.Lock()
	delete(m.uploads, id)
	m.mu.Unlock()
	for _, p := range u.parts {
		p.remove()
	}
	return version, `"` + etag + `"`, nil
}

// minPartSize is S3's minimum size of every part but the last.
var minPartSize int64 = 5 << 20
