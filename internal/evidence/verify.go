package evidence

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Errors wrapped by a *VerifyError.
var (
	// ErrTampered: a file was changed, removed or added after signing,
	// or the signature file is malformed.
	ErrTampered = errors.New("evidence does not verify")
	// ErrWrongKey: the bundle was signed with another key than the one
	// given.
	ErrWrongKey = errors.New("evidence signed with another key")
)

// VerifyError names the first bad file of a bundle and what is wrong.
type VerifyError struct {
	File    string // path inside the bundle, with '/' separators
	Problem string
	Err     error // ErrTampered or ErrWrongKey
}

// Error formats e as "evidence: FILE: PROBLEM".
func (e *VerifyError) Error() string { return "evidence: " + e.File + ": " + e.Problem }

// Unwrap returns ErrTampered or ErrWrongKey.
func (e *VerifyError) Unwrap() error { return e.Err }

func tampered(file, format string, args ...any) error {
	return &VerifyError{File: file, Problem: fmt.Sprintf(format, args...), Err: ErrTampered}
}

// Verify checks the bundle in dir against pub, offline: the signature of
// MANIFEST, then every file's SHA-256, in path order, and that no file is
// missing or extra. It returns nil or a *VerifyError naming the first bad
// file.
func Verify(dir string, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return errNoKey
	}
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("evidence: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("evidence: %s is not a directory", dir)
	}
	man, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return tampered(ManifestName, "cannot be read: %v", errors.Unwrap(err))
	}
	sigFile, err := os.ReadFile(filepath.Join(dir, SignatureName))
	if err != nil {
		return tampered(SignatureName, "cannot be read: %v", errors.Unwrap(err))
	}
	if err := checkSignature(man, sigFile, pub); err != nil {
		return err
	}
	want, err := parseManifest(man)
	if err != nil {
		return err
	}
	have, err := listFiles(dir)
	if err != nil {
		return err
	}
	all := slices.Sorted(func(yield func(string) bool) {
		for n := range want {
			if !yield(n) {
				return
			}
		}
		for n := range have {
			if _, listed := want[n]; !listed && !yield(n) {
				return
			}
		}
	})
	for _, n := range all {
		sum, listed := want[n]
		if !listed {
			return tampered(n, "is not listed in %s (added after signing)", ManifestName)
		}
		if !have[n] {
			return tampered(n, "is missing (listed in %s)", ManifestName)
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return tampered(n, "cannot be read: %v", err)
		}
		s := sha256.Sum256(b)
		if hex.EncodeToString(s[:]) != sum {
			return tampered(n, "was changed after signing (its SHA-256 differs from %s)", ManifestName)
		}
	}
	return nil
}

// checkSignature verifies MANIFEST.sig over MANIFEST and, when it fails,
// tells which of the two is bad.
func checkSignature(man, sigFile []byte, pub ed25519.PublicKey) error {
	fields, err := parseSig(sigFile)
	if err != nil {
		return tampered(SignatureName, "%v", err)
	}
	sig, err := base64.StdEncoding.DecodeString(fields["signature"])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return tampered(SignatureName, "the signature is not a base64 ed25519 signature")
	}
	ms := sha256.Sum256(man)
	manSum := hex.EncodeToString(ms[:])
	if ed25519.Verify(pub, man, sig) {
		// MANIFEST is as signed; the unsigned lines must agree with it.
		if fields["key-id"] != KeyID(pub) || fields["manifest-sha256"] != manSum {
			return tampered(SignatureName, "its key-id or manifest-sha256 line was altered")
		}
		return nil
	}
	if fields["key-id"] != KeyID(pub) {
		return &VerifyError{File: SignatureName, Err: ErrWrongKey,
			Problem: fmt.Sprintf("signed with key %s, not with the given public key %s", fields["key-id"], KeyID(pub))}
	}
	if fields["manifest-sha256"] != manSum {
		return tampered(ManifestName, "was changed after signing (the signature does not match it)")
	}
	return tampered(SignatureName, "the signature does not verify with the given public key")
}

func parseSig(b []byte) (map[string]string, error) {
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 5 || lines[0] != sigHeader {
		return nil, fmt.Errorf("is not an %q file of five lines", sigHeader)
	}
	fields := map[string]string{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ": ")
		if !ok {
			return nil, fmt.Errorf("has a malformed line")
		}
		fields[k] = v
	}
	if fields["algorithm"] != "ed25519" {
		return nil, fmt.Errorf("names an algorithm other than ed25519")
	}
	for _, k := range []string{"key-id", "manifest-sha256", "signature"} {
		if fields[k] == "" {
			return nil, fmt.Errorf("lacks its %s line", k)
		}
	}
	return fields, nil
}

func parseManifest(man []byte) (map[string]string, error) {
	want := map[string]string{}
	for i, l := range strings.Split(strings.TrimSuffix(string(man), "\n"), "\n") {
		sum, name, ok := strings.Cut(l, "  ")
		if !ok || len(sum) != 64 || name == "" || !filepath.IsLocal(filepath.FromSlash(name)) {
			return nil, tampered(ManifestName, "line %d is malformed", i+1)
		}
		if _, dup := want[name]; dup || name == ManifestName || name == SignatureName {
			return nil, tampered(ManifestName, "line %d lists %s again", i+1, name)
		}
		want[name] = sum
	}
	return want, nil
}

// listFiles lists every file under dir but MANIFEST and MANIFEST.sig, as
// slash paths. A symbolic link or other non-regular file is refused.
func listFiles(dir string) (map[string]bool, error) {
	have := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return tampered(rel, "is not a regular file")
		case rel == ManifestName || rel == SignatureName:
			return nil
		}
		have[rel] = true
		return nil
	})
	if err != nil {
		var ve *VerifyError
		if errors.As(err, &ve) {
			return nil, err
		}
		return nil, fmt.Errorf("evidence: list %s: %w", dir, err)
	}
	return have, nil
}
