package locals3

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// attributesResult is S3's GetObjectAttributes answer.
type attributesResult struct {
	XMLName      xml.Name         `xml:"GetObjectAttributesResponse"`
	Xmlns        string           `xml:"xmlns,attr"`
	ETag         string           `xml:"ETag,omitempty"`
	Checksum     *attrChecksums   `xml:"Checksum,omitempty"`
	ObjectParts  *attributesParts `xml:"ObjectParts,omitempty"`
	StorageClass string           `xml:"StorageClass,omitempty"`
	ObjectSize   *int64           `xml:"ObjectSize,omitempty"`
}

// attrChecksums holds one checksum by algorithm, as S3 names the elements.
type attrChecksums struct {
	CRC32     string `xml:"ChecksumCRC32,omitempty"`
	CRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	CRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	SHA1      string `xml:"ChecksumSHA1,omitempty"`
	SHA256    string `xml:"ChecksumSHA256,omitempty"`
	Type      string `xml:"ChecksumType,omitempty"`
}

func (c *attrChecksums) set(alg, v string) {
	switch alg {
	case "CRC32":
		c.CRC32 = v
	case "CRC32C":
		c.CRC32C = v
	case "CRC64NVME":
		c.CRC64NVME = v
	case "SHA1":
		c.SHA1 = v
	case "SHA256":
		c.SHA256 = v
	}
}

type attributesParts struct {
	PartsCount           int             `xml:"PartsCount"`
	PartNumberMarker     int             `xml:"PartNumberMarker"`
	NextPartNumberMarker int             `xml:"NextPartNumberMarker,omitempty"`
	MaxParts             int             `xml:"MaxParts"`
	IsTruncated          bool            `xml:"IsTruncated"`
	Parts                []attributePart `xml:"Part"`
}

type attributePart struct {
	attrChecksums
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
}

// serveAttributes answers GetObjectAttributes (GET ?attributes) with the
// attributes named in x-amz-object-attributes: ETag, Checksum, ObjectParts
// (a page of a multipart object's parts with their sizes and checksums, by
// x-amz-max-parts and x-amz-part-number-marker), StorageClass and
// ObjectSize. Like S3, the checksum of a COMPOSITE object is given without
// its "-N" suffix; the part count is in ObjectParts.
func (s *Server) serveAttributes(w http.ResponseWriter, r *http.Request, bucket, key string) {
	var attrs []string
	for _, v := range r.Header.Values("X-Amz-Object-Attributes") {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				attrs = append(attrs, a)
			}
		}
	}
	if len(attrs) == 0 {
		writeError(w, r, http.StatusBadRequest, "InvalidArgument",
			"The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty", "")
		return
	}
	maxParts, err := headerInt(r, "X-Amz-Max-Parts", 1000)
	if err != nil || maxParts < 0 {
		writeError(w, r, http.StatusBadRequest, "InvalidArgument", "x-amz-max-parts must be a non-negative integer", "")
		return
	}
	marker, err := headerInt(r, "X-Amz-Part-Number-Marker", 0)
	if err != nil || marker < 0 {
		writeError(w, r, http.StatusBadRequest, "InvalidArgument", "x-amz-part-number-marker must be a non-negative integer", "")
		return
	}
	obj, err := s.headObject(bucket, key, r.URL.Query().Get("versionId"))
	if err != nil {
		writeBackendError(w, r, err)
		return
	}
	meta := obj.Metadata
	sums := parseChecksums(meta[hiddenChecksums])
	parts := decodeParts(meta[hiddenParts])
	res := attributesResult{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/"}
	for _, a := range attrs {
		switch a {
		case "ETag":
			res.ETag = objectETag(obj)
		case "Checksum":
			if len(sums) == 0 {
				continue
			}
			c := &attrChecksums{Type: checksumFullObject}
			if meta[hiddenChecksumType] == checksumComposite {
				c.Type = checksumComposite
			}
			for alg, v := range sums {
				v, _, _ = strings.Cut(v, "-")
				c.set(alg, v)
			}
			res.Checksum = c
		case "ObjectParts":
			if len(parts) > 0 {
				res.ObjectParts = partsPage(parts, sums, marker, maxParts)
			}
		case "StorageClass":
			res.StorageClass = string(storageClassOf(meta))
		case "ObjectSize":
			size := obj.Size
			res.ObjectSize = &size
		default:
			writeError(w, r, http.StatusBadRequest, "InvalidArgument", "Invalid attribute name specified: "+a, "")
			return
		}
	}
	body, err := xml.Marshal(res)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "InternalError", err.Error(), "")
		return
	}
	h := w.Header()
	if lm := meta["Last-Modified"]; lm != "" {
		h.Set("Last-Modified", lm)
	}
	if obj.VersionID != "" {
		h.Set("x-amz-version-id", string(obj.VersionID))
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// partsPage returns the parts after marker, at most maxParts of them, each
// with its checksum of the object's algorithm.
func partsPage(parts []storedPart, sums map[string]string, marker, maxParts int) *attributesParts {
	alg := ""
	for a := range sums {
		alg = a
	}
	page := &attributesParts{PartsCount: len(parts), PartNumberMarker: marker, MaxParts: maxParts}
	for i, p := range parts {
		n := i + 1
		if n <= marker {
			continue
		}
		if len(page.Parts) >= maxParts {
			page.IsTruncated = true
			break
		}
		ap := attributePart{PartNumber: n, Size: p.size}
		if p.checksum != "" {
			ap.set(alg, p.checksum)
		}
		page.Parts = append(page.Parts, ap)
		page.NextPartNumberMarker = n
	}
	return page
}

func headerInt(r *http.Request, name string, def int) (int, error) {
	v := r.Header.Get(name)
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// writeBackendError writes the S3 error of a backend error: its code's
// status and message, or 500 InternalError.
func writeBackendError(w http.ResponseWriter, r *http.Request, err error) {
	ec, ok := err.(interface{ ErrorCode() gofakes3.ErrorCode })
	if !ok {
		writeError(w, r, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.", "")
		return
	}
	code := ec.ErrorCode()
	msg := code.Message()
	switch {
	case code == gofakes3.ErrNoSuchKey:
		msg = "The specified key does not exist."
	case msg == "":
		msg = err.Error()
	}
	writeError(w, r, code.Status(), string(code), msg, "")
}
