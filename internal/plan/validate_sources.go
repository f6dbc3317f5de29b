package plan

import (
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/store"
)

func (p *Plan) checkSources(ps *problems) {
	pr := p.Sources.Primary
	checkLocation(ps, "sources.primary", pr.Location, store.RoleSource)
	checkFilters(ps, "sources.primary.filters", pr.Filters)

	names := map[string]int{}
	for i, c := range p.Sources.Copies {
		f := fmt.Sprintf("sources.copies[%d]", i)
		switch c.Role {
		case RoleReplica, RoleBackup:
		case "":
			ps.add(f+".role", "is required", "use replica or backup")
		default:
			ps.addf(f+".role", "use replica or backup", "unknown role %q", c.Role)
		}
		if c.Name != "" {
			if j, dup := names[c.Name]; dup {
				ps.addf(f+".name", "give each copy its own name", "%q is also the name of sources.copies[%d]", c.Name, j)
			} else {
				names[c.Name] = i
			}
		}
		if c.Settings == nil {
			ps.add(f, "locates no bucket", "nest the copy's settings under its kind, such as s3 (bucket, region) or oci (namespace, region, bucket)")
			continue
		}
		lf := f + "." + c.Kind()
		checkLocation(ps, lf, c.Location, store.RoleCopy)
		switch {
		case pr.Settings != nil && c.Settings.Same(pr.Settings):
			ps.add(lf, "is the primary bucket itself", "list only other copies of the data here")
		case p.Destination.Settings != nil && c.Settings.Same(p.Destination.Settings):
			ps.add(lf, "is the destination bucket: a purge would delete the migrated data",
				"list only copies of the source data here")
		}
	}
}

// checkLocation checks a location's settings, used in role, at field.
func checkLocation(ps *problems, field string, l Location, role store.Role) {
	if l.Settings == nil {
		ps.add(field, "is required", "write the location's settings: those of its kind, under "+field)
		return
	}
	l.Settings.Validate(ps.at(field), role)
}

func checkFilters(ps *problems, f string, fl Filters) {
	for i, g := range fl.Include {
		if g == "" || !doublestar.ValidatePattern(g) {
			ps.addf(fmt.Sprintf("%s.include[%d]", f, i), "write a glob such as **/*.json ('*' within a segment, '**' across segments)",
				"%q is not a valid glob", g)
		}
	}
	for i, g := range fl.Exclude {
		if g == "" || !doublestar.ValidatePattern(g) {
			ps.addf(fmt.Sprintf("%s.exclude[%d]", f, i), "write a glob such as **/*.tmp ('*' within a segment, '**' across segments)",
				"%q is not a valid glob", g)
		}
	}
	if fl.MinAge < 0 {
		ps.addf(f+".minAge", "write a positive Go duration such as 24h", "must not be negative, not %s", fl.MinAge)
	}
	switch {
	case fl.MaxAge < 0:
		ps.addf(f+".maxAge", "write a positive Go duration such as 720h, or omit it for no limit", "must not be negative, not %s", fl.MaxAge)
	case fl.MaxAge > 0 && fl.MaxAge <= fl.MinAge:
		ps.addf(f+".maxAge", "no object could be in scope", "%s must exceed minAge (%s)", fl.MaxAge, fl.MinAge)
	}
}

func (p *Plan) checkDestination(ps *problems) {
	d := p.Destination
	checkLocation(ps, "destination", d.Location, store.RoleDestination)
	if d.ManifestBucket != "" && d.Settings != nil {
		if rb, ok := d.Settings.(store.Rebucketer); ok {
			// The manifest bucket's name follows the kind's rules for a bucket.
			rb.InBucket(d.ManifestBucket).Validate(only{"bucket", ps.at("destination.manifestBucket")}, store.RoleDestination)
		} else {
			ps.addf("destination.manifestBucket", "remove it: manifests go to the destination itself",
				"does not apply to a %s destination", d.Kind())
		}
	}
	switch d.ForeignObjects {
	case ForeignRefuse, ForeignOverwrite:
	default:
		ps.addf("destination.foreignObjects", "use refuse (leave objects the migration did not write untouched) or overwrite",
			"unknown foreign-object policy %q", d.ForeignObjects)
	}
	switch mp := d.ManifestPrefix; {
	case mp == "" && d.inOwnBucket() && p.ID != "":
		ps.add("destination.manifestPrefix", "must not be empty in the destination bucket",
			"omit it for the default, "+DefaultManifestPrefix("<id>"))
	case strings.ContainsAny(mp, "\x00\n\r"):
		ps.add("destination.manifestPrefix", "holds a control character", "use a plain prefix such as _migrations/")
	}
}

// inOwnBucket reports whether the manifests go to the destination bucket
// itself (so that shards and the manifest prefix share it).
func (d Destination) inOwnBucket() bool {
	return d.ManifestBucket == "" || d.ManifestBucket == d.Place().Bucket
}

// only passes on the problems of one field, reported at the field of r.
type only struct {
	field string
	r     kind.Reporter
}

func (o only) Add(field, msg, hint string) {
	if field == o.field {
		o.r.Add("", msg, hint)
	}
}

func (o only) Addf(field, hint, format string, args ...any) {
	o.Add(field, fmt.Sprintf(format, args...), hint)
}
