package locals3

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/smithy-go/encoding/httpbinding"
)

var trickyKeys = []string{"users/0a/a b+c%2F?#&=.json", "a//b/../c/", "\u00e9 e\u0301 \U0001F600", "\x01\x7f\t", "./", "%", "+"}

// FuzzKeyPath checks the S3 key encoding on the request side: any key,
// escaped into a path-style URL as aws-sdk-go-v2 escapes it
// (httpbinding.EscapePath, '/' kept), is split back to exactly the bucket
// and key.
func FuzzKeyPath(f *testing.F) {
	for _, k := range trickyKeys {
		f.Add("bkt", k)
	}
	f.Fuzz(func(t *testing.T, bucket, key string) {
		if bucket == "" {
			return
		}
		for _, c := range bucket {
			if c == '/' {
				return
			}
		}
		u := "http://h/" + httpbinding.EscapePath(bucket, true) + "/" + httpbinding.EscapePath(key, false)
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatalf("the SDK's escaping made a URL Go cannot parse: %q: %v", u, err)
		}
		b, k := splitPath(r)
		if b != bucket || k != key {
			t.Fatalf("%q split as %q %q; want %q %q", u, b, k, bucket, key)
		}
		if key != "" {
			if _, ck := classify(r); ck != key {
				t.Fatalf("classify(%q) key %q; want %q", u, ck, key)
			}
		}
	})
}

// FuzzListKeyEncoding checks the S3 key encoding of listings: what the
// endpoint writes for encoding-type=url (urlEncode) decodes, as s3store
// decodes it (url.QueryUnescape), to exactly the key, for any key; and
// decoding garbage is an error, never a panic.
func FuzzListKeyEncoding(f *testing.F) {
	for _, k := range trickyKeys {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		enc := urlEncode(key)
		got, err := url.QueryUnescape(enc)
		if err != nil || got != key {
			t.Fatalf("urlEncode(%q) = %q decodes to %q (%v)", key, enc, got, err)
		}
		_, _ = url.QueryUnescape(key)
	})
}
