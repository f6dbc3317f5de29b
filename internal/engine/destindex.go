package engine

import (
	"context"

	"github.com/ocimove/ocimove/internal/store"
)

// destIndex lists the destination once over a batch's key range, so that
// the skip-if-identical check costs one LIST per 1,000 keys instead of a
// HEAD per object: a key the listing does not show is written with
// If-None-Match: * (which still guards against a concurrent writer), and
// only keys it shows are HEADed for their provenance.
//
// objs must be in key order; after, if set, is a key known to sort before
// every key of the batch (the batch's cursor). It returns false when the
// index cannot be had cheaply or reliably, and the caller HEADs every key.
func (e *Engine) destIndex(ctx context.Context, dst store.Store, objs []store.ObjectInfo, after string) (map[string]store.ObjectInfo, bool) {
	if len(objs) < 2 {
		return nil, false
	}
	first, last := objs[0].Key, objs[len(objs)-1].Key
	for i := 1; i < len(objs); i++ {
		if objs[i].Key <= objs[i-1].Key {
			return nil, false // not in key order
		}
	}
	if after >= first {
		after = ""
	}
	prefix := commonPrefix(first, last)
	// Listing from the start of the prefix may cover more than the batch;
	// give up rather than list far more pages than the batch needs.
	maxPages := len(objs)/1000 + 3
	index := make(map[string]store.ObjectInfo)
	for page := 0; page < maxPages; page++ {
		if err := e.limit.Request(ctx); err != nil {
			return nil, false
		}
		p, err := dst.List(ctx, store.ListOptions{Prefix: prefix, StartAfter: after})
		if err != nil {
			return nil, false
		}
		for _, o := range p.Objects {
			if o.Key > last {
				return index, true
			}
			if o.Key >= first {
				index[o.Key] = o
			}
		}
		if !p.Truncated {
			return index, true
		}
		if len(p.Objects) == 0 {
			return nil, false // a truncated page that cannot advance: HEAD instead
		}
		after = p.Objects[len(p.Objects)-1].Key
	}
	return nil, false
}

// commonPrefix returns the longest common prefix of a and b.
func commonPrefix(a, b string) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return a[:i]
}
