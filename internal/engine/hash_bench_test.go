package engine

import (
	"crypto/md5"
	"crypto/sha256"
	"testing"
)

// BenchmarkHashCeiling is this machine's ceiling for the engine's hashing:
// crypto/md5 then crypto/sha256 over the same 16 MiB buffer, with nothing
// else. Compare with BenchmarkHasher in the same run.
func BenchmarkHashCeiling(b *testing.B) {
	buf := make([]byte, 16<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		md5.Sum(buf)
		sha256.Sum256(buf)
	}
}

// BenchmarkHasher is the engine's Hasher (MD5 + SHA-256 + CRC32C) over the
// same buffer, written in 1 MiB pieces as the copy loop does.
func BenchmarkHasher(b *testing.B) {
	buf := make([]byte, 16<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		h := NewHasher()
		for off := 0; off < len(buf); off += 1 << 20 {
			h.Write(buf[off : off+1<<20])
		}
		h.Sums()
	}
}
