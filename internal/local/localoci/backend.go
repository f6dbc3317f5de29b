package localoci

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
)

// errNotExist is returned by a backend for a blob or record it does not hold.
var errNotExist = errors.New("localoci: not found")

// backend is where object bytes (blobs) and metadata records live. Blobs are
// immutable once committed; a writer's bytes become visible only on commit,
// so a half-written upload is never seen. Records are small JSON documents
// grouped by kind (buckets, objects, uploads, parts) and keyed by a string.
type backend interface {
	// newBlob starts a blob.
	newBlob() (blobWriter, error)
	// openBlob opens a committed blob for reading.
	openBlob(id string) (blobReader, error)
	// removeBlob deletes a blob. Readers that already opened it keep reading.
	removeBlob(id string) error

	// putRecord stores (or replaces) the record key of kind.
	putRecord(kind, key string, data []byte) error
	// deleteRecord removes a record; removing a missing record is no error.
	deleteRecord(kind, key string) error
	// records returns every record of kind, in no particular order.
	records(kind string) ([][]byte, error)
}

// blobWriter receives a blob's bytes. Exactly one of commit or abort must be
// called.
type blobWriter interface {
	io.Writer
	// commit makes the blob readable and returns its id.
	commit() (string, error)
	// abort discards the bytes written.
	abort()
}

// blobReader reads a committed blob.
type blobReader interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// Record kinds.
const (
	kindBuckets = "buckets"
	kindObjects = "objects"
	kindUploads = "uploads"
	kindParts   = "parts"
)

// newID returns a random UUID (version 4), the form of the service's ETags
// and ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
