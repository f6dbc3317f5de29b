package engine

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"strings"

	"github.com/ocimove/ocimove/internal/store"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Hasher computes MD5, SHA-256 and CRC32C of a stream in one pass and, on
// request, further checksums the source may vouch for: other checksums of
// the whole stream (CRC32, CRC64NVME, SHA1; see AddChecksum) and checksums
// of its parts at the source's part boundaries (see CheckParts). Its state
// can be saved and restored, so that a resumed multipart upload continues
// every hash from the last finished part instead of re-reading the object.
type Hasher struct {
	md5    hash.Hash
	sha256 hash.Hash
	crc    uint32
	n      int64
	extra  map[string]hash.Hash // by algorithm, upper case
	parts  *partHasher
	// restoredParts is the part state of a restored hasher, until
	// CheckParts takes it up.
	restoredParts *PartState
}

// NewHasher returns an empty Hasher.
func NewHasher() *Hasher {
	return &Hasher{md5: md5.New(), sha256: sha256.New()}
}

// NewHasherWithoutMD5 returns a Hasher that skips the whole-object MD5: for
// a multipart copy whose source vouches for no MD5, where every part is
// MD5-checked on its own and the whole-object MD5 would check nothing. It
// saves a third of a large copy's CPU.
func NewHasherWithoutMD5() *Hasher {
	return &Hasher{sha256: sha256.New()}
}

// HasMD5 reports whether the hasher computes the whole-object MD5.
func (h *Hasher) HasMD5() bool { return h.md5 != nil }

// AddChecksum makes the hasher compute the whole-stream checksum alg too
// (CRC32, CRC32C, CRC64NVME, SHA1 or SHA256; the last two cost nothing
// extra). It must be called before the first Write; on a restored hasher it
// succeeds only if the saved state computed alg.
func (h *Hasher) AddChecksum(alg string) error {
	alg = strings.ToUpper(alg)
	switch alg {
	case "SHA256", "CRC32C":
		return nil
	}
	if _, ok := h.extra[alg]; ok {
		return nil
	}
	if h.n > 0 {
		return fmt.Errorf("hasher: %s was not computed from the start of the stream", alg)
	}
	nh := newChecksum(alg)
	if nh == nil {
		return fmt.Errorf("hasher: unknown checksum algorithm %q", alg)
	}
	if h.extra == nil {
		h.extra = map[string]hash.Hash{}
	}
	h.extra[alg] = nh
	return nil
}

// Checksum returns the base64 checksum alg of what was written, as S3
// encodes it, and whether the hasher computes it.
func (h *Hasher) Checksum(alg string) (string, bool) {
	var sum []byte
	switch alg = strings.ToUpper(alg); alg {
	case "SHA256":
		sum = h.SHA256()
	case "CRC32C":
		sum = binary.BigEndian.AppendUint32(nil, h.crc)
	default:
		x, ok := h.extra[alg]
		if !ok {
			return "", false
		}
		sum = x.Sum(nil)
	}
	return base64.StdEncoding.EncodeToString(sum), true
}

// CheckParts makes the hasher check every part of the stream against the
// part's own checksum alg as its last byte is written; parts are the
// source's part layout, in order, from the first byte. A mismatch is kept
// and reported by PartsErr. On a restored hasher it continues the saved
// part state, which must be for alg and consistent with parts.
func (h *Hasher) CheckParts(alg string, parts []store.ObjectPart) error {
	alg = strings.ToUpper(alg)
	if newChecksum(alg) == nil {
		return fmt.Errorf("hasher: unknown checksum algorithm %q", alg)
	}
	p := &partHasher{alg: alg, parts: parts, h: newChecksum(alg)}
	if h.n > 0 {
		st := h.restoredParts
		if st == nil || st.Algorithm != alg || st.Index > len(parts) {
			return fmt.Errorf("hasher: the %s part checksums were not computed from the start of the stream", alg)
		}
		var at int64
		for _, pt := range parts[:st.Index] {
			at += pt.Size
		}
		if at+st.Offset != h.n || (st.Index < len(parts) && st.Offset > parts[st.Index].Size) {
			return fmt.Errorf("hasher: the saved part state does not match the source's parts")
		}
		if err := p.h.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.State); err != nil {
			return fmt.Errorf("hasher: restore the %s part state: %w", alg, err)
		}
		p.idx, p.off = st.Index, st.Offset
	}
	h.parts, h.restoredParts = p, nil
	return nil
}

// PartsErr returns the first part whose checksum differed, or, when every
// byte has been written (at the end of the stream), a part layout the
// stream did not fill exactly. It is nil when the hasher checks no parts.
func (h *Hasher) PartsErr(atEnd bool) error {
	if h.parts == nil {
		return nil
	}
	if atEnd {
		h.parts.end()
	}
	return h.parts.err
}

// parallelHashMin is the write size from which MD5 and SHA-256 run on two
// cores at once; below it a goroutine costs more than it saves.
const parallelHashMin = 256 << 10

// Write hashes p. It never fails.
func (h *Hasher) Write(p []byte) (int, error) {
	if len(p) >= parallelHashMin {
		done := make(chan struct{})
		go func() {
			h.sha256.Write(p)
			close(done)
		}()
		h.writeRest(p)
		<-done
	} else {
		h.sha256.Write(p)
		h.writeRest(p)
	}
	h.n += int64(len(p))
	return len(p), nil
}

// writeRest feeds every hash but SHA-256.
func (h *Hasher) writeRest(p []byte) {
	if h.md5 != nil {
		h.md5.Write(p)
	}
	h.crc = crc32.Update(h.crc, castagnoli, p)
	for _, x := range h.extra {
		x.Write(p)
	}
	if h.parts != nil {
		h.parts.write(p)
	}
}

// Size returns the bytes hashed so far.
func (h *Hasher) Size() int64 { return h.n }

// MD5 returns the raw MD5 of what was written, or nil if the hasher skips
// it.
func (h *Hasher) MD5() []byte {
	if h.md5 == nil {
		return nil
	}
	return h.md5.Sum(nil)
}

// SHA256 returns the raw SHA-256 of what was written.
func (h *Hasher) SHA256() []byte { return h.sha256.Sum(nil) }

// CRC32C returns the Castagnoli CRC32 of what was written.
func (h *Hasher) CRC32C() uint32 { return h.crc }

// Sums returns the hex MD5 ("" if skipped) and SHA-256.
func (h *Hasher) Sums() (md5hex, sha256hex string) {
	return hex.EncodeToString(h.MD5()), hex.EncodeToString(h.SHA256())
}

// HashState is a Hasher's saved state, small enough for a heartbeat (a few
// hundred bytes whatever the object's size or part count).
type HashState struct {
	MD5    []byte `json:"md5,omitempty"` // nil: the hasher skips MD5
	SHA256 []byte `json:"sha256"`
	CRC32C uint32 `json:"crc32c"`
	Size   int64  `json:"size"`
	// Extra holds the states of the further whole-stream checksums, by
	// algorithm.
	Extra map[string][]byte `json:"extra,omitempty"`
	// Parts is the state of the part checksums, if the hasher checks them.
	Parts *PartState `json:"parts,omitempty"`
}

// PartState is where a Hasher stands in the source's parts: Offset bytes
// into part Index (0-based; the parts before it were checked), with the
// current part's checksum state.
type PartState struct {
	Algorithm string `json:"alg"`
	Index     int    `json:"index"`
	Offset    int64  `json:"offset"`
	State     []byte `json:"state"`
}

// State saves the hasher's state.
func (h *Hasher) State() (HashState, error) {
	var m []byte
	if h.md5 != nil {
		var err error
		if m, err = h.md5.(encoding.BinaryMarshaler).MarshalBinary(); err != nil {
			return HashState{}, fmt.Errorf("save md5 state: %w", err)
		}
	}
	s, err := h.sha256.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return HashState{}, fmt.Errorf("save sha256 state: %w", err)
	}
	st := HashState{MD5: m, SHA256: s, CRC32C: h.crc, Size: h.n}
	for alg, x := range h.extra {
		b, err := x.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return HashState{}, fmt.Errorf("save %s state: %w", alg, err)
		}
		if st.Extra == nil {
			st.Extra = map[string][]byte{}
		}
		st.Extra[alg] = b
	}
	if p := h.parts; p != nil {
		b, err := p.h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return HashState{}, fmt.Errorf("save %s part state: %w", p.alg, err)
		}
		st.Parts = &PartState{Algorithm: p.alg, Index: p.idx, Offset: p.off, State: b}
	}
	return st, nil
}

// RestoreHasher returns a Hasher continuing from st. Part checks resume
// when CheckParts is given the source's parts again.
func RestoreHasher(st HashState) (*Hasher, error) {
	h := NewHasher()
	if st.MD5 == nil {
		h.md5 = nil
	} else if err := h.md5.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.MD5); err != nil {
		return nil, fmt.Errorf("restore md5 state: %w", err)
	}
	if err := h.sha256.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.SHA256); err != nil {
		return nil, fmt.Errorf("restore sha256 state: %w", err)
	}
	for alg, b := range st.Extra {
		x := newChecksum(alg)
		if x == nil {
			return nil, fmt.Errorf("restore: unknown checksum algorithm %q", alg)
		}
		if err := x.(encoding.BinaryUnmarshaler).UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("restore %s state: %w", alg, err)
		}
		if h.extra == nil {
			h.extra = map[string]hash.Hash{}
		}
		h.extra[alg] = x
	}
	h.crc, h.n, h.restoredParts = st.CRC32C, st.Size, st.Parts
	return h, nil
}
