// Package secret is the reference to a secret that plans carry instead of
// the secret: env:NAME, ${NAME}, profile:NAME or file:PATH. Workers resolve
// references; no secret value ever enters a plan, a workflow input or an
// error.
package secret

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Ref refers to a secret; it never holds one. Its forms:
//
//	env:NAME      the worker's environment variable NAME
//	${NAME}       the same, as written in YAML plans; Normalize rewrites it to env:NAME
//	profile:NAME  an entry NAME of the worker's profile store
//	file:PATH     the contents of the file PATH on the worker ("~/" is the home directory)
//
// Anything else is refused by Parse (and so by a plan's validation) as what
// may be an inline secret, and the refusal never repeats the value.
type Ref string

// Secret reference schemes.
const (
	SchemeEnv     = "env"
	SchemeProfile = "profile"
	SchemeFile    = "file"
)

// Errors about secret references. Errors returned by Parse and Resolve
// wrap one of these; none holds a secret value.
var (
	// ErrNotReference: the value is not a reference (no known scheme). It
	// may be an inline secret.
	ErrNotReference = errors.New("not a secret reference")
	// ErrUnresolved: the reference is well-formed but the worker has no
	// value for it.
	ErrUnresolved = errors.New("secret reference does not resolve")
)

var (
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	braceEnv    = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)
)

// Parse splits r into its scheme and name. A ${NAME} reference parses as
// scheme env. It fails, wrapping ErrNotReference, when r has no known
// scheme or an ill-formed name; the message never contains r itself.
func (r Ref) Parse() (scheme, name string, err error) {
	s := string(r)
	if m := braceEnv.FindStringSubmatch(s); m != nil {
		return SchemeEnv, m[1], nil
	}
	scheme, name, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", fmt.Errorf("%w: it has no scheme", ErrNotReference)
	}
	switch scheme {
	case SchemeEnv:
		if !envName.MatchString(name) {
			return "", "", fmt.Errorf("%w: env: must be followed by a variable name (letters, digits, '_')", ErrNotReference)
		}
	case SchemeProfile:
		if !profileName.MatchString(name) {
			return "", "", fmt.Errorf("%w: profile: must be followed by a profile name (letters, digits, '.', '_', '-')", ErrNotReference)
		}
	case SchemeFile:
		if name == "" || strings.ContainsAny(name, "\x00\n\r") {
			return "", "", fmt.Errorf("%w: file: must be followed by a file path", ErrNotReference)
		}
		if !filepath.IsAbs(name) && !strings.HasPrefix(name, "~/") {
			return "", "", fmt.Errorf("%w: file: needs an absolute path or one starting with ~/", ErrNotReference)
		}
	default:
		return "", "", fmt.Errorf("%w: the scheme is not env, profile or file", ErrNotReference)
	}
	return scheme, name, nil
}

// Canonical returns r in its canonical form: ${NAME} becomes env:NAME;
// other references are returned unchanged.
func (r Ref) Canonical() Ref {
	if m := braceEnv.FindStringSubmatch(string(r)); m != nil {
		return Ref(SchemeEnv + ":" + m[1])
	}
	return r
}

// IsZero reports whether r is empty (no reference).
func (r Ref) IsZero() bool { return r == "" }

// Resolve returns the secret r refers to. It runs in workers, which hold
// the credentials; its result must never enter a workflow input, a log or
// an error. lookup finds named values:
//
//   - env:NAME (and ${NAME}) calls lookup(NAME), so os.LookupEnv serves;
//   - profile:NAME calls lookup("profile:NAME"), so one function can serve
//     the environment and a profile store;
//   - file:PATH reads the file, without its final line break, and does not
//     call lookup.
//
// Errors wrap ErrNotReference or ErrUnresolved and name the reference (a
// variable name, a profile or a path), never a value.
func (r Ref) Resolve(lookup func(string) (string, bool)) (string, error) {
	scheme, name, err := r.Parse()
	if err != nil {
		return "", err
	}
	switch scheme {
	case SchemeEnv:
		if lookup == nil {
			return "", fmt.Errorf("%w: %s:%s: no lookup given", ErrUnresolved, scheme, name)
		}
		v, ok := lookup(name)
		if !ok {
			return "", fmt.Errorf("%w: environment variable %s is not set on the worker", ErrUnresolved, name)
		}
		if v == "" {
			return "", fmt.Errorf("%w: environment variable %s is empty on the worker", ErrUnresolved, name)
		}
		return v, nil
	case SchemeProfile:
		if lookup == nil {
			return "", fmt.Errorf("%w: %s:%s: no lookup given", ErrUnresolved, scheme, name)
		}
		v, ok := lookup(SchemeProfile + ":" + name)
		if !ok || v == "" {
			return "", fmt.Errorf("%w: profile %s is not known to the worker", ErrUnresolved, name)
		}
		return v, nil
	default: // SchemeFile
		path, err := expandHome(name)
		if err != nil {
			return "", fmt.Errorf("%w: file %s: %w", ErrUnresolved, name, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			// The *PathError names the path and the cause, not contents.
			return "", fmt.Errorf("%w: %w", ErrUnresolved, err)
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if v == "" {
			return "", fmt.Errorf("%w: file %s is empty", ErrUnresolved, path)
		}
		return v, nil
	}
}

// String returns the reference itself (never a secret value).
func (r Ref) String() string { return string(r) }

func expandHome(p string) (string, error) {
	rest, ok := strings.CutPrefix(p, "~/")
	if !ok {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot expand ~: %w", err)
	}
	return filepath.Join(home, rest), nil
}
