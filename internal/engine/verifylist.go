package engine

import (
	"context"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// verifyIndex lists the destination once over the key range of recs (one
// LIST per 1,000 keys, as destIndex does for the copy) for a quick
// verification, so that a record the listing confirms costs no HEAD. It
// returns nil when recs are not in key order or the listing fails: every
// record is then HEADed.
func (e *Engine) verifyIndex(ctx context.Context, dst store.Store, recs []Result) map[string]store.ObjectInfo {
	objs := make([]store.ObjectInfo, 0, len(recs))
	for _, r := range recs {
		if r.Verifiable() {
			objs = append(objs, store.ObjectInfo{Key: r.Key})
		}
	}
	index, ok := e.destIndex(ctx, dst, objs, "")
	if !ok {
		return nil
	}
	return index
}

// verifyListed quick-verifies r against its entry in a destination
// listing. ok is false unless the listing proves the record: equal size
// and an equal checksum recorded at write time (ETag or MD5). Anything
// else (a mismatch, nothing to compare) is left to Verify, whose HEAD
// decides, so that a listing can only save requests, never fail a record.
func (e *Engine) verifyListed(dst store.Store, r Result, cur store.ObjectInfo) (Check, bool) {
	problem, checked := quickCompare(cur, r)
	if problem != "" || !checked {
		return Check{}, false
	}
	e.obs.Observe(observe.Event{Kind: observe.Verified, Store: dst.String(), Key: r.Key, Outcome: "ok", Method: string(Quick)})
	return Check{Key: r.Key, Mode: Quick, OK: true, Checksum: "size+etag (listing)"}, true
}
