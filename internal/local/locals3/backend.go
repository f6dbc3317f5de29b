package locals3

import (
	"encoding/hex"
	"io"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// hiddenETag carries an object's ETag when it is not the hex MD5 of its
// content (a multipart object's "<md5 of part md5s>-N"). gofakes3 formats
// the ETag of HEAD and GET from Object.Hash, so the backends report the real
// ETag under this metadata key and the middleware puts it in the response.
const hiddenETag = hiddenPrefix + "Etag"

// storageClassHeader is the metadata key holding an object's storage class.
const storageClassHeader = "X-Amz-Storage-Class"

// compositeSink stores a completed multipart upload: the body streamed from
// its parts, under the composite ETag etag (unquoted).
type compositeSink interface {
	putComposite(bucket, key string, meta map[string]string, body io.Reader, size int64, etag string) (gofakes3.VersionID, error)
}

// newBackend returns the storage for a Server: memory when dir is empty,
// else files under dir (see diskBackend).
func newBackend(dir string) (gofakes3.Backend, error) {
	if dir == "" {
		return newMemBackend(), nil
	}
	return openDiskBackend(dir)
}

// objectETag returns obj's ETag, unquoted: the stored composite ETag of a
// multipart object, else the hex MD5 of its content.
func objectETag(obj *gofakes3.Object) string {
	if e := obj.Metadata[hiddenETag]; e != "" {
		return e
	}
	return hex.EncodeToString(obj.Hash)
}

// storageClassOf returns the storage class recorded in meta, STANDARD when
// none is.
func storageClassOf(meta map[string]string) gofakes3.StorageClass {
	if c := meta[storageClassHeader]; c != "" {
		return gofakes3.StorageClass(c)
	}
	return gofakes3.StorageStandard
}

// checkPutConditions applies If-None-Match: * and If-Match to a write,
// comparing against the current object's ETag (unquoted; "" when the object
// does not exist). gofakes3's own check compares with the content MD5,
// which is wrong for multipart objects.
func checkPutConditions(c *gofakes3.PutConditions, exists bool, etag string) error {
	if c == nil {
		return nil
	}
	if c.IfNoneMatch != nil && strings.TrimSpace(*c.IfNoneMatch) == "*" && exists {
		return gofakes3.ErrorMessage(gofakes3.ErrPreconditionFailed, "The object already exists")
	}
	if c.IfMatch != nil {
		if !exists {
			return gofakes3.ErrorMessage(gofakes3.ErrPreconditionFailed, "The object does not exist")
		}
		if !etagMatches(*c.IfMatch, etag) {
			return gofakes3.ErrorMessage(gofakes3.ErrPreconditionFailed, "The ETag does not match")
		}
	}
	return nil
}

// etagMatches reports whether an If-Match / If-None-Match header value
// ("*" or a comma-separated list of quoted ETags) names etag (unquoted).
func etagMatches(header, etag string) bool {
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for _, e := range strings.Split(header, ",") {
		e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
		if strings.Trim(e, `"`) == etag {
			return true
		}
	}
	return false
}

// matchPrefix reports whether key is selected by p and, when p has a
// delimiter that occurs in key after the prefix, the common prefix that key
// rolls up into (S3's rule; gofakes3's Prefix.Match trims leading
// delimiters and gets keys like "/a" wrong).
func matchPrefix(p *gofakes3.Prefix, key string) (ok bool, common string) {
	if p == nil {
		return true, ""
	}
	prefix := ""
	if p.HasPrefix {
		prefix = p.Prefix
	}
	if !strings.HasPrefix(key, prefix) {
		return false, ""
	}
	if p.HasDelimiter && p.Delimiter != "" {
		if i := strings.Index(key[len(prefix):], p.Delimiter); i >= 0 {
			return true, key[:len(prefix)+i+len(p.Delimiter)]
		}
	}
	return true, ""
}
