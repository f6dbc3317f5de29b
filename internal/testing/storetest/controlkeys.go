package storetest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// controlKeys hold characters XML 1.0 cannot carry (S3 lists them only
// URL-encoded) next to ones URL encoding must keep apart ('+', '%', ' ').
var controlKeys = []string{
	"ctl/\x01first",
	"ctl/a\x1fb",
	"ctl/del\x7f",
	"ctl/plain",
	"ctl/sp ace+plus%2B%",
	"ctl/tab\tkey",
}

// testListControlKeys lists keys with control characters page by page and
// from each key on: every key comes back byte for byte, in byte order, and
// names its object.
func testListControlKeys(t *testing.T, h Harness) {
	s := h.New(t)
	for _, k := range controlKeys {
		put(t, s, k, []byte(k), store.PutOptions{})
	}
	want := append([]string(nil), controlKeys...)
	sort.Strings(want)
	objs, pages := listAll(t, s, "ctl/", "", 2)
	assert.Equal(t, want, keysOf(objs))
	assert.GreaterOrEqual(t, pages, 3, "pages of two keys")
	for i, k := range want {
		after, _ := listAll(t, s, "ctl/", k, 0)
		assert.Equalf(t, nilIfEmpty(want[i+1:]), nilIfEmpty(keysOf(after)), "startAfter %q", k)
		info, err := s.Head(ctx(t), k)
		require.NoErrorf(t, err, "head %q", k)
		assert.Equal(t, int64(len(k)), info.Size)
	}
}

// contentChecksum returns a hash of an S3 checksum algorithm, nil for an
// unknown one.
func contentChecksum(alg string) hash.Hash {
	switch alg {
	case "CRC32":
		return crc32.NewIEEE()
	case "CRC32C":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "CRC64NVME":
		return crc64.New(crc64.MakeTable(0x9a6c9329ac4bc9b5))
	case "SHA1":
		return sha1.New()
	case "SHA256":
		return sha256.New()
	}
	return nil
}

// testChecksumsAreOfContent: every whole-content checksum a store reports
// on Head and Get is the checksum of the object's bytes (readers check
// their reads against them).
func testChecksumsAreOfContent(t *testing.T, h Harness) {
	s := h.New(t)
	data := []byte("checksummed content, read back and compared\n")
	put(t, s, "sum/object", data, store.PutOptions{})
	hinfo, err := s.Head(ctx(t), "sum/object")
	require.NoError(t, err)
	_, ginfo := getAll(t, s, "sum/object", store.GetOptions{})
	for op, cs := range map[string][]store.Checksum{"head": hinfo.Checksums, "get": ginfo.Checksums} {
		for _, c := range cs {
			if c.Composite() {
				continue
			}
			hh := contentChecksum(c.Algorithm)
			require.NotNilf(t, hh, "%s reports unknown checksum algorithm %q", op, c.Algorithm)
			hh.Write(data)
			assert.Equalf(t, base64.StdEncoding.EncodeToString(hh.Sum(nil)), c.Value, "%s %s", op, c.Algorithm)
		}
	}
}
