package plan

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxReported bounds the problems of one kind reported for shards, so a
// bad generator does not bury the rest.
const maxReported = 20

// maxKeyBytes is the longest object key both stores accept.
const maxKeyBytes = 1024

func (p *Plan) checkShards(ps *problems) {
	es, err := p.Shards.entries()
	if err != nil {
		ps.add("shards.generator", err.Error(), "write groups such as {00..ff}, {0..9} or {eu,us}, as in users/{00..ff}/")
		// Go on with the explicit prefixes.
		es, _ = Shards{Prefixes: p.Shards.Prefixes}.entries()
		if len(es) == 0 {
			return
		}
	}
	if len(es) == 0 {
		ps.add("shards", "lists no shard", "list prefixes under shards.prefixes, or set shards.generator such as users/{00..ff}/")
		return
	}
	if len(es) > MaxShards {
		ps.addf("shards", "split the migration into several plans", "has %d shards, more than %d", len(es), MaxShards)
		return
	}

	limited := func(n int, field string, kind string) {
		if n > maxReported {
			ps.addf(field, "fix the ones above first", "%d more %s not listed", n-maxReported, kind)
		}
	}

	bad := 0
	for _, e := range es {
		var msg string
		switch {
		case !utf8.ValidString(e.prefix):
			msg = "is not valid UTF-8"
		case strings.ContainsAny(e.prefix, "\x00\n\r"):
			msg = "holds a NUL, line feed or carriage return, which the destination cannot store"
		case len(e.prefix) > maxKeyBytes:
			msg = fmt.Sprintf("is longer than %d bytes", maxKeyBytes)
		default:
			continue
		}
		if bad++; bad <= maxReported {
			ps.addf(e.field, "use a prefix both stores accept", "%q %s", e.prefix, msg)
		}
	}

	limited(bad, "shards", "invalid prefixes")

	ovs := findOverlaps(es)
	for i, o := range ovs {
		if i == maxReported {
			limited(len(ovs), "shards", "overlapping prefixes")
			break
		}
		if o.inner.prefix == o.outer.prefix {
			ps.addf(o.inner.field, "shards must not overlap: remove one of them",
				"%q is listed twice (also %s)", o.inner.prefix, o.outer.field)
		} else {
			ps.addf(o.inner.field, "shards must not overlap: one prefix may not start with another",
				"%q lies inside shard %q (%s)", o.inner.prefix, o.outer.prefix, o.outer.field)
		}
	}

	d := p.Destination
	if mp := d.ManifestPrefix; mp != "" && d.inOwnBucket() {
		n := 0
		for _, e := range es {
			if !strings.HasPrefix(e.prefix, mp) && !strings.HasPrefix(mp, e.prefix) {
				continue
			}
			if n++; n <= maxReported {
				ps.addf(e.field, "set destination.manifestPrefix outside every shard, or destination.manifestBucket to another bucket",
					"%q overlaps the manifest prefix %q in the destination bucket", e.prefix, mp)
			}
		}
		limited(n, "shards", "prefixes overlapping the manifest prefix")
	}

	ids := make(map[string]string, len(es))
	for _, e := range es {
		id := ShardID(e.prefix)
		if other, dup := ids[id]; dup && other != e.prefix {
			ps.addf(e.field, "change one of the prefixes", "%q and %q have the same shard id %s", e.prefix, other, id)
		}
		ids[id] = e.prefix
	}
}
