package plan

import (
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// Reasons returned by Filters.Admit for an excluded object.
const (
	ExcludedNotIncluded = "not matched by sources.primary.filters.include"
	ExcludedByExclude   = "matched by sources.primary.filters.exclude"
	ExcludedTooYoung    = "younger than sources.primary.filters.minAge"
	ExcludedTooOld      = "older than sources.primary.filters.maxAge"
)

// Admit reports whether the object with the given key and modification
// time is in scope, and if not, why. start is the time fixed when the
// migration started, so that an object's standing does not change between
// delta rounds. Globs are matched against the whole key with doublestar
// ('/' separates segments); a pattern that Validate would refuse matches
// nothing.
func (f Filters) Admit(key string, modified, start time.Time) (bool, string) {
	if len(f.Include) > 0 {
		in := false
		for _, g := range f.Include {
			if ok, _ := doublestar.Match(g, key); ok {
				in = true
				break
			}
		}
		if !in {
			return false, ExcludedNotIncluded
		}
	}
	for _, g := range f.Exclude {
		if ok, _ := doublestar.Match(g, key); ok {
			return false, ExcludedByExclude
		}
	}
	age := start.Sub(modified)
	if f.MinAge > 0 && age < f.MinAge.D() {
		return false, ExcludedTooYoung
	}
	if f.MaxAge > 0 && age > f.MaxAge.D() {
		return false, ExcludedTooOld
	}
	return true, ""
}

// Settled reports whether a delta round that found changes changed
// objects ends catch-up: changes is at most the threshold (the default when
// the threshold is unset).
func (d DeltaPolicy) Settled(changes int) bool {
	t := DefaultThreshold
	if d.Threshold != nil {
		t = *d.Threshold
	}
	return changes <= t
}
