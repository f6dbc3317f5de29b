package engine

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ocimove/ocimove/internal/store"
)

// ErrSourceUnchecked: the copy must check its source read (CopyOptions.
// RequireSourceCheck), and the source vouches for no checksum it can
// compute.
var ErrSourceUnchecked = errors.New("source read cannot be checked")

// uncheckedError names the key and why its read cannot be checked.
type uncheckedError struct {
	key, why string
}

func (e *uncheckedError) Error() string {
	return fmt.Sprintf("source object %q is not copied: its read cannot be checked, because %s; the plan requires a source check (verification.requireSourceCheck)", e.key, e.why)
}

func (e *uncheckedError) Unwrap() error { return ErrSourceUnchecked }

// expectation is what the source vouches for, chosen from its attributes
// before its bytes are read, and so what the copy computes while it
// streams and compares at the end. At most one of md5, full and composite
// is set; when none is, why says what is missing.
type expectation struct {
	md5       []byte
	full      store.Checksum
	composite store.Checksum
	parts     []store.ObjectPart
	why       string
}

// fullOrder ranks whole-content checksums: those the hasher computes
// anyway first.
var fullOrder = []string{"SHA256", "CRC32C", "CRC64NVME", "CRC32", "SHA1"}

// method is the record's SourceCheck for x.
func (x expectation) method() string {
	switch {
	case len(x.md5) > 0:
		return SourceCheckETagMD5
	case x.full.Algorithm != "":
		return SourceCheckChecksum + strings.ToLower(x.full.Algorithm)
	case x.composite.Algorithm != "":
		return SourceCheckChecksum + strings.ToLower(x.composite.Algorithm) + SourceCheckCompositeSuffix
	}
	return SourceCheckNone
}

// expect chooses how obj's read is checked, from info (the source's GET or
// HEAD answer): its MD5, else a checksum of the whole content, else a
// composite checksum checked part by part at the source's own part
// boundaries (when the store lists them). With co.RequireSourceCheck, an
// object that allows none fails here, before any byte is read.
func (e *Engine) expect(ctx context.Context, src store.Store, obj, info store.ObjectInfo, co CopyOptions) (expectation, error) {
	x, err := e.chooseCheck(ctx, src, obj, info)
	if err != nil {
		return x, err
	}
	if x.method() == SourceCheckNone && co.RequireSourceCheck {
		return x, &uncheckedError{key: obj.Key, why: x.why}
	}
	return x, nil
}

func (e *Engine) chooseCheck(ctx context.Context, src store.Store, obj, info store.ObjectInfo) (expectation, error) {
	if len(info.ContentMD5) > 0 {
		return expectation{md5: info.ContentMD5}, nil
	}
	for _, alg := range fullOrder {
		for _, c := range info.Checksums {
			if c.Algorithm == alg && !c.Composite() {
				return expectation{full: c}, nil
			}
		}
	}
	var comp store.Checksum
	for _, c := range info.Checksums {
		if c.Composite() && newChecksum(c.Algorithm) != nil {
			comp = c
			break
		}
	}
	etag := firstNonEmpty(info.ETag, obj.ETag)
	if comp.Algorithm == "" {
		return expectation{why: fmt.Sprintf("the source reports no MD5 of the content (its ETag %q is none: a multipart upload, or an encrypted object) and no checksum of it", etag)}, nil
	}
	pl, ok := src.(store.PartLister)
	if !ok {
		return expectation{why: fmt.Sprintf("its only checksum, %s, is composite (of %d parts) and %s cannot list the parts", comp.Algorithm, comp.Parts, src)}, nil
	}
	if err := e.limit.Request(ctx); err != nil {
		return expectation{}, err
	}
	parts, err := pl.ObjectParts(ctx, obj.Key, store.GetOptions{IfMatch: etag, VersionID: firstNonEmpty(info.VersionID, obj.VersionID)})
	if err != nil {
		return expectation{}, sourceGetErr(err)
	}
	if why := partsUsable(comp, parts, obj.Size); why != "" {
		return expectation{why: why}, nil
	}
	if err := compositeMatches(comp, parts); err != nil {
		return expectation{}, fromSource(err)
	}
	return expectation{composite: comp, parts: parts}, nil
}

// partsUsable says why parts cannot check comp, "" when they can: one
// part per part number 1..N, each with its own checksum, adding up to the
// object's size.
func partsUsable(comp store.Checksum, parts []store.ObjectPart, size int64) string {
	if len(parts) != comp.Parts {
		return fmt.Sprintf("its composite %s checksum is of %d parts, and the store lists %d", comp.Algorithm, comp.Parts, len(parts))
	}
	var total int64
	for i, p := range parts {
		if p.Number != i+1 {
			return fmt.Sprintf("the store lists part %d where part %d belongs", p.Number, i+1)
		}
		if checksumValue(p.Checksums, comp.Algorithm) == "" {
			return fmt.Sprintf("its parts carry no %s checksums to check its composite checksum with", comp.Algorithm)
		}
		total += p.Size
	}
	if total != size {
		return fmt.Sprintf("its parts add up to %d bytes, not its %d", total, size)
	}
	return ""
}

// compositeMatches checks that the parts' checksums make up the composite
// checksum: the checksum of their concatenated binary values.
func compositeMatches(comp store.Checksum, parts []store.ObjectPart) error {
	h := newChecksum(comp.Algorithm)
	for _, p := range parts {
		raw, err := base64.StdEncoding.DecodeString(checksumValue(p.Checksums, comp.Algorithm))
		if err != nil {
			return &mismatchError{what: fmt.Sprintf("source part %d %s", p.Number, comp.Algorithm), want: "a base64 value", got: err.Error()}
		}
		h.Write(raw)
	}
	if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != comp.Value {
		return &mismatchError{what: "source composite " + comp.Algorithm + " of the listed parts", want: comp.Value, got: got}
	}
	return nil
}

// prepare makes h compute what x compares. A restored hasher that did not
// compute it from the start cannot: prepare fails, and the copy starts
// over.
func (x expectation) prepare(h *Hasher) error {
	switch {
	case len(x.md5) > 0 && !h.HasMD5():
		return errors.New("hasher: the whole-object MD5 was not computed")
	case x.full.Algorithm != "":
		return h.AddChecksum(x.full.Algorithm)
	case x.composite.Algorithm != "":
		return h.CheckParts(x.composite.Algorithm, x.parts)
	}
	return nil
}

// check compares what h streamed with what x expects and returns the
// record's SourceCheck.
func (x expectation) check(h *Hasher) (string, error) {
	switch {
	case len(x.md5) > 0:
		if got := h.MD5(); !bytes.Equal(got, x.md5) {
			return "", &mismatchError{what: "source MD5", want: hex.EncodeToString(x.md5), got: hex.EncodeToString(got)}
		}
	case x.full.Algorithm != "":
		got, ok := h.Checksum(x.full.Algorithm)
		if !ok {
			return "", fmt.Errorf("hasher: %s was not computed", x.full.Algorithm)
		}
		if got != x.full.Value {
			return "", &mismatchError{what: "source " + x.full.Algorithm, want: x.full.Value, got: got}
		}
	case x.composite.Algorithm != "":
		if err := h.PartsErr(true); err != nil {
			return "", err
		}
	}
	return x.method(), nil
}
