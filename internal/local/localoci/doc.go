// Package localoci is the project's own OCI Object Storage endpoint: an
// net/http server that the real github.com/oracle/oci-go-sdk/v65/objectstorage
// client talks to exactly as it talks to the real service. It backs tests,
// the benchmark and the demo.
//
// It serves, under /n/{namespace}:
//
//   - GET /n (GetNamespace), GET/HEAD /n/{ns}/b/{bucket}, GET and POST /n/{ns}/b
//   - replication policies and retention rules of a bucket (list, create, get)
//   - objects: PUT (Content-MD5, opc-content-sha256/-crc32c, if-match,
//     if-none-match: *), GET (Range, if-match, if-none-match), HEAD, DELETE
//     (if-match) and ListObjects (prefix, start, startAfter, end, limit,
//     fields, delimiter, nextStartWith)
//   - multipart: create, upload-part, list-parts, commit, abort, list uploads
//
// Wire facts a client can rely on, as on the real service:
//
//   - ETags are opaque UUIDs, never an MD5.
//   - PutObject and UploadPart answer with opc-content-md5 (base64 MD5 of the
//     body). GetObject and HeadObject of a single-part object carry
//     Content-MD5 and opc-content-md5; of a committed multipart object only
//     opc-multipart-md5, which is base64(MD5(concatenated raw part MD5s)) + "-N".
//     ListObjects' md5 field carries whichever of the two applies.
//   - Errors are JSON bodies {"code": "...", "message": "..."} with the
//     service's codes: NotAuthenticated (401), BucketNotFound and
//     ObjectNotFound (404), NoSuchUpload (404), IfMatchFailed and
//     IfNoneMatchFailed (412), UnmatchedContentMD5 and InvalidContentMD5
//     (400), InvalidObjectName (400), InvalidParameter (400), NotRestored
//     (409, an Archive-tier object), TooManyRequests (429),
//     InternalServerError (500), ServiceUnavailable (503).
//   - Object names are arbitrary UTF-8 up to 1024 bytes, except that names
//     containing LF, CR or NUL are refused with 400 InvalidObjectName, as the
//     real service cannot store them.
//   - Listing returns only "name" unless the fields parameter asks for more.
//
// One addition the real service does not have: every response carries the
// header x-ocimove-region naming the region this endpoint serves
// (Config.Region). A store talking to a non-OCI hostname (127.0.0.1:port)
// reads it to learn the region its bytes land in, for residency checks.
//
// When Config.PublicKeys is set, every request must carry a valid OCI HTTP
// signature (draft-cavage, rsa-sha256) from one of those keys, with a Date
// within five minutes; WriteTestCredentials writes a matching OCI config
// file. Objects live in memory, or under Config.Dir as files written to a
// temporary name and renamed, with a JSON sidecar per record, so memory stays
// bounded whatever the object sizes. The handler is wrapped in the
// internal/local/faults middleware (see Server.Faults and faults.AdminPath).
package localoci
