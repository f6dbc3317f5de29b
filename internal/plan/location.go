package plan

import (
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// The kinds a location has when its mapping names none: plans written
// before locations had kinds keep meaning what they meant.
const (
	// DefaultSourceKind is the kind of a primary source without "kind".
	DefaultSourceKind = s3store.Kind
	// DefaultDestinationKind is the kind of a destination without "kind".
	DefaultDestinationKind = ocistore.Kind
)

// Location is where data lives: the settings of a registered store kind
// (see store.Register; s3store, ocistore and filestore define them). A
// plan file writes a location as "kind" and the kind's settings, side by
// side with the keys of what holds it (the primary's filters, the
// destination's manifest keys, a copy's name and role).
type Location struct {
	// Settings are the kind's settings; nil when the plan locates nothing.
	Settings store.Settings `json:"-"`
}

// At returns the location of s.
func At(s store.Settings) Location { return Location{Settings: s} }

// Kind returns the location's store kind, "" when it has no settings.
func (l Location) Kind() string {
	if l.Settings == nil {
		return ""
	}
	return l.Settings.Kind()
}

// Place describes the location as its settings name it; the zero Place
// when it has none.
func (l Location) Place() store.Place {
	if l.Settings == nil {
		return store.Place{}
	}
	return l.Settings.Place()
}

// Kind returns the target's kind, "" when it has no settings.
func (t Target) Kind() string {
	if t.Settings == nil {
		return ""
	}
	return t.Settings.Kind()
}
