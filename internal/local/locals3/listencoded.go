package locals3

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// encodedList is a ListObjects (V1) or ListObjectsV2 answer with
// encoding-type=url: every key, prefix, delimiter and marker it carries is
// URL-encoded, so that keys holding characters XML 1.0 cannot carry (such
// as U+0001) list intact.
type encodedList struct {
	XMLName               xml.Name        `xml:"ListBucketResult"`
	Xmlns                 string          `xml:"xmlns,attr"`
	Name                  string          `xml:"Name"`
	Prefix                string          `xml:"Prefix"`
	Delimiter             string          `xml:"Delimiter,omitempty"`
	Marker                *string         `xml:"Marker,omitempty"`
	NextMarker            string          `xml:"NextMarker,omitempty"`
	StartAfter            string          `xml:"StartAfter,omitempty"`
	ContinuationToken     string          `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string          `xml:"NextContinuationToken,omitempty"`
	KeyCount              *int            `xml:"KeyCount,omitempty"`
	MaxKeys               int64           `xml:"MaxKeys"`
	EncodingType          string          `xml:"EncodingType"`
	IsTruncated           bool            `xml:"IsTruncated"`
	Contents              []encodedObject `xml:"Contents"`
	CommonPrefixes        []encodedPrefix `xml:"CommonPrefixes"`
}

type encodedObject struct {
	Key          string               `xml:"Key"`
	LastModified gofakes3.ContentTime `xml:"LastModified"`
	ETag         string               `xml:"ETag"`
	Size         int64                `xml:"Size"`
	StorageClass string               `xml:"StorageClass,omitempty"`
}

type encodedPrefix struct {
	Prefix string `xml:"Prefix"`
}

// urlEncode encodes s as S3 does for encoding-type=url: form encoding
// (a space is '+'), with '/' kept as it is.
func urlEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

// serveEncodedList answers a ListObjects or ListObjectsV2 request that sets
// encoding-type. gofakes3 ignores the parameter and writes keys as XML
// text, where control characters become U+FFFD; this lists from the
// backend itself, in byte order, with the same continuation tokens as
// gofakes3 (so pages of both kinds chain).
func (s *Server) serveEncodedList(w http.ResponseWriter, r *http.Request, bucket string) {
	q := r.URL.Query()
	if q.Get("encoding-type") != "url" {
		writeError(w, r, http.StatusBadRequest, "InvalidArgument", "Invalid Encoding Method specified in Request", "")
		return
	}
	maxKeys := int64(1000)
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, r, http.StatusBadRequest, "InvalidArgument", "Provided max-keys not an integer or within integer range", "")
			return
		}
		maxKeys = min(n, 1000)
	}
	prefix := gofakes3.NewPrefix(nil, nil)
	if v := q.Get("prefix"); v != "" {
		prefix.HasPrefix, prefix.Prefix = true, v
	}
	if v := q.Get("delimiter"); v != "" {
		prefix.HasDelimiter, prefix.Delimiter = true, v
	}
	v2 := q.Get("list-type") == "2"
	page := gofakes3.ListBucketPage{MaxKeys: maxKeys}
	res := encodedList{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Name: bucket, Prefix: urlEncode(prefix.Prefix),
		Delimiter: urlEncode(prefix.Delimiter), MaxKeys: maxKeys, EncodingType: "url"}
	switch {
	case !v2:
		m := q.Get("marker")
		page.HasMarker, page.Marker = m != "", m
		em := urlEncode(m)
		res.Marker = &em
	case q.Has("continuation-token"):
		tok, err := base64.URLEncoding.DecodeString(q.Get("continuation-token"))
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect", "")
			return
		}
		page.HasMarker, page.Marker = true, string(tok)
		res.ContinuationToken = q.Get("continuation-token")
	case q.Get("start-after") != "":
		page.HasMarker, page.Marker = true, q.Get("start-after")
	}
	if v2 {
		res.StartAfter = urlEncode(q.Get("start-after"))
	}
	list, err := s.backend.ListBucket(bucket, &prefix, page)
	if err != nil {
		writeBackendError(w, r, err)
		return
	}
	for _, c := range list.Contents {
		res.Contents = append(res.Contents, encodedObject{Key: urlEncode(c.Key), LastModified: c.LastModified, ETag: c.ETag,
			Size: c.Size, StorageClass: string(c.StorageClass)})
	}
	for _, p := range list.CommonPrefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, encodedPrefix{Prefix: urlEncode(p.Prefix)})
	}
	res.IsTruncated = list.IsTruncated
	if list.IsTruncated {
		next := list.NextMarker
		if next == "" && len(list.Contents) > 0 {
			next = list.Contents[len(list.Contents)-1].Key
		}
		if v2 {
			res.NextContinuationToken = base64.URLEncoding.EncodeToString([]byte(next))
		} else if prefix.HasDelimiter {
			res.NextMarker = urlEncode(next)
		}
	}
	if v2 {
		n := len(res.Contents) + len(res.CommonPrefixes)
		res.KeyCount = &n
	}
	body, err := xml.Marshal(res)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "InternalError", err.Error(), "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
