package locals3

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strconv"
	"strings"
)

// Checksum types of x-amz-checksum-type.
const (
	checksumFullObject = "FULL_OBJECT"
	checksumComposite  = "COMPOSITE"
)

// More hidden metadata of an object's checksums (see hiddenChecksums).
const (
	// hiddenChecksumType is COMPOSITE for a multipart object whose
	// checksum is made of its parts' checksums; empty means FULL_OBJECT.
	hiddenChecksumType = hiddenPrefix + "Checksum-Type"
	// hiddenParts lists a multipart object's parts in order: "size" or
	// "size:checksum" (base64, of the upload's algorithm), comma-separated.
	hiddenParts = hiddenPrefix + "Parts"
)

// crc64NVME is the CRC-64/NVME polynomial in the reversed (LSB-first) form
// that hash/crc64 takes: the normal form 0xad93d23594c93659 bit-reversed.
// With crc64's initial value and final XOR of all ones it gives the check
// value 0xae8b14860a799888 for "123456789", as S3 and the AWS SDKs do.
const crc64NVME = 0x9a6c9329ac4bc9b5

var (
	castagnoliTable = crc32.MakeTable(crc32.Castagnoli)
	nvmeTable       = crc64.MakeTable(crc64NVME)
)

// newChecksumHash returns the hash of an x-amz-checksum-* algorithm, nil
// for an unknown one.
func newChecksumHash(alg string) hash.Hash {
	switch alg {
	case "CRC32":
		return crc32.NewIEEE()
	case "CRC32C":
		return crc32.New(castagnoliTable)
	case "CRC64NVME":
		return crc64.New(nvmeTable)
	case "SHA1":
		return sha1.New()
	case "SHA256":
		return sha256.New()
	}
	return nil
}

// checksumOf returns the base64 checksum of b with alg.
func checksumOf(alg string, b []byte) string {
	h := newChecksumHash(alg)
	h.Write(b)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// validUploadChecksum checks the checksum algorithm and type a
// CreateMultipartUpload asks for, as S3 does, and returns the type in
// effect: COMPOSITE by default, FULL_OBJECT for CRC64NVME, which has no
// composite form; SHA1 and SHA256 have no full-object form.
func validUploadChecksum(alg, typ string) (string, error) {
	alg, typ = strings.ToUpper(alg), strings.ToUpper(typ)
	if alg == "" {
		if typ != "" {
			return "", fmt.Errorf("x-amz-checksum-type %s needs x-amz-checksum-algorithm", typ)
		}
		return "", nil
	}
	if newChecksumHash(alg) == nil {
		return "", fmt.Errorf("unknown checksum algorithm %s", alg)
	}
	switch typ {
	case "":
		if alg == "CRC64NVME" {
			return checksumFullObject, nil
		}
		return checksumComposite, nil
	case checksumComposite:
		if alg == "CRC64NVME" {
			return "", fmt.Errorf("the CRC64NVME checksum has no COMPOSITE type")
		}
	case checksumFullObject:
		if alg == "SHA1" || alg == "SHA256" {
			return "", fmt.Errorf("the %s checksum has no FULL_OBJECT type", alg)
		}
	default:
		return "", fmt.Errorf("unknown checksum type %s", typ)
	}
	return typ, nil
}

// storedPart is one part of a completed multipart object.
type storedPart struct {
	size     int64
	checksum string // base64, "" when the upload had no algorithm
}

func encodeParts(parts []storedPart) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(p.size, 10))
		if p.checksum != "" {
			b.WriteByte(':')
			b.WriteString(p.checksum)
		}
	}
	return b.String()
}

func decodeParts(s string) []storedPart {
	if s == "" {
		return nil
	}
	var out []storedPart
	for _, f := range strings.Split(s, ",") {
		size, sum, _ := strings.Cut(f, ":")
		n, err := strconv.ParseInt(size, 10, 64)
		if err != nil {
			return nil
		}
		out = append(out, storedPart{size: n, checksum: sum})
	}
	return out
}

// compositeChecksum is S3's COMPOSITE checksum of parts: the checksum, with
// alg, of the concatenated binary part checksums, and "-" and the part
// count.
func compositeChecksum(alg string, parts []storedPart) (string, error) {
	h := newChecksumHash(alg)
	for _, p := range parts {
		raw, err := base64.StdEncoding.DecodeString(p.checksum)
		if err != nil || p.checksum == "" {
			return "", fmt.Errorf("a part has no %s checksum", alg)
		}
		h.Write(raw)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts)), nil
}

// parseChecksums parses hiddenChecksums: "CRC32=v;SHA256=v".
func parseChecksums(s string) map[string]string {
	out := map[string]string{}
	if s == "" {
		return out
	}
	for _, kv := range strings.Split(s, ";") {
		if alg, v, ok := strings.Cut(kv, "="); ok {
			out[alg] = v
		}
	}
	return out
}
