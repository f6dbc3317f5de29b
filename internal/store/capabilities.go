package store

import (
	"context"
	"errors"
)

// The optional capabilities below are what activities need beyond Store
// for pre-flight, cancel and purge. Each is one method, implemented by the
// stores that can, and discovered with a type assertion on the store; a
// caller without it skips the step and says so.

// Upload is an open multipart upload.
type Upload struct {
	Key      string `json:"key"`
	UploadID string `json:"uploadId"`
}

// UploadLister is implemented by stores that can list their open
// multipart uploads, so that a cancel aborts them.
type UploadLister interface {
	// ListUploads returns the open multipart uploads of keys under prefix.
	ListUploads(ctx context.Context, prefix string) ([]Upload, error)
}

// ReplicationReporter is implemented by stores that can read the bucket's
// replication to other regions, so that pre-flight refuses a destination
// that replicates out of the allowed regions.
type ReplicationReporter interface {
	// ReplicationRegions returns the regions the bucket replicates to.
	ReplicationRegions(ctx context.Context) ([]string, error)
}

// RetentionReporter is implemented by stores that can read the bucket's
// retention rules, so that pre-flight reports the ones that would block a
// purge.
type RetentionReporter interface {
	// RetentionRules names the bucket's retention rules with a duration
	// (rules that block deletes).
	RetentionRules(ctx context.Context) ([]string, error)
}

// ObjectLocker is implemented by stores whose buckets can lock objects
// against deletion (S3 Object Lock), so that pre-flight reports a lock
// that would block a purge.
type ObjectLocker interface {
	// ObjectLockEnabled reports whether the bucket has Object Lock enabled.
	ObjectLockEnabled(ctx context.Context) (bool, error)
}

// Version is one stored version of an object, or a delete marker.
type Version struct {
	Key          string `json:"key"`
	VersionID    string `json:"versionId,omitempty"`
	DeleteMarker bool   `json:"deleteMarker,omitempty"`
}

// ErrUnversioned is returned by VersionPurger.PurgeVersions for a bucket
// that keeps no versions: a purge deletes its listed objects instead.
var ErrUnversioned = errors.New("the bucket keeps no object versions")

// VersionPurger is implemented by stores whose buckets may keep object
// versions (S3 versioning), so that a purge deletes every version and
// delete marker, not only the current objects.
type VersionPurger interface {
	// PurgeVersions deletes every version and delete marker of keys under
	// prefix, one listing page at a time, and calls record with each
	// page's deletions once they are done. If a delete fails, record is
	// first called with what the page deleted before it. It returns an
	// error wrapping ErrUnversioned, having deleted nothing, when the
	// bucket keeps no versions.
	PurgeVersions(ctx context.Context, prefix string, record func([]Version) error) error
}
