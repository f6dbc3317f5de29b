package engine

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Hasher computes MD5, SHA-256 and CRC32C of a stream in one pass. Its
// state can be saved and restored, so that a resumed multipart upload
// continues the whole-object hashes from the last finished part instead of
// re-reading the object.
type Hasher struct {
	md5    hash.Hash
	sha256 hash.Hash
	crc    uint32
	n      int64
}

// NewHasher returns an empty Hasher.
func NewHasher() *Hasher {
	return &Hasher{md5: md5.New(), sha256: sha256.New()}
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
		h.md5.Write(p)
		h.crc = crc32.Update(h.crc, castagnoli, p)
		<-done
	} else {
		h.md5.Write(p)
		h.sha256.Write(p)
		h.crc = crc32.Update(h.crc, castagnoli, p)
	}
	h.n += int64(len(p))
	return len(p), nil
}

// Size returns the bytes hashed so far.
func (h *Hasher) Size() int64 { return h.n }

// MD5 returns the raw MD5 of what was written.
func (h *Hasher) MD5() []byte { return h.md5.Sum(nil) }

// SHA256 returns the raw SHA-256 of what was written.
func (h *Hasher) SHA256() []byte { return h.sha256.Sum(nil) }

// CRC32C returns the Castagnoli CRC32 of what was written.
func (h *Hasher) CRC32C() uint32 { return h.crc }

// Sums returns the hex MD5 and SHA-256.
func (h *Hasher) Sums() (md5hex, sha256hex string) {
	return hex.EncodeToString(h.MD5()), hex.EncodeToString(h.SHA256())
}

// HashState is a Hasher's saved state, small enough for a heartbeat.
type HashState struct {
	MD5    []byte `json:"md5"`
	SHA256 []byte `json:"sha256"`
	CRC32C uint32 `json:"crc32c"`
	Size   int64  `json:"size"`
}

// State saves the hasher's state.
func (h *Hasher) State() (HashState, error) {
	m, err := h.md5.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return HashState{}, fmt.Errorf("save md5 state: %w", err)
	}
	s, err := h.sha256.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return HashState{}, fmt.Errorf("save sha256 state: %w", err)
	}
	return HashState{MD5: m, SHA256: s, CRC32C: h.crc, Size: h.n}, nil
}

// RestoreHasher returns a Hasher continuing from st.
func RestoreHasher(st HashState) (*Hasher, error) {
	h := NewHasher()
	if err := h.md5.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.MD5); err != nil {
		return nil, fmt.Errorf("restore md5 state: %w", err)
	}
	if err := h.sha256.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.SHA256); err != nil {
		return nil, fmt.Errorf("restore sha256 state: %w", err)
	}
	h.crc, h.n = st.CRC32C, st.Size
	return h, nil
}
