package store

// Provenance metadata keys, written as user metadata on every copied object
// (x-amz-meta-* on S3, opc-meta-* on OCI). They record where the bytes came
// from and what they hash to, so that a later run can tell an identical
// object from a HEAD alone, and so that evidence can be checked against the
// stored object. Values that may hold non-ASCII text (keys) are
// URL-path-escaped.
const (
	MetaSourceBucket  = "mig-src-bucket"
	MetaSourceKey     = "mig-src-key"
	MetaSourceETag    = "mig-src-etag"
	MetaSourceVersion = "mig-src-version"
	MetaSourceMTime   = "mig-src-mtime" // RFC 3339, UTC
	MetaSourceSize    = "mig-src-size"
	MetaMD5           = "mig-md5"    // hex
	MetaSHA256        = "mig-sha256" // hex
	MetaMigrationID   = "mig-id"
)

// WrittenBy reports whether info's provenance names migrationID as the
// migration that wrote the object. An object without provenance (written
// by the application, or by another tool) was written by no migration.
func WrittenBy(info ObjectInfo, migrationID string) bool {
	return migrationID != "" && info.Metadata.User[MetaMigrationID] == migrationID
}
