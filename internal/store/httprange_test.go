package store

import "testing"

func TestRangeHeaderAndContentRange(t *testing.T) {
	for _, c := range []struct {
		r    Range
		want string
	}{{Range{0, -1}, "bytes=0-"}, {Range{10, 1}, "bytes=10-10"}, {Range{5, 100}, "bytes=5-104"}} {
		if got := c.r.Header(); got != c.want {
			t.Errorf("%+v.Header() = %q, want %q", c.r, got, c.want)
		}
	}
	if n, ok := ContentRangeTotal("bytes 0-9/1234"); !ok || n != 1234 {
		t.Errorf("ContentRangeTotal = %d, %v", n, ok)
	}
	if _, ok := ContentRangeTotal("bytes */*"); ok {
		t.Error("an unknown total is not a length")
	}
}
