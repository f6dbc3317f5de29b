package bench

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
)

// content is the deterministic pseudo-random body of one object, so that
// any object's SHA-256 can be recomputed without keeping it.
func content(set string, i int) io.Reader {
	var seed [32]byte
	copy(seed[:], set)
	binary.LittleEndian.PutUint64(seed[24:], uint64(i))
	return rand.NewChaCha8(seed)
}

// expectedSHA256 returns the hex SHA-256 of the first size bytes of
// content(set, i).
func expectedSHA256(set string, i int, size int64) string {
	h := sha256.New()
	_, _ = io.CopyN(h, content(set, i), size) // ChaCha8 reads never fail
	return hex.EncodeToString(h.Sum(nil))
}
