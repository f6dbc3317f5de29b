package activities

import (
	"context"

	"github.com/ocimove/ocimove/internal/store"
)

// listPage lists up to limit objects under prefix after cursor (and, if
// end is set, not after end). done reports that the listing ended. An
// empty page marked truncated is not the end (store.NextPage follows it).
func listPage(ctx context.Context, st store.Store, prefix, cursor, end string, limit int) (objs []store.ObjectInfo, done bool, err error) {
	after := cursor
	for {
		want := limit - len(objs)
		page, err := store.NextPage(ctx, st, store.ListOptions{Prefix: prefix, StartAfter: after, Limit: min(want, 1000)})
		if err != nil {
			return nil, false, err
		}
		for i, o := range page.Objects {
			if end != "" && o.Key > end {
				return objs, false, nil
			}
			objs = append(objs, o)
			if len(objs) == limit {
				return objs, !page.Truncated && i == len(page.Objects)-1, nil
			}
		}
		if !page.Truncated {
			return objs, true, nil
		}
		after = page.Objects[len(page.Objects)-1].Key
	}
}
