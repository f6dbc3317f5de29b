package engine

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// TestHasherStateResumes checks that a hasher saved mid-stream and
// restored gives the same sums as one that saw the whole stream: the
// property a resumed multipart upload relies on.
func TestHasherStateResumes(t *testing.T) {
	data := make([]byte, 3<<20+17)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for _, cut := range []int{0, 1, 1 << 20, len(data) - 1, len(data)} {
		h := NewHasher()
		h.Write(data[:cut])
		st, err := h.State()
		require.NoError(t, err)
		h2, err := RestoreHasher(st)
		require.NoError(t, err)
		h2.Write(data[cut:])
		wantMD5, wantSHA := md5.Sum(data), sha256.Sum256(data)
		require.Equal(t, wantMD5[:], h2.MD5(), "cut %d", cut)
		require.Equal(t, wantSHA[:], h2.SHA256(), "cut %d", cut)
		require.Equal(t, int64(len(data)), h2.Size())
	}
}

func TestRestoreHasherRejectsGarbage(t *testing.T) {
	_, err := RestoreHasher(HashState{MD5: []byte("nope"), SHA256: []byte("nope")})
	require.Error(t, err)
}

// TestCRC64NVMEParameters pins the CRC-64/NVME the hasher computes to the
// catalogue's check value and the AWS SDK's test vector.
func TestCRC64NVMEParameters(t *testing.T) {
	h := NewHasher()
	require.NoError(t, h.AddChecksum("CRC64NVME"))
	h.Write([]byte("123456789"))
	v, ok := h.Checksum("CRC64NVME")
	require.True(t, ok)
	require.Equal(t, "rosUhgp5mIg=", v, "0xae8b14860a799888")
	h = NewHasher()
	require.NoError(t, h.AddChecksum("crc64nvme"))
	h.Write([]byte("hello world"))
	v, _ = h.Checksum("CRC64NVME")
	require.Equal(t, "jSnVw/bqjr4=", v)
}

// TestHasherChecksumAndPartStateResumes saves a hasher that computes
// extra checksums and checks parts at every kind of cut (inside a part, on
// a part boundary) and restores it: the sums and part checks come out as
// for one pass, and a part with a wrong checksum is still caught.
func TestHasherChecksumAndPartStateResumes(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	sizes := []int{300, 300, 0, 400}
	parts := func(bad int) []store.ObjectPart {
		var ps []store.ObjectPart
		off := 0
		for i, n := range sizes {
			sum := crc32.Checksum(data[off:off+n], castagnoli)
			if i == bad {
				sum++
			}
			ps = append(ps, store.ObjectPart{Number: i + 1, Size: int64(n),
				Checksums: []store.Checksum{{Algorithm: "CRC32C", Value: base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, sum))}}})
			off += n
		}
		return ps
	}
	one := NewHasher()
	require.NoError(t, one.AddChecksum("CRC32"))
	require.NoError(t, one.AddChecksum("SHA1"))
	one.Write(data)
	for _, cut := range []int{0, 1, 300, 450, 600, 999, 1000} {
		for _, bad := range []int{-1, 3} {
			h := NewHasher()
			require.NoError(t, h.AddChecksum("CRC32"))
			require.NoError(t, h.AddChecksum("SHA1"))
			require.NoError(t, h.CheckParts("CRC32C", parts(bad)))
			h.Write(data[:cut])
			st, err := h.State()
			require.NoError(t, err)
			h2, err := RestoreHasher(st)
			require.NoError(t, err)
			require.NoError(t, h2.AddChecksum("CRC32"), "restored with its state")
			if cut > 0 {
				require.Error(t, h2.AddChecksum("CRC64NVME"), "cut %d: not computed from the start", cut)
			}
			require.NoError(t, h2.CheckParts("CRC32C", parts(bad)), "cut %d", cut)
			h2.Write(data[cut:])
			for _, alg := range []string{"CRC32", "SHA1", "SHA256", "CRC32C"} {
				want, _ := one.Checksum(alg)
				got, ok := h2.Checksum(alg)
				require.True(t, ok)
				require.Equal(t, want, got, "%s after cut %d", alg, cut)
			}
			if bad < 0 {
				require.NoError(t, h2.PartsErr(true), "cut %d", cut)
			} else {
				require.ErrorContains(t, h2.PartsErr(true), "source part 4 CRC32C", "cut %d", cut)
			}
		}
	}
	h := NewHasher()
	require.NoError(t, h.CheckParts("CRC32C", parts(-1)))
	h.Write(data[:999])
	require.ErrorContains(t, h.PartsErr(true), "ends in part 4", "a short stream is caught")
	h = NewHasher()
	require.NoError(t, h.CheckParts("CRC32C", parts(-1)))
	h.Write(data)
	h.Write([]byte{1})
	require.ErrorContains(t, h.PartsErr(false), "more bytes", "a long stream is caught")
	h = NewHasher()
	h.Write(data[:10])
	require.Error(t, h.CheckParts("CRC32C", parts(-1)), "part checks start at the first byte")
}
