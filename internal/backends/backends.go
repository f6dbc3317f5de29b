// Package backends links every store kind and routing target kind into a
// program: a program that parses plans or opens their stores and targets
// imports it for its side effects, and each kind's package registers
// itself from init. Adding a kind is one import line here.
package backends

import (
	// Routing target kinds.
	_ "github.com/ocimove/ocimove/internal/routing/fileroute"
	_ "github.com/ocimove/ocimove/internal/routing/pgroute"
	_ "github.com/ocimove/ocimove/internal/routing/webhook"

	// Store kinds.
	_ "github.com/ocimove/ocimove/internal/store/filestore"
	_ "github.com/ocimove/ocimove/internal/store/ocistore"
	_ "github.com/ocimove/ocimove/internal/store/s3store"
)
