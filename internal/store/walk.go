package store

import (
	"context"
	"errors"
	"fmt"
)

// MaxEmptyPages bounds how many consecutive empty pages marked truncated a
// listing follows before it gives up: a store may return an empty page
// with more to come, but one that never advances would loop forever.
const MaxEmptyPages = 100

// ErrListingStalled is wrapped by the error of a listing that returned
// MaxEmptyPages consecutive empty truncated pages.
var ErrListingStalled = errors.New("the listing returns empty pages marked truncated and does not advance")

// NextPage returns the next non-empty page of the listing selected by
// opts, or the final page (Truncated false, possibly empty). An empty page
// marked truncated is followed by listing again after the same
// StartAfter, at most MaxEmptyPages times in a row.
func NextPage(ctx context.Context, s Store, opts ListOptions) (ListPage, error) {
	for empty := 0; ; empty++ {
		if empty >= MaxEmptyPages {
			return ListPage{}, fmt.Errorf("%w: %s, prefix %q, after %q: %d empty truncated pages in a row",
				ErrListingStalled, s, opts.Prefix, opts.StartAfter, empty)
		}
		page, err := s.List(ctx, opts)
		if err != nil {
			return ListPage{}, err
		}
		if len(page.Objects) > 0 || !page.Truncated {
			return page, nil
		}
		if err := ctx.Err(); err != nil {
			return ListPage{}, err
		}
	}
}

// Walk calls fn for every object under prefix, in key order, listing page
// by page. It stops at the first error from the store, fn or ctx.
func Walk(ctx context.Context, s Store, prefix string, fn func(ObjectInfo) error) error {
	return WalkAfter(ctx, s, prefix, "", fn)
}

// WalkAfter is Walk over the keys after startAfter (exclusive).
func WalkAfter(ctx context.Context, s Store, prefix, startAfter string, fn func(ObjectInfo) error) error {
	l := NewLister(s, prefix, startAfter)
	for {
		o, ok, err := l.Next(ctx)
		if err != nil || !ok {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
}

// ListAll returns every object under prefix, in key order.
func ListAll(ctx context.Context, s Store, prefix string) ([]ObjectInfo, error) {
	var out []ObjectInfo
	err := Walk(ctx, s, prefix, func(o ObjectInfo) error {
		out = append(out, o)
		return nil
	})
	return out, err
}

// Lister reads a listing in key order, one page in memory at a time, for
// callers that pull objects one by one (merge joins of several sorted
// streams). It is not safe for concurrent use.
type Lister struct {
	s      Store
	opts   ListOptions
	page   []ObjectInfo
	i      int
	more   bool
	failed error
}

// NewLister returns a Lister of the objects under prefix after startAfter.
func NewLister(s Store, prefix, startAfter string) *Lister {
	return &Lister{s: s, opts: ListOptions{Prefix: prefix, StartAfter: startAfter}, more: true}
}

// Peek returns the next object without consuming it; ok is false at the
// end of the listing.
func (l *Lister) Peek(ctx context.Context) (ObjectInfo, bool, error) {
	for l.i >= len(l.page) {
		if l.failed != nil {
			return ObjectInfo{}, false, l.failed
		}
		if !l.more {
			return ObjectInfo{}, false, nil
		}
		if err := ctx.Err(); err != nil {
			return ObjectInfo{}, false, err
		}
		page, err := NextPage(ctx, l.s, l.opts)
		if err != nil {
			l.failed = err
			return ObjectInfo{}, false, err
		}
		l.page, l.i, l.more = page.Objects, 0, page.Truncated
		if n := len(page.Objects); n > 0 {
			l.opts.StartAfter = page.Objects[n-1].Key
		}
	}
	return l.page[l.i], true, nil
}

// Next returns the next object and consumes it; ok is false at the end of
// the listing.
func (l *Lister) Next(ctx context.Context) (ObjectInfo, bool, error) {
	o, ok, err := l.Peek(ctx)
	if ok {
		l.i++
	}
	return o, ok, err
}
