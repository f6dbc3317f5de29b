package locals3_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/locals3"
	"github.com/ocimove/ocimove/internal/local/tlsgen"
)

func crc32Of(b []byte) string {
	var s [4]byte
	binary.BigEndian.PutUint32(s[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(s[:])
}

// TestHTTPSTrailingChecksums writes objects and parts through the SDK over
// HTTPS, where it sends them as aws-chunked bodies with their CRC32 as a
// trailer: the endpoint stores the content, not its encoding, and the
// checksum the trailer carried. A body above 1 MiB is spooled to disk.
func TestHTTPSTrailingChecksums(t *testing.T) {
	ca, err := tlsgen.NewCA("locals3 test CA")
	require.NoError(t, err)
	cert, err := ca.Server("127.0.0.1")
	require.NoError(t, err)
	srvTLS, err := cert.ServerTLS()
	require.NoError(t, err)
	srv, err := locals3.New(locals3.Config{Credentials: map[string]string{"AK": "SECRET"}})
	require.NoError(t, err)
	require.NoError(t, srv.CreateBucket("bkt"))

	var mu sync.Mutex
	payloads := map[string]string{} // method + query -> x-amz-content-sha256
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			mu.Lock()
			payloads[r.URL.Path+"?"+r.URL.Query().Get("partNumber")] = r.Header.Get("X-Amz-Content-Sha256")
			mu.Unlock()
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	hs.TLS = srvTLS
	hs.StartTLS()
	t.Cleanup(hs.Close)
	require.True(t, strings.HasPrefix(hs.URL, "https://"))

	c := client(hs.URL, "us-east-1", "AK", "SECRET")
	c = s3.New(c.Options(), func(o *s3.Options) {
		o.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.TLSClientConfig = &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}
		})
	})
	ctx := context.Background()
	small := []byte("over https, with a trailer")
	large := bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16)
	for key, body := range map[string][]byte{"small": small, "large": large} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: bytes.NewReader(body),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		require.NoError(t, err, key)
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		require.NoError(t, err, key)
		assert.Equal(t, crc32Of(body), aws.ToString(head.ChecksumCRC32), key)
		assert.EqualValues(t, len(body), aws.ToInt64(head.ContentLength), key)
		assert.Empty(t, aws.ToString(head.ContentEncoding), "aws-chunked is the request's encoding, not the object's")
		got, _ := getString(t, c, key)
		assert.True(t, got == string(body), "%s: the stored bytes are the content", key)
	}

	part := bytes.Repeat([]byte{'p'}, 5<<20)
	out, err := uploadParts(t, c, "parts", types.ChecksumAlgorithmCrc32, "", nil, part, []byte("tail"))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(aws.ToString(out.ETag), `-2"`), "a two-part ETag: %s", aws.ToString(out.ETag))
	got, _ := getString(t, c, "parts")
	assert.Equal(t, len(part)+4, len(got))

	mu.Lock()
	defer mu.Unlock()
	for _, k := range []string{"/bkt/small?", "/bkt/large?", "/bkt/parts?1", "/bkt/parts?2"} {
		assert.Equal(t, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", payloads[k], "%s was sent with a trailing checksum", k)
	}
}

// chunkedBody encodes content as the SDK's unsigned aws-chunked body, in
// chunks of size n, followed by trailer (a "name:value" line, or none).
func chunkedBody(content []byte, n int, trailer string) []byte {
	var b bytes.Buffer
	for len(content) > 0 {
		c := content[:min(n, len(content))]
		content = content[len(c):]
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(c), c)
	}
	b.WriteString("0\r\n")
	if trailer != "" {
		b.WriteString(trailer + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// TestChunkedBodyIsChecked sends aws-chunked bodies by hand: a trailer
// checksum that does not match the content, a declared trailer missing, a
// length that disagrees and a malformed chunk are refused, and nothing is
// stored; a correct one is stored decoded.
func TestChunkedBodyIsChecked(t *testing.T) {
	_, url := serve(t, locals3.Config{})
	content := []byte("hello, chunked world")
	good := "x-amz-checksum-crc32:" + crc32Of(content)
	for _, tc := range []struct {
		name, key string
		body      []byte
		decoded   int
		code      string
	}{
		{"wrong checksum", "bad-sum", chunkedBody(content, 8, "x-amz-checksum-crc32:"+crc32Of([]byte("other"))), len(content), "BadDigest"},
		{"no trailer", "no-trailer", chunkedBody(content, 8, ""), len(content), "MalformedTrailerError"},
		{"short length", "short", chunkedBody(content, 8, good), len(content) - 1, "IncompleteBody"},
		{"long length", "long", chunkedBody(content, 8, good), len(content) + 1, "IncompleteBody"},
		{"bad chunk size", "bad-size", []byte("zz\r\nhello\r\n0\r\n" + good + "\r\n\r\n"), 5, "InvalidRequest"},
		{"truncated", "truncated", chunkedBody(content, 8, good)[:20], len(content), "IncompleteBody"},
		{"good", "good", chunkedBody(content, 8, good), len(content), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPut, url+"/bkt/"+tc.key, bytes.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
			req.Header.Set("Content-Encoding", "aws-chunked")
			req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(tc.decoded))
			req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			get, err := http.Get(url + "/bkt/" + tc.key)
			require.NoError(t, err)
			stored, _ := io.ReadAll(get.Body)
			get.Body.Close()
			if tc.code == "" {
				require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
				assert.Equal(t, string(content), string(stored))
				assert.Empty(t, get.Header.Get("Content-Encoding"))
				return
			}
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(b))
			assert.Contains(t, string(b), "<Code>"+tc.code+"</Code>")
			assert.Equal(t, http.StatusNotFound, get.StatusCode, "a refused body is not stored")
		})
	}
}
