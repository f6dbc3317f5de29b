package activities

import (
	"context"

	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// joined is one key of a merge join of listings with the merged
// manifest view: what each side holds under the key (nil: nothing).
type joined struct {
	key string
	src *store.ObjectInfo // in the first listing
	dst *store.ObjectInfo // in the second listing
	ent *manifest.Entry   // the merged entry
}

// join merges, in key order, up to two listings and the merged view,
// all sorted by key; memory holds one page per listing and one entry per
// manifest stream. A nil side is empty.
type join struct {
	src, dst *store.Lister
	man      *manifest.Reader
	// obs is told of every key joined (progress that copies nothing).
	obs observe.Observer
}

// next returns the next key of the join; ok is false at the end.
func (j *join) next(ctx context.Context) (joined, bool, error) {
	var heads [2]*store.ObjectInfo
	for i, l := range []*store.Lister{j.src, j.dst} {
		if l == nil {
			continue
		}
		o, ok, err := l.Peek(ctx)
		if err != nil {
			return joined{}, false, err
		}
		if ok {
			heads[i] = &o
		}
	}
	var ent *manifest.Entry
	if j.man != nil {
		e, ok, err := j.man.Peek()
		if err != nil {
			return joined{}, false, err
		}
		if ok {
			ent = &e
		}
	}
	key, found := "", false
	consider := func(k string) {
		if !found || k < key {
			key, found = k, true
		}
	}
	for _, h := range heads {
		if h != nil {
			consider(h.Key)
		}
	}
	if ent != nil {
		consider(ent.Key)
	}
	if !found {
		return joined{}, false, nil
	}
	if j.obs != nil {
		j.obs.Observe(observe.Event{Kind: observe.Listed, Bytes: 1})
	}
	out := joined{key: key}
	if h := heads[0]; h != nil && h.Key == key {
		out.src = h
		_, _, _ = j.src.Next(ctx)
	}
	if h := heads[1]; h != nil && h.Key == key {
		out.dst = h
		_, _, _ = j.dst.Next(ctx)
	}
	if ent != nil && ent.Key == key {
		out.ent = ent
		_, _, _ = j.man.Next()
	}
	return out, true, nil
}
