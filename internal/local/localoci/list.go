package localoci

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// objectSummary is one entry of a ListObjects response. Only "name" is
// always present; the rest appear when the fields parameter asks for them.
type objectSummary struct {
	Name          string     `json:"name"`
	Size          *int64     `json:"size,omitempty"`
	MD5           *string    `json:"md5,omitempty"`
	TimeCreated   *time.Time `json:"timeCreated,omitempty"`
	ETag          *string    `json:"etag,omitempty"`
	StorageTier   string     `json:"storageTier,omitempty"`
	ArchivalState string     `json:"archivalState,omitempty"`
	TimeModified  *time.Time `json:"timeModified,omitempty"`
}

type listObjectsBody struct {
	Objects       []objectSummary `json:"objects"`
	Prefixes      []string        `json:"prefixes,omitempty"`
	NextStartWith *string         `json:"nextStartWith,omitempty"`
}

var listFields = map[string]bool{
	"name": true, "size": true, "etag": true, "md5": true, "timeCreated": true,
	"timeModified": true, "storageTier": true, "archivalState": true,
}

// parseLimit reads a limit query parameter (1..1000, default 1000).
func parseLimit(v string) (int, *apiError) {
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, errf(http.StatusBadRequest, "InvalidLimit", "The limit '%s' is invalid; use a number from 1 to 1000", v)
	}
	return n, nil
}

func (s *Server) handleListObjects(w http.ResponseWriter, r *http.Request, bucket string) *apiError {
	q := r.URL.Query()
	prefix, start, startAfter, end, delim := q.Get("prefix"), q.Get("start"), q.Get("startAfter"), q.Get("end"), q.Get("delimiter")
	limit, aerr := parseLimit(q.Get("limit"))
	if aerr != nil {
		return aerr
	}
	if delim != "" && delim != "/" {
		return errInvalid("The delimiter '%s' is not supported; only '/' is", delim)
	}
	fields := map[string]bool{"name": true}
	if fv := q.Get("fields"); fv != "" {
		for _, f := range strings.Split(fv, ",") {
			f = strings.TrimSpace(f)
			if !listFields[f] {
				return errInvalid("The field '%s' is invalid; use name, size, etag, md5, timeCreated, timeModified, storageTier or archivalState", f)
			}
			fields[f] = true
		}
	}

	s.mu.RLock()
	b, ok := s.buckets[bucket]
	if !ok {
		s.mu.RUnlock()
		return errBucketNotFound(s.cfg.Namespace, bucket)
	}
	// The first candidate is the greatest of prefix, start and just-after startAfter.
	from := prefix
	if start > from {
		from = start
	}
	i := sort.SearchStrings(b.names, from)
	if startAfter != "" {
		j := sort.SearchStrings(b.names, startAfter)
		if j < len(b.names) && b.names[j] == startAfter {
			j++
		}
		i = max(i, j)
	}
	body := listObjectsBody{Objects: []objectSummary{}}
	count := 0
	lastPrefix := ""
	for i < len(b.names) {
		name := b.names[i]
		if !strings.HasPrefix(name, prefix) || (end != "" && name >= end) {
			break
		}
		var group string
		if delim != "" {
			if k := strings.Index(name[len(prefix):], delim); k >= 0 {
				group = name[:len(prefix)+k+len(delim)]
			}
		}
		if group != "" && group == lastPrefix {
			i++
			continue
		}
		if count == limit {
			body.NextStartWith = &name
			break
		}
		count++
		if group != "" {
			body.Prefixes = append(body.Prefixes, group)
			lastPrefix = group
			i++
			continue
		}
		body.Objects = append(body.Objects, summarize(b.objects[name], fields))
		i++
	}
	s.mu.RUnlock() // records are immutable once published, so body may point into them
	return writeJSON(w, http.StatusOK, body)
}

func summarize(o *objectRecord, fields map[string]bool) objectSummary {
	s := objectSummary{Name: o.Name}
	if fields["size"] {
		s.Size = &o.Size
	}
	if fields["md5"] {
		md5 := o.MD5
		if o.MultipartMD5 != "" {
			md5 = o.MultipartMD5
		}
		s.MD5 = &md5
	}
	if fields["etag"] {
		s.ETag = &o.ETag
	}
	if fields["timeCreated"] {
		t := o.Created
		s.TimeCreated = &t
	}
	if fields["timeModified"] {
		t := o.Modified
		s.TimeModified = &t
	}
	if fields["storageTier"] {
		s.StorageTier = o.StorageTier
	}
	if fields["archivalState"] && o.StorageTier == "Archive" {
		s.ArchivalState = "Archived"
	}
	return s
}
