package plan

import "github.com/ocimove/ocimove/internal/secret"

// SecretRef refers to a secret; it never holds one. It is secret.Ref: a
// plan field of this type, in the plan itself or in a store or routing
// kind's settings, is listed by SecretRefs, checked by Validate and
// resolved by the workers. Its forms:
//
//	env:NAME      the worker's environment variable NAME
//	${NAME}       the same, as written in YAML plans; Normalize rewrites it to env:NAME
//	profile:NAME  an entry NAME of the worker's profile store
//	file:PATH     the contents of the file PATH on the worker ("~/" is the home directory)
type SecretRef = secret.Ref

// Secret reference schemes.
const (
	SchemeEnv     = secret.SchemeEnv
	SchemeProfile = secret.SchemeProfile
	SchemeFile    = secret.SchemeFile
)

// Errors about secret references (see secret.ErrNotReference and
// secret.ErrUnresolved).
var (
	ErrNotReference = secret.ErrNotReference
	ErrUnresolved   = secret.ErrUnresolved
)
