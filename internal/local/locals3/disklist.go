package locals3

import (
	"github.com/johannesboyne/gofakes3"
)

// ListBucket implements gofakes3.Backend: keys in byte order, selected by
// prefix, rolled up into common prefixes at the delimiter, strictly after
// page.Marker, at most page.MaxKeys keys and prefixes together. When the
// page is cut short, NextMarker is its last key or common prefix, and a
// listing resumed from a common prefix skips every key under it.
func (d *diskBackend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	b, err := d.bucket(name)
	if err != nil {
		return nil, err
	}
	start := ""
	if prefix != nil && prefix.HasPrefix {
		start = prefix.Prefix
	}
	if page.HasMarker && page.Marker > start {
		start = page.Marker
	}

	res := gofakes3.NewObjectList()
	var (
		count int64
		last  string
	)
	b.mu.RLock()
	defer b.mu.RUnlock()
	b.objects.Ascend(start, func(key string, e *diskEntry) bool {
		if page.HasMarker && key <= page.Marker {
			return true
		}
		ok, common := matchPrefix(prefix, key)
		if !ok {
			// Keys with a given prefix are contiguous in byte order and
			// the walk started at or after the prefix: none follow.
			return false
		}
		item := key
		if common != "" {
			if common == last || (page.HasMarker && common <= page.Marker) {
				return true
			}
			item = common
		}
		if page.MaxKeys > 0 && count >= page.MaxKeys {
			res.IsTruncated = true
			return false
		}
		if common != "" {
			res.AddPrefix(common)
		} else {
			res.Add(&gofakes3.Content{
				Key:          key,
				LastModified: gofakes3.NewContentTime(e.modified),
				ETag:         `"` + e.etagOrMD5() + `"`,
				Size:         e.size,
				StorageClass: e.class,
			})
		}
		count++
		last = item
		return true
	})
	if res.IsTruncated {
		res.NextMarker = last
	}
	return res, nil
}
