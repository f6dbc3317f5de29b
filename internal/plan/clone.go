package plan

import "slices"

// Clone returns a deep copy of p.
func (p *Plan) Clone() *Plan {
	c := *p
	c.Sources.Primary.Filters.Include = slices.Clone(p.Sources.Primary.Filters.Include)
	c.Sources.Primary.Filters.Exclude = slices.Clone(p.Sources.Primary.Filters.Exclude)
	c.Sources.Copies = slices.Clone(p.Sources.Copies)
	for i := range c.Sources.Copies {
		if s := c.Sources.Copies[i].S3; s != nil {
			v := *s
			c.Sources.Copies[i].S3 = &v
		}
		if o := c.Sources.Copies[i].OCI; o != nil {
			v := *o
			c.Sources.Copies[i].OCI = &v
		}
	}
	c.Shards.Prefixes = slices.Clone(p.Shards.Prefixes)
	c.BatchSize = clonePtr(p.BatchSize)
	c.Window = clonePtr(p.Window)
	c.Delta.Threshold = clonePtr(p.Delta.Threshold)
	c.Residency.AllowedRegions = slices.Clone(p.Residency.AllowedRegions)
	return &c
}

func clonePtr[T any](v *T) *T {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}
