package filestore

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ocimove/ocimove/internal/store"
)

// meta is what the store keeps beside an object it wrote: what it hashed
// the content to, and the object's metadata. An object whose file was
// changed since (another size or modification time) is read as a file
// the store did not write.
type meta struct {
	Size     int64          `json:"size"`
	ModNanos int64          `json:"modNanos"` // the data file's modification time once written
	ETag     string         `json:"etag"`
	MD5      string         `json:"md5"`    // hex, of the whole content
	SHA256   string         `json:"sha256"` // hex, of the whole content
	Parts    int            `json:"parts,omitempty"`
	Written  time.Time      `json:"written"`
	Metadata store.Metadata `json:"metadata"`
}

// object is one stored object: its data file and what is known of it.
type object struct {
	data string // the data file
	st   os.FileInfo
	meta *meta // nil for a file the store did not write (or changed since)
}

// info describes the object as key.
func (o object) info(key string) store.ObjectInfo {
	info := store.ObjectInfo{Key: key, Size: o.st.Size(), LastModified: o.st.ModTime().UTC()}
	if o.meta == nil {
		// A file as it is: its ETag changes whenever its size or
		// modification time does.
		info.ETag = fmt.Sprintf("f%x-%x", o.st.Size(), o.st.ModTime().UnixNano())
		return info
	}
	m := o.meta
	info.ETag, info.LastModified, info.Metadata = m.ETag, m.Written, m.Metadata
	info.ContentMD5, _ = hex.DecodeString(m.MD5)
	if sum, err := hex.DecodeString(m.SHA256); err == nil && len(sum) > 0 {
		info.Checksums = []store.Checksum{{Algorithm: "SHA256", Value: b64(sum)}}
	}
	return info
}

// readMeta returns the metadata of the data file at path if it still
// describes the file.
func readMeta(path string, st os.FileInfo) *meta {
	b, err := os.ReadFile(path + metaSuffix)
	if err != nil {
		return nil
	}
	var m meta
	if json.Unmarshal(b, &m) != nil || m.Size != st.Size() || m.ModNanos != st.ModTime().UnixNano() {
		return nil
	}
	return &m
}
