package store

import (
	"strconv"
	"strings"
)

// Header returns r as an HTTP Range header value: "bytes=a-b", or "bytes=a-"
// when Length < 0 (to the end). A zero Length has no HTTP form; callers
// serve it without a request.
func (r Range) Header() string {
	h := "bytes=" + strconv.FormatInt(r.Offset, 10) + "-"
	if r.Length > 0 {
		h += strconv.FormatInt(r.Offset+r.Length-1, 10)
	}
	return h
}

// ContentRangeTotal returns the whole object's length from a Content-Range
// header value ("bytes a-b/total"), which a ranged response carries.
func ContentRangeTotal(v string) (int64, bool) {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(v[i+1:], 10, 64)
	return n, err == nil
}
