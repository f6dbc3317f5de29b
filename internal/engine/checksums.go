package engine

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"

	"github.com/ocimove/ocimove/internal/store"
)

// crc64NVME is the CRC-64/NVME polynomial in the reversed (LSB-first) form
// that hash/crc64 takes: the normal form 0xad93d23594c93659, bit-reversed.
// With crc64's initial value and final XOR of all ones this is the
// CRC-64/NVME of S3 and the AWS SDKs (check value 0xae8b14860a799888 for
// "123456789").
const crc64NVME = 0x9a6c9329ac4bc9b5

var nvmeTable = crc64.MakeTable(crc64NVME)

// newChecksum returns a fresh hash of an S3 checksum algorithm (upper
// case), nil for an unknown one. Every one of them can save and restore
// its state (encoding.BinaryMarshaler).
func newChecksum(alg string) hash.Hash {
	switch alg {
	case "CRC32":
		return crc32.NewIEEE()
	case "CRC32C":
		return crc32.New(castagnoli)
	case "CRC64NVME":
		return crc64.New(nvmeTable)
	case "SHA1":
		return sha1.New()
	case "SHA256":
		return sha256.New()
	}
	return nil
}

// checksumValue returns the value of alg among cs, "" if there is none.
func checksumValue(cs []store.Checksum, alg string) string {
	for _, c := range cs {
		if c.Algorithm == alg && !c.Composite() {
			return c.Value
		}
	}
	return ""
}

// partHasher checks a stream part by part: each of the source's parts
// against its own checksum, as the part's last byte goes by.
type partHasher struct {
	alg   string
	parts []store.ObjectPart
	idx   int   // the current part, 0-based
	off   int64 // bytes of the current part hashed so far
	h     hash.Hash
	err   error // the first mismatch
}

func (p *partHasher) write(b []byte) {
	for p.err == nil {
		// A part is checked once it is whole (zero-length ones at once).
		for p.idx < len(p.parts) && p.off == p.parts[p.idx].Size {
			p.finish()
			if p.err != nil {
				return
			}
		}
		if len(b) == 0 {
			return
		}
		if p.idx >= len(p.parts) {
			p.err = &mismatchError{what: "source size", want: fmt.Sprintf("the %d bytes of its parts", p.total()), got: "more bytes"}
			return
		}
		n := min(int64(len(b)), p.parts[p.idx].Size-p.off)
		p.h.Write(b[:n])
		p.off += n
		b = b[n:]
	}
}

// finish checks the current, whole part and moves to the next.
func (p *partHasher) finish() {
	pt := p.parts[p.idx]
	got := base64.StdEncoding.EncodeToString(p.h.Sum(nil))
	if want := checksumValue(pt.Checksums, p.alg); got != want {
		p.err = &mismatchError{what: fmt.Sprintf("source part %d %s", pt.Number, p.alg), want: want, got: got}
		return
	}
	p.h.Reset()
	p.idx++
	p.off = 0
}

// end checks, at the end of the stream, that it filled every part.
func (p *partHasher) end() {
	p.write(nil)
	if p.err == nil && p.idx < len(p.parts) {
		p.err = &mismatchError{what: "source size", want: fmt.Sprintf("the %d bytes of its parts", p.total()),
			got: fmt.Sprintf("a stream that ends in part %d", p.parts[p.idx].Number)}
	}
}

func (p *partHasher) total() int64 {
	var n int64
	for _, pt := range p.parts {
		n += pt.Size
	}
	return n
}
