package engine

import (
	"crypto/md5"
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
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
