package store

import "context"

// Walk calls fn for every object under prefix, in key order, listing page
// by page. It stops at the first error from the store, fn or ctx.
func Walk(ctx context.Context, s Store, prefix string, fn func(ObjectInfo) error) error {
	after := ""
	for {
		page, err := s.List(ctx, ListOptions{Prefix: prefix, StartAfter: after})
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			if err := fn(o); err != nil {
				return err
			}
		}
		if !page.Truncated || len(page.Objects) == 0 {
			return nil
		}
		after = page.Objects[len(page.Objects)-1].Key
		if err := ctx.Err(); err != nil {
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
