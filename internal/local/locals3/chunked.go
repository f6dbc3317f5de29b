package locals3

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// unsignedTrailer is the x-amz-content-sha256 of an aws-chunked body whose
// chunks are unsigned and whose checksums follow as trailers: what the SDK
// sends for PutObject and UploadPart over HTTPS.
const unsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

// spoolInMemory is the largest decoded body kept in memory; larger ones
// are spooled to a temporary file.
const spoolInMemory = 1 << 20

// maxChunkLine bounds a chunk-size or trailer line.
const maxChunkLine = 4096

// chunkedError is why an aws-chunked body was refused, as S3 answers.
type chunkedError struct {
	status        int
	code, message string
}

func (e *chunkedError) Error() string { return e.code + ": " + e.message }

// decodeChunked replaces r's aws-chunked body (x-amz-content-sha256
// STREAMING-UNSIGNED-PAYLOAD-TRAILER) by the content it encodes, and its
// trailers by the headers they stand for (x-amz-checksum-*), so that the
// rest of the endpoint sees the request the SDK sends over plain HTTP: a
// body of x-amz-decoded-content-length bytes with its checksums as
// headers, which are verified against it as it streams. The body is read
// whole first, because the trailers come after it. done releases the
// spool.
func decodeChunked(r *http.Request) (done func(), err error) {
	done = func() {}
	bad := func(code, format string, args ...any) error {
		return &chunkedError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
	}
	want, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
	if err != nil || want < 0 {
		return done, &chunkedError{status: http.StatusLengthRequired, code: "MissingContentLength",
			message: "aws-chunked bodies need x-amz-decoded-content-length"}
	}
	declared := map[string]bool{}
	for _, name := range strings.Split(r.Header.Get("X-Amz-Trailer"), ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		alg, ok := strings.CutPrefix(name, "x-amz-checksum-")
		if !ok || newChecksumHash(strings.ToUpper(alg)) == nil {
			return done, bad("InvalidRequest", "unsupported trailer %q", name)
		}
		declared[name] = true
	}

	var spool io.ReadWriter = &bytes.Buffer{}
	if want > spoolInMemory {
		f, err := os.CreateTemp("", "locals3-chunked-")
		if err != nil {
			return done, &chunkedError{status: http.StatusInternalServerError, code: "InternalError", message: err.Error()}
		}
		done = func() { _ = f.Close(); _ = os.Remove(f.Name()) }
		spool = f
	}
	br := bufio.NewReader(r.Body)
	var got int64
	for {
		line, err := readChunkLine(br)
		if err != nil {
			return done, bad("IncompleteBody", "the aws-chunked body ended early: %v", err)
		}
		sizeHex, _, _ := strings.Cut(line, ";") // a signed chunk's extension
		size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		if err != nil || size < 0 {
			return done, bad("InvalidRequest", "malformed aws-chunked chunk size %q", line)
		}
		if size == 0 {
			break
		}
		if got+size > want {
			return done, bad("IncompleteBody", "the aws-chunked body holds more than x-amz-decoded-content-length (%d) bytes", want)
		}
		if _, err := io.CopyN(spool, br, size); err != nil {
			return done, bad("IncompleteBody", "the aws-chunked body ended within a chunk: %v", err)
		}
		got += size
		if end, err := readChunkLine(br); err != nil || end != "" {
			return done, bad("InvalidRequest", "an aws-chunked chunk does not end with CRLF")
		}
	}
	if got != want {
		return done, bad("IncompleteBody", "the aws-chunked body holds %d bytes, x-amz-decoded-content-length says %d", got, want)
	}
	sent := map[string]string{}
	for {
		line, err := readChunkLine(br)
		if err != nil {
			return done, bad("MalformedTrailerError", "the trailers of the aws-chunked body ended early: %v", err)
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || !declared[name] {
			return done, bad("MalformedTrailerError", "trailer %q is not declared in x-amz-trailer", name)
		}
		sent[name] = strings.TrimSpace(value)
	}
	for name := range declared {
		if sent[name] == "" {
			return done, bad("MalformedTrailerError", "the declared trailer %s is missing", name)
		}
		r.Header.Set(name, sent[name])
	}
	_ = r.Body.Close()
	if f, ok := spool.(*os.File); ok {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return done, &chunkedError{status: http.StatusInternalServerError, code: "InternalError", message: err.Error()}
		}
	}
	r.Body = io.NopCloser(spool)
	r.ContentLength = want
	r.TransferEncoding = nil
	h := r.Header
	h.Set("Content-Length", strconv.FormatInt(want, 10))
	h.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	h.Del("X-Amz-Decoded-Content-Length")
	h.Del("X-Amz-Trailer")
	dropAWSChunked(h)
	return done, nil
}

// dropAWSChunked removes aws-chunked, a transfer framing that is not the
// object's, from h's Content-Encoding (and the header when nothing else is
// left), so that it is never stored with the object.
func dropAWSChunked(h http.Header) {
	var rest []string
	for _, e := range strings.Split(h.Get("Content-Encoding"), ",") {
		if e = strings.TrimSpace(e); e != "" && e != "aws-chunked" {
			rest = append(rest, e)
		}
	}
	if len(rest) == 0 {
		h.Del("Content-Encoding")
	} else {
		h.Set("Content-Encoding", strings.Join(rest, ","))
	}
}

// readChunkLine reads one CRLF-terminated line of an aws-chunked body,
// without its terminator.
func readChunkLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		frag, err := br.ReadSlice('\n')
		b = append(b, frag...)
		if len(b) > maxChunkLine {
			return "", errors.New("line too long")
		}
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
	line, ok := strings.CutSuffix(string(b), "\r\n")
	if !ok {
		return "", errors.New("line does not end with CRLF")
	}
	return line, nil
}
