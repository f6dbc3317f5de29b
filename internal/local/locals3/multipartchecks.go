package locals3

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// multipartHolder is implemented by both backends, which embed the
// project's multipart store.
type multipartHolder interface {
	multipart() *multipartStore
}

func (m *multipartStore) multipart() *multipartStore { return m }

// upload returns the open upload of a request, nil when there is none
// (gofakes3 answers NoSuchUpload itself).
func (s *Server) upload(r *http.Request, bucket, key string) *upload {
	mh, ok := s.backend.(multipartHolder)
	if !ok {
		return nil
	}
	u, err := mh.multipart().get(bucket, key, gofakes3.UploadID(r.URL.Query().Get("uploadId")))
	if err != nil {
		return nil
	}
	return u
}

// prepareCreateMultipart checks the upload's checksum algorithm and type as
// S3 does, records the type in effect, and hides the metadata gofakes3
// would drop.
func (s *Server) prepareCreateMultipart(w http.ResponseWriter, r *http.Request) bool {
	typ, err := validUploadChecksum(r.Header.Get("X-Amz-Checksum-Algorithm"), r.Header.Get("X-Amz-Checksum-Type"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "InvalidRequest", err.Error(), "")
		return false
	}
	r.Header.Del("X-Amz-Checksum-Type")
	if typ != "" {
		r.Header.Set("X-Amz-Checksum-Algorithm", strings.ToUpper(r.Header.Get("X-Amz-Checksum-Algorithm")))
		r.Header.Set("X-Amz-Checksum-Type", typ)
	}
	hideMetadata(r, nil)
	return true
}

// prepareUploadPart verifies the part's x-amz-checksum-* headers against
// its body and, for an upload created with a checksum algorithm, requires
// that algorithm's header, as S3 does.
func (s *Server) prepareUploadPart(w http.ResponseWriter, r *http.Request, bucket, key string) (map[string]string, bool) {
	if u := s.upload(r, bucket, key); u != nil && u.algorithm != "" && r.Header.Get("X-Amz-Checksum-"+u.algorithm) == "" {
		writeError(w, r, http.StatusBadRequest, "InvalidRequest",
			"The upload was created using a "+u.algorithm+" checksum; the part upload request must include the x-amz-checksum-"+
				strings.ToLower(u.algorithm)+" header", "")
		return nil, false
	}
	return checkBody(r), true
}

// echoChecksums adds the part's verified checksums to a successful
// UploadPart answer, as S3 does, so that clients can list them in
// CompleteMultipartUpload.
type echoChecksums struct {
	http.ResponseWriter
	sums  map[string]string
	wrote bool
}

func (e *echoChecksums) WriteHeader(status int) {
	if !e.wrote && status == http.StatusOK {
		for alg, v := range e.sums {
			e.Header().Set("X-Amz-Checksum-"+alg, v)
		}
	}
	e.wrote = true
	e.ResponseWriter.WriteHeader(status)
}

func (e *echoChecksums) Write(p []byte) (int, error) {
	if !e.wrote {
		e.WriteHeader(http.StatusOK)
	}
	return e.ResponseWriter.Write(p)
}

// completeBody is the part of a CompleteMultipartUpload body that gofakes3
// does not parse: each part's checksums.
type completeBody struct {
	Parts []struct {
		PartNumber        int    `xml:"PartNumber"`
		ChecksumCRC32     string `xml:"ChecksumCRC32"`
		ChecksumCRC32C    string `xml:"ChecksumCRC32C"`
		ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME"`
		ChecksumSHA1      string `xml:"ChecksumSHA1"`
		ChecksumSHA256    string `xml:"ChecksumSHA256"`
	} `xml:"Part"`
}

// maxCompleteBody bounds the CompleteMultipartUpload body read here (10,000
// parts with every checksum fit easily).
const maxCompleteBody = 8 << 20

// prepareComplete records what a CompleteMultipartUpload asserts about the
// checksums (per part in its body, for the whole object in its
// x-amz-checksum-* header), for the multipart store to check, and leaves
// the body for gofakes3 to read again.
func (s *Server) prepareComplete(w http.ResponseWriter, r *http.Request, bucket, key string) bool {
	u := s.upload(r, bucket, key)
	if u == nil || u.algorithm == "" {
		return true
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxCompleteBody))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "IncompleteBody", "The request body could not be read", "")
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	var body completeBody
	if err := xml.Unmarshal(raw, &body); err != nil {
		writeError(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed", "")
		return false
	}
	want := &completeWant{parts: map[int]string{}, full: r.Header.Get("X-Amz-Checksum-" + u.algorithm)}
	for _, p := range body.Parts {
		v := map[string]string{"CRC32": p.ChecksumCRC32, "CRC32C": p.ChecksumCRC32C, "CRC64NVME": p.ChecksumCRC64NVME,
			"SHA1": p.ChecksumSHA1, "SHA256": p.ChecksumSHA256}[u.algorithm]
		if v != "" {
			want.parts[p.PartNumber] = v
		}
	}
	u.mu.Lock()
	u.want = want
	u.mu.Unlock()
	return true
}

// checkPartChecksum checks a completed part against the checksum the
// request lists for it: S3 requires it for a COMPOSITE upload, and any
// value listed must be the part's.
func (u *upload) checkPartChecksum(n int, p *part, want *completeWant) error {
	if u.algorithm == "" {
		return nil
	}
	v, listed := "", false
	if want != nil {
		v, listed = want.parts[n]
	}
	switch {
	case listed && v != p.checksum:
		return gofakes3.ErrorMessagef(gofakes3.ErrInvalidPart, "the %s checksum of part %d is %s, not %s", u.algorithm, n, p.checksum, v)
	case !listed && u.checksumType == checksumComposite:
		return gofakes3.ErrorMessagef(gofakes3.ErrInvalidPart, "part %d lacks its %s checksum", n, u.algorithm)
	}
	return nil
}

// objectChecksum returns the completed object's checksum: COMPOSITE from
// the parts' checksums, FULL_OBJECT from the content, which must equal the
// value the request asserts, if any.
func (u *upload) objectChecksum(parts []*part, stored []storedPart, want *completeWant) (string, error) {
	if u.checksumType == checksumComposite {
		return compositeChecksum(u.algorithm, stored)
	}
	h := newChecksumHash(u.algorithm)
	for _, p := range parts {
		rc, err := p.open()
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, rc)
		_ = rc.Close()
		if err != nil {
			return "", err
		}
	}
	got := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if want != nil && want.full != "" && want.full != got {
		return "", gofakes3.ErrorMessagef(gofakes3.ErrBadDigest,
			"The %s you specified did not match the calculated checksum.", "x-amz-checksum-"+strings.ToLower(u.algorithm))
	}
	return got, nil
}
