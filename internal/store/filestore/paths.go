package filestore

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Keys are paths below the root: each '/'-separated segment is a file or
// directory name, as written, unless it must be escaped: a '%', a control
// character, "." and ".." are written %XX, and an empty segment is
// emptySegment. A name holding '%' not followed by two hex digits is
// therefore never a key's: such names are the store's own.
const (
	// emptySegment is the name of an empty segment ("a//b", "dir/").
	emptySegment = "%_"
	// selfName holds the object whose key is a directory's path: key
	// "a" when "a/b" exists.
	selfName = "%="
	// metaSuffix names an object's metadata, beside it: "<name>%m".
	metaSuffix = "%m"
	// lockName is the root's lock file.
	lockName = "%lock"
	// tmpDir holds files being written, renamed into place when done.
	tmpDir = "%tmp"
	// uploadsDir holds the open multipart uploads, one directory each.
	uploadsDir = "%uploads"
	// maxName bounds an escaped segment, as most filesystems do.
	maxName = 255 - len(metaSuffix)
)

var errInvalidKey = errors.New("the key cannot be a path below the root")

// segmentName escapes one key segment as a file name.
func segmentName(seg string) string {
	switch seg {
	case "":
		return emptySegment
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '%' || c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// segmentOf returns the key segment a file name holds, and false for the
// store's own names.
func segmentOf(name string) (string, bool) {
	if name == emptySegment {
		return "", true
	}
	if !strings.Contains(name, "%") {
		return name, true
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(name) || !isHex(name[i+1]) || !isHex(name[i+2]) {
			return "", false
		}
		b.WriteByte(unhex(name[i+1])<<4 | unhex(name[i+2]))
		i += 2
	}
	return b.String(), true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// relPath returns the path of key below the root, its segments escaped.
func relPath(key string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("%w: it is empty", errInvalidKey)
	}
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = segmentName(s)
		if len(segs[i]) > maxName {
			return "", fmt.Errorf("%w: a segment is longer than %d bytes once escaped", errInvalidKey, maxName)
		}
	}
	return filepath.Join(segs...), nil
}
