// Package engine copies objects between two stores: streaming, hashing
// while it streams (MD5, SHA-256, CRC32C, and whichever checksum the source
// carries: CRC32, CRC64NVME, SHA1, or a composite one checked part by part
// at the source's part boundaries), checking the source read against it,
// writing with Content-MD5 and conditional headers, resuming multipart
// uploads by part, and verifying what arrived. It never overwrites a
// destination object its migration did not write unless told to, and
// records a skip only with a SHA-256 it can stand behind. Every object of
// a batch ends in exactly one Outcome; one object's failure never fails the
// batch.
package engine

import (
	"time"

	"github.com/ocimove/ocimove/internal/store"
)

// Outcome is the final state of one source object: every listed object
// ends in exactly one, and none of them claims a copy that is not whole.
type Outcome string

// Outcomes.
const (
	// Copied: copied and verified (source read checked where possible, the
	// write checked by the destination against our MD5).
	Copied Outcome = "copied"
	// Skipped: already at the destination, identical.
	Skipped Outcome = "skipped"
	// Excluded: excluded by a plan filter.
	Excluded Outcome = "excluded"
	// SourceGone: deleted at the source between listing and reading.
	SourceGone Outcome = "source-gone"
	// UnsupportedName: a key the destination cannot store (LF, CR, NUL).
	UnsupportedName Outcome = "unsupported-name"
	// Archived: in a cold tier; it must be restored before it can be read.
	Archived Outcome = "archived"
	// Failed: not copied; Error says why and ErrorClass whether a retry may help.
	Failed Outcome = "failed"
)

// Done reports whether the outcome is final for a batch: every outcome but
// a retryable failure.
func (r Result) Done() bool {
	return r.Outcome != Failed || r.ErrorClass != store.Retryable
}

// How the source read was checked.
const (
	SourceCheckETagMD5  = "etag-md5"  // streamed MD5 == the source's MD5 (S3 single-part ETag, OCI opc-content-md5)
	SourceCheckChecksum = "checksum-" // prefix: + lower-case algorithm of a whole-content checksum computed while streaming, e.g. "checksum-crc64nvme"
	// SourceCheckCompositeSuffix follows SourceCheckChecksum and the
	// algorithm when a composite checksum was checked part by part, at the
	// source's part boundaries: e.g. "checksum-crc32c-composite".
	SourceCheckCompositeSuffix = "-composite"
	SourceCheckNone            = "none"          // the source vouches for no checksum the copy can compute
	SourceCheckProvenance      = "provenance"    // skipped: destination provenance records this source ETag and size, written by this migration
	DestCheckContentMD5        = "content-md5"   // destination checked the body against our Content-MD5
	DestCheckMultipart         = "multipart-md5" // every part checked by Content-MD5, and the commit's composite MD5 matched
	// DestCheckRehash: skipped, and the destination object was re-read and
	// hashed at skip time, because its provenance records no SHA-256 (a
	// multipart upload fixes its metadata before any hash exists).
	DestCheckRehash = "rehash"
	VerifyQuick     = "quick" // size and recorded checksums
	VerifyFull      = "full"  // destination re-read and hashed
)

// Result is the record of one object, as it goes into the batch manifest.
type Result struct {
	Key           string        `json:"key"`
	Size          int64         `json:"size"`
	SourceETag    string        `json:"sourceETag,omitempty"`
	SourceVersion string        `json:"sourceVersion,omitempty"`
	SourceMTime   time.Time     `json:"sourceMTime,omitzero"`
	MD5           string        `json:"md5,omitempty"`    // hex
	SHA256        string        `json:"sha256,omitempty"` // hex
	CRC32C        uint32        `json:"crc32c,omitempty"`
	SourceCheck   string        `json:"sourceCheck,omitempty"`
	DestCheck     string        `json:"destCheck,omitempty"`
	DestETag      string        `json:"destETag,omitempty"`
	Parts         int           `json:"parts,omitempty"`
	Outcome       Outcome       `json:"outcome"`
	ErrorClass    store.Class   `json:"errorClass,omitempty"`
	Error         string        `json:"error,omitempty"`
	BytesSent     int64         `json:"bytesSent,omitempty"` // bytes written to the destination, re-sends included
	Duration      time.Duration `json:"durationNs,omitempty"`
}
