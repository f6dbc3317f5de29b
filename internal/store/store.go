// Package store defines the small object-store interface that every backend
// (S3, OCI Object Storage, a local directory) implements, the value types
// they share, and the registry of store kinds through which plans name
// them (Register, Settings).
//
// The interface follows rclone's fs.Fs: a small required surface, plus
// optional capabilities expressed as one-method interfaces that callers
// discover with a type assertion.
//
// ETags are only comparable within one store. An OCI ETag is opaque, and an
// S3 ETag is an MD5 only for single-part, non-KMS objects; content identity
// across stores is always established by MD5/SHA-256 computed while streaming.
package store

import (
	"context"
	"io"
	"time"
)

// Store is one bucket (S3) or bucket-in-namespace (OCI) seen through the real
// cloud SDK. All methods are safe for concurrent use.
type Store interface {
	// String names the store for logs and errors, e.g. "s3://bucket" or
	// "oci://namespace/bucket".
	String() string

	// List returns one page of objects whose keys start with opts.Prefix and
	// sort strictly after opts.StartAfter, in lexicographic (byte) order.
	List(ctx context.Context, opts ListOptions) (ListPage, error)

	// Head returns the object's attributes and metadata.
	Head(ctx context.Context, key string) (ObjectInfo, error)

	// Get opens the object (or a range of it) for reading. The returned
	// ObjectInfo describes the whole object, not the range.
	Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, ObjectInfo, error)

	// Put writes the whole object in one request. body must be seekable so
	// that the SDK can retry it. A failed Put leaves no object behind.
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts PutOptions) (ObjectInfo, error)

	// Delete removes the object. Deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error

	Multipart
}

// Multipart is the multipart-upload part of a Store.
type Multipart interface {
	// MultipartLimits reports the store's part-size and part-count limits.
	MultipartLimits() MultipartLimits

	// CreateMultipart starts an upload and returns its id. opts.ContentMD5
	// is ignored; metadata and storage tier apply to the final object.
	CreateMultipart(ctx context.Context, key string, opts PutOptions) (uploadID string, err error)

	// UploadPart uploads part number n (1-based). md5 is the part's MD5,
	// sent as Content-MD5 so the store rejects a corrupted part.
	UploadPart(ctx context.Context, key, uploadID string, n int, body io.ReadSeeker, size int64, md5 []byte) (Part, error)

	// ListParts lists the parts the store holds for an open upload, in
	// part-number order.
	ListParts(ctx context.Context, key, uploadID string) ([]Part, error)

	// CompleteMultipart commits the parts. Each Part must carry its MD5; the
	// store checks the service's multipart checksum against the value
	// computed from them and returns ErrChecksumMismatch if they differ.
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) (ObjectInfo, error)

	// AbortMultipart discards an open upload and its parts. Aborting an
	// unknown upload is not an error.
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// Regioner is implemented by stores that know the region they write to. The
// region is derived from the endpoint actually used, not from a label, so
// that residency can be checked where a write happens.
type Regioner interface {
	Region() string
}

// ListOptions selects a page of a listing.
type ListOptions struct {
	Prefix     string
	StartAfter string // exclusive
	Limit      int    // 0 means the store's default page size (1,000)
}

// ListPage is one page of a listing.
type ListPage struct {
	Objects []ObjectInfo
	// Truncated reports whether more objects follow; the next page starts
	// after the last key of Objects.
	Truncated bool
}

// GetOptions selects what Get reads.
type GetOptions struct {
	// Range, if set, reads Length bytes from Offset (Length < 0: to the end).
	Range *Range
	// IfMatch pins the read to this ETag (of this store): a changed object
	// fails with ErrPreconditionFailed instead of returning other bytes.
	IfMatch string
	// VersionID pins the read to one version, where the store has versions.
	VersionID string
}

// Range is a byte range of an object.
type Range struct {
	Offset int64
	Length int64
}

// PutOptions controls a write.
type PutOptions struct {
	// ContentMD5 is the raw MD5 of the body; the store rejects the write
	// if the bytes it receives differ.
	ContentMD5 []byte
	// IfNoneMatch makes the write fail with ErrPreconditionFailed if the
	// key already exists.
	IfNoneMatch bool
	// IfMatch makes the write fail with ErrPreconditionFailed unless the
	// current object has this ETag.
	IfMatch string
	// Metadata is stored with the object.
	Metadata Metadata
	// StorageTier selects the destination tier or class ("" = default).
	StorageTier string
}

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string // without quotes; comparable only within one store
	LastModified time.Time
	StorageClass string
	VersionID    string
	// ContentMD5 is the MD5 of the whole content where the store vouches
	// for it: an S3 ETag of a single-part, non-KMS object, or OCI's
	// opc-content-md5. Nil when unknown.
	ContentMD5 []byte
	// Checksums are the checksums the store reports for the object: of
	// the whole content (x-amz-checksum-* with checksum type FULL_OBJECT),
	// or composite ones of a multipart object's parts (Parts > 0).
	Checksums []Checksum
	// Metadata is set by Head and Get; listings leave it empty.
	Metadata Metadata
}

// Checksum is one checksum of an object, base64-encoded as the store sends
// it.
type Checksum struct {
	Algorithm string // CRC32, CRC32C, CRC64NVME, SHA1, SHA256
	// Value is the checksum of the content, or for a composite checksum
	// the checksum of the concatenated binary checksums of the parts,
	// without S3's "-N" suffix.
	Value string
	// Parts is 0 for a checksum of the whole content; above 0 it marks a
	// composite checksum (S3's type COMPOSITE) of a multipart object with
	// that many parts.
	Parts int
}

// Composite reports whether c is a checksum of part checksums.
func (c Checksum) Composite() bool { return c.Parts > 0 }

// ObjectPart is one part of a stored multipart object, with its own
// checksums.
type ObjectPart struct {
	Number    int
	Size      int64
	Checksums []Checksum // of the part's bytes; none when the store kept none
}

// PartLister is implemented by stores that can report the parts a stored
// multipart object was uploaded in (S3's GetObjectAttributes), so that a
// reader can check a composite checksum part by part.
type PartLister interface {
	// ObjectParts returns the object's parts in order. opts.VersionID pins
	// the version; opts.IfMatch makes a changed object fail with
	// ErrPreconditionFailed. An object stored in one piece has no parts.
	ObjectParts(ctx context.Context, key string, opts GetOptions) ([]ObjectPart, error)
}

// Metadata is the HTTP and user metadata preserved across stores.
type Metadata struct {
	ContentType        string
	ContentEncoding    string
	ContentLanguage    string
	ContentDisposition string
	CacheControl       string
	// User holds user metadata without its x-amz-meta- / opc-meta- prefix,
	// with lower-case keys.
	User map[string]string
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number int
	Size   int64
	ETag   string
	MD5    []byte // raw MD5 of the part's bytes
}

// MultipartLimits are a store's limits for multipart uploads.
type MultipartLimits struct {
	MinPartSize int64 // every part but the last must be at least this big
	MaxPartSize int64
	MaxParts    int
}

// NameChecker is implemented by stores that cannot hold every key, so that
// the engine can report an unsupported name without sending a request.
type NameChecker interface {
	// CheckName returns an error wrapping ErrInvalidKey if key cannot be
	// stored.
	CheckName(key string) error
}
