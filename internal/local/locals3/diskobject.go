package locals3

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/johannesboyne/gofakes3"
)

// storedAmzHeaders are the x-amz-* request headers kept as object metadata
// besides user metadata and hidden headers; other request headers
// (signatures, dates, tokens) are not written to disk.
var storedAmzHeaders = map[string]bool{
	storageClassHeader: true, "X-Amz-Website-Redirect-Location": true,
	"X-Amz-Server-Side-Encryption": true, "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": true,
}

// storedMetadata returns the part of gofakes3's metadata map an object
// keeps. Last-Modified and the hidden ETag live in their own sidecar fields.
func storedMetadata(meta map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range meta {
		switch {
		case k == hiddenETag:
		case k == "Content-Type", k == "Content-Encoding", k == "Content-Disposition",
			strings.HasPrefix(k, "X-Amz-Meta-"), strings.HasPrefix(k, hiddenPrefix), storedAmzHeaders[k]:
			out[k] = v
		}
	}
	return out
}

// blobReader is a ranged view of an open blob that closes the file.
type blobReader struct {
	*io.SectionReader
	f *os.File
}

func (r *blobReader) Close() error { return r.f.Close() }

type emptyReadCloser struct{}

func (emptyReadCloser) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyReadCloser) Close() error             { return nil }

// HeadObject implements gofakes3.Backend.
func (d *diskBackend) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	return d.object(bucket, key, nil, false)
}

// GetObject implements gofakes3.Backend. The body streams from the blob
// file; a range is served by seeking, never by loading the object.
func (d *diskBackend) GetObject(bucket, key string, rr *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return d.object(bucket, key, rr, true)
}

func (d *diskBackend) object(bucketName, key string, rr *gofakes3.ObjectRangeRequest, withBody bool) (*gofakes3.Object, error) {
	b, err := d.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	// The read lock keeps the sidecar and blob of the entry in place until
	// the blob is open; a later overwrite does not touch the open file.
	b.mu.RLock()
	defer b.mu.RUnlock()
	e, ok := b.objects.Get(key)
	if !ok {
		return nil, gofakes3.KeyNotFound(key)
	}
	raw, err := os.ReadFile(b.sidecarPath(key))
	if err != nil {
		return nil, fmt.Errorf("locals3: read metadata of %q: %w", key, err)
	}
	var sc sidecar
	if err := json.Unmarshal(raw, &sc); err != nil {
		return nil, fmt.Errorf("locals3: parse metadata of %q: %w", key, err)
	}
	meta := sc.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	meta["Last-Modified"] = e.modified.UTC().Format(http.TimeFormat)
	if e.etag != "" {
		meta[hiddenETag] = e.etag
	}
	obj := &gofakes3.Object{Name: key, Metadata: meta, Size: e.size, Hash: e.md5, Contents: emptyReadCloser{}}
	if !withBody {
		return obj, nil
	}
	rnge, err := rr.Range(e.size)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(b.blobPath(e.blob))
	if err != nil {
		return nil, fmt.Errorf("locals3: open body of %q: %w", key, err)
	}
	start, length := int64(0), e.size
	if rnge != nil {
		start, length = rnge.Start, rnge.Length
	}
	obj.Range = rnge
	obj.Contents = &blobReader{SectionReader: io.NewSectionReader(f, start, length), f: f}
	return obj, nil
}

// PutObject implements gofakes3.Backend. The body goes to a temporary file;
// it becomes the object only when it was read to its end without error
// (gofakes3 and the checksum middleware fail the read there on a digest
// mismatch), has the announced size, and the conditions hold.
func (d *diskBackend) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	if err := validKey(key); err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	if _, err := d.bucket(bucket); err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	tmp, sum, n, err := d.spool(input)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	if size >= 0 && n != size {
		_ = os.Remove(tmp)
		return gofakes3.PutObjectResult{}, gofakes3.ErrIncompleteBody
	}
	_, err = d.commit(bucket, key, meta, tmp, n, sum, "", cond)
	return gofakes3.PutObjectResult{}, err
}

// putComposite implements compositeSink: the parts stream into a temporary
// file and become the object with the composite ETag.
func (d *diskBackend) putComposite(bucket, key string, meta map[string]string, body io.Reader, size int64, etag string) (gofakes3.VersionID, error) {
	if err := validKey(key); err != nil {
		return "", err
	}
	tmp, sum, n, err := d.spool(body)
	if err != nil {
		return "", err
	}
	if n != size {
		_ = os.Remove(tmp)
		return "", gofakes3.ErrIncompleteBody
	}
	_, err = d.commit(bucket, key, meta, tmp, n, sum, etag, nil)
	return "", err
}

// CopyObject implements gofakes3.Backend. The copy is a new single-part
// object: its ETag is its content MD5.
func (d *diskBackend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	if err := validKey(dstKey); err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	if _, err := d.bucket(dstBucket); err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	src, err := d.GetObject(srcBucket, srcKey, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	tmp, sum, n, err := d.spool(src.Contents)
	_ = src.Contents.Close()
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	modified, err := d.commit(dstBucket, dstKey, meta, tmp, n, sum, "", nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{ETag: gofakes3.FormatETag(sum), LastModified: gofakes3.NewContentTime(modified)}, nil
}

// spool copies r into a new temporary file, hashing it. The file is removed
// when the copy fails.
func (d *diskBackend) spool(r io.Reader) (path string, sum []byte, n int64, err error) {
	f, err := d.createTemp("body-*")
	if err != nil {
		return "", nil, 0, err
	}
	h := md5.New()
	n, err = io.CopyBuffer(io.MultiWriter(f, h), r, make([]byte, 256<<10))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("locals3: write body: %w", cerr)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", nil, 0, err
	}
	return f.Name(), h.Sum(nil), n, nil
}

// commit makes the temporary body file tmp the object bucket/key: it checks
// cond against the current object, renames the body into the bucket's
// blobs, renames a new sidecar over the old one (the commit point), updates
// the index and removes the previous body. On any failure tmp is removed
// and the previous object stays. etag is the composite ETag of a multipart
// object, "" for a single-part one.
func (d *diskBackend) commit(bucketName, key string, meta map[string]string, tmp string, size int64, sum []byte, etag string, cond *gofakes3.PutConditions) (time.Time, error) {
	keepTmp := false
	defer func() {
		if !keepTmp {
			_ = os.Remove(tmp)
		}
	}()
	b, err := d.bucket(bucketName)
	if err != nil {
		return time.Time{}, err
	}
	sc := sidecar{
		Key: key, Blob: newBlobID(), Size: size, MD5: hex.EncodeToString(sum), ETag: etag,
		LastModified: time.Now().UTC().Truncate(time.Second), Metadata: storedMetadata(meta),
	}
	e, err := sc.entry()
	if err != nil {
		return time.Time{}, fmt.Errorf("locals3: %w", err)
	}
	raw, err := json.Marshal(&sc)
	if err != nil {
		return time.Time{}, fmt.Errorf("locals3: encode metadata of %q: %w", key, err)
	}
	metaTmp, err := d.writeTemp(raw)
	if err != nil {
		return time.Time{}, err
	}
	metaPlaced := false
	defer func() {
		if !metaPlaced {
			_ = os.Remove(metaTmp)
		}
	}()

	b.mu.Lock()
	if b.deleted {
		b.mu.Unlock()
		return time.Time{}, gofakes3.BucketNotFound(bucketName)
	}
	old, exists := b.objects.Get(key)
	current := ""
	if exists {
		current = old.etagOrMD5()
	}
	if err := checkPutConditions(cond, exists, current); err != nil {
		b.mu.Unlock()
		return time.Time{}, err
	}
	blob := b.blobPath(sc.Blob)
	if err := os.Rename(tmp, blob); err != nil {
		b.mu.Unlock()
		return time.Time{}, fmt.Errorf("locals3: store body of %q: %w", key, err)
	}
	keepTmp = true
	if err := os.Rename(metaTmp, b.sidecarPath(key)); err != nil {
		b.mu.Unlock()
		_ = os.Remove(blob)
		return time.Time{}, fmt.Errorf("locals3: store metadata of %q: %w", key, err)
	}
	metaPlaced = true
	b.objects.Set(key, e)
	b.mu.Unlock()
	if exists {
		_ = os.Remove(b.blobPath(old.blob))
	}
	return sc.LastModified, nil
}

// DeleteObject implements gofakes3.Backend; a missing key is not an error.
func (d *diskBackend) DeleteObject(bucketName, key string) (gofakes3.ObjectDeleteResult, error) {
	b, err := d.bucket(bucketName)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	b.mu.Lock()
	e, ok := b.objects.Get(key)
	if ok {
		if err := os.Remove(b.sidecarPath(key)); err != nil && !isNotExist(err) {
			b.mu.Unlock()
			return gofakes3.ObjectDeleteResult{}, fmt.Errorf("locals3: delete %q: %w", key, err)
		}
		b.objects.Delete(key)
	}
	b.mu.Unlock()
	if ok {
		_ = os.Remove(b.blobPath(e.blob))
	}
	return gofakes3.ObjectDeleteResult{}, nil
}

// DeleteMulti implements gofakes3.Backend.
func (d *diskBackend) DeleteMulti(bucketName string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	var res gofakes3.MultiDeleteResult
	if _, err := d.bucket(bucketName); err != nil {
		return res, err
	}
	for _, k := range keys {
		if _, err := d.DeleteObject(bucketName, k); err != nil {
			er := gofakes3.ErrorResultFromError(err)
			er.Key = k
			res.Error = append(res.Error, er)
			continue
		}
		res.Deleted = append(res.Deleted, gofakes3.ObjectID{Key: k})
	}
	return res, nil
}

// validKey refuses keys the sidecar cannot hold byte for byte; S3 keys are
// UTF-8 too.
func validKey(key string) error {
	if !utf8.ValidString(key) {
		return gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "Object keys must be valid UTF-8.")
	}
	return nil
}
