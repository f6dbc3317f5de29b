package localoci

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxNameBytes is the service's limit on object names.
const maxNameBytes = 1024

// validateName refuses names the service cannot store.
func validateName(name string) *apiError {
	switch {
	case name == "":
		return errf(http.StatusBadRequest, "InvalidObjectName", "The object name must not be empty")
	case len(name) > maxNameBytes:
		return errf(http.StatusBadRequest, "InvalidObjectName", "The object name is %d bytes long; the limit is %d", len(name), maxNameBytes)
	case !utf8.ValidString(name):
		return errf(http.StatusBadRequest, "InvalidObjectName", "The object name is not valid UTF-8")
	case strings.ContainsAny(name, "\n\r\x00"):
		return errf(http.StatusBadRequest, "InvalidObjectName", "The object name contains a line feed, carriage return or NUL character, which Object Storage cannot store")
	}
	return nil
}

// ingested is a request body written to a committed blob.
type ingested struct {
	blob   string
	size   int64
	md5    string // base64
	sha256 string // base64, when asked for
	crc32c string // base64, when asked for
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ingest streams the request body into a new blob, hashing it, and checks the
// body against the Content-MD5, opc-content-sha256 and opc-content-crc32c
// headers. On any error nothing is kept.
func (s *Server) ingest(r *http.Request) (ingested, *apiError) {
	if r.ContentLength < 0 {
		return ingested{}, errf(http.StatusLengthRequired, "ContentLengthRequired", "The Content-Length header is required")
	}
	wantMD5, aerr := decodeDigest(r.Header.Get("Content-MD5"), md5.Size, "Content-MD5", "InvalidContentMD5")
	if aerr != nil {
		return ingested{}, aerr
	}
	wantSHA, aerr := decodeDigest(r.Header.Get("opc-content-sha256"), sha256.Size, "opc-content-sha256", "InvalidParameter")
	if aerr != nil {
		return ingested{}, aerr
	}
	wantCRC, aerr := decodeDigest(r.Header.Get("opc-content-crc32c"), 4, "opc-content-crc32c", "InvalidParameter")
	if aerr != nil {
		return ingested{}, aerr
	}
	algo := strings.ToUpper(r.Header.Get("opc-checksum-algorithm"))
	hMD5 := md5.New()
	writers := []io.Writer{hMD5}
	var hSHA, hCRC hash.Hash
	if wantSHA != nil || algo == "SHA256" {
		hSHA = sha256.New()
		writers = append(writers, hSHA)
	}
	if wantCRC != nil || algo == "CRC32C" {
		hCRC = crc32.New(castagnoli)
		writers = append(writers, hCRC)
	}
	bw, err := s.store.newBlob()
	if err != nil {
		return ingested{}, errf(http.StatusInternalServerError, "InternalServerError", "%v", err)
	}
	writers = append(writers, bw)
	buf := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(writers...), io.LimitReader(r.Body, r.ContentLength), *buf)
	copyBufs.Put(buf)
	if err == nil && n != r.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		bw.abort()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ingested{}, errf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is too large")
		}
		return ingested{}, errf(http.StatusBadRequest, "InvalidParameter", "The request body ended after %d of %d bytes: %v", n, r.ContentLength, err)
	}
	out := ingested{size: n, md5: base64.StdEncoding.EncodeToString(hMD5.Sum(nil))}
	if wantMD5 != nil && base64.StdEncoding.EncodeToString(wantMD5) != out.md5 {
		bw.abort()
		return ingested{}, errf(http.StatusBadRequest, "UnmatchedContentMD5",
			"The computed MD5 of the request body (%s) does not match the Content-MD5 header (%s)", out.md5, r.Header.Get("Content-MD5"))
	}
	if hSHA != nil {
		out.sha256 = base64.StdEncoding.EncodeToString(hSHA.Sum(nil))
		if wantSHA != nil && base64.StdEncoding.EncodeToString(wantSHA) != out.sha256 {
			bw.abort()
			return ingested{}, errf(http.StatusBadRequest, "UnmatchedContentSHA256",
				"The computed SHA256 of the request body (%s) does not match the opc-content-sha256 header (%s)", out.sha256, r.Header.Get("opc-content-sha256"))
		}
	}
	if hCRC != nil {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], hCRC.(hash.Hash32).Sum32())
		out.crc32c = base64.StdEncoding.EncodeToString(b[:])
		if wantCRC != nil && base64.StdEncoding.EncodeToString(wantCRC) != out.crc32c {
			bw.abort()
			return ingested{}, errf(http.StatusBadRequest, "UnmatchedContentCRC32C",
				"The computed CRC32C of the request body (%s) does not match the opc-content-crc32c header (%s)", out.crc32c, r.Header.Get("opc-content-crc32c"))
		}
	}
	if out.blob, err = bw.commit(); err != nil {
		return ingested{}, errf(http.StatusInternalServerError, "InternalServerError", "%v", err)
	}
	return out, nil
}

// decodeDigest decodes a base64 digest header of the given size; "" gives nil.
func decodeDigest(v string, size int, header, code string) ([]byte, *apiError) {
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != size {
		return nil, errf(http.StatusBadRequest, code, "The %s header '%s' is not the base64 encoding of a %d-byte digest", header, v, size)
	}
	return b, nil
}
