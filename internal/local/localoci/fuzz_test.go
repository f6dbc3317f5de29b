package localoci

import (
	"bytes"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"

	"github.com/ocimove/ocimove/internal/local/faults"
)

// FuzzParseTarget feeds arbitrary request paths to the router's parser:
// it never panics, and what it accepts is a resource it knows.
func FuzzParseTarget(f *testing.F) {
	for _, p := range []string{"/n", "/n/ns", "/n/ns/b", "/n/ns/b/bkt", "/n/ns/b/bkt/o", "/n/ns/b/bkt/o/a%2Fb%20c",
		"/n/ns/b/bkt/u/x", "/n/ns/b/bkt/replicationPolicies/id", "/n/%zz/b", "/n/ns/b/bkt/o/%", "/n//b/x"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		r, err := http.NewRequest(http.MethodGet, "http://h"+p, nil)
		if err != nil {
			return
		}
		tg, ok := parseTarget(r)
		if !ok {
			return
		}
		switch tg.resource {
		case "", "b", "o", "u", "replicationPolicies", "retentionRules", "namespace":
		default:
			t.Fatalf("unknown resource %q from %q", tg.resource, p)
		}
		if tg.hasName && (tg.resource == "replicationPolicies" || tg.resource == "retentionRules") && strings.Contains(tg.object, "/") {
			t.Fatalf("a policy id with '/' from %q", p)
		}
		_, _ = classify(r)
	})
}

// FuzzObjectNamePath checks the OCI key encoding end to end on the
// endpoint's side: any namespace, bucket and object name, escaped as the
// OCI SDK escapes path parameters (url.PathEscape), parses back to exactly
// the same strings.
func FuzzObjectNamePath(f *testing.F) {
	f.Add("ns", "bkt", "users/0a/a b+c%2F?#&=.json")
	f.Add("ns", "bkt", "a//b/../c/")
	f.Add("ns", "bkt", "\u00e9 e\u0301 \U0001F600")
	f.Add("ns", "bkt", "\x01\x7f")
	f.Fuzz(func(t *testing.T, ns, bucket, name string) {
		if ns == "" || bucket == "" {
			return
		}
		for _, res := range []string{"o", "u"} {
			u := "http://h/n/" + url.PathEscape(ns) + "/b/" + url.PathEscape(bucket) + "/" + res + "/" + url.PathEscape(name)
			r, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				t.Fatalf("the SDK's escaping made a URL Go cannot parse: %q: %v", u, err)
			}
			tg, ok := parseTarget(r)
			if !ok {
				t.Fatalf("parseTarget refused %q", u)
			}
			if tg.ns != ns || tg.bucket != bucket || tg.resource != res || (name != "" && (!tg.hasName || tg.object != name)) {
				t.Fatalf("%q parsed as %+v; want ns %q bucket %q %s %q", u, tg, ns, bucket, res, name)
			}
			if res == "o" && name != "" {
				if _, key := classify(r); key != name {
					t.Fatalf("classify(%q) key %q; want %q", u, key, name)
				}
			}
		}
	})
}

// FuzzParseAuthorization feeds arbitrary Authorization headers to the
// parser: no panic, and what parses round-trips through its canonical
// form.
func FuzzParseAuthorization(f *testing.F) {
	f.Add(`Signature version="1",headers="date (request-target) host",keyId="t/u/f",algorithm="rsa-sha256",signature="AAAA"`)
	f.Add(`Signature a="`)
	f.Add(`Signature ,, a="b" ,c="d"`)
	f.Add(`Bearer x`)
	f.Fuzz(func(t *testing.T, v string) {
		p, ok := parseAuthorization(v)
		if !ok {
			return
		}
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + `="` + p[k] + `"`
		}
		again, ok := parseAuthorization("Signature " + strings.Join(parts, ","))
		if !ok || !reflect.DeepEqual(p, again) {
			t.Fatalf("%q parsed as %v, its canonical form as %v (%v)", v, p, again, ok)
		}
	})
}

// signedReq is one request signed by the real OCI SDK signer: what the
// server sees of it.
type signedReq struct {
	method, uri, host, date, keyID, headers, sig string
}

// signedFixture is the requests of signedCases, signed by the real OCI SDK
// signer with the committed test key (testdata/fuzz-signing-key.pem, so
// that the signatures, like the committed corpus that holds them, are the
// same on every run), and the server that holds its public key.
type signedFixture struct {
	srv         *Server
	keyID, date string
	reqs        []signedReq
}

// signedCases are the requests the fixture signs: method, URL, and whether
// the SDK signs it as it signs PutObject and UploadPart (body not hashed).
var signedCases = []struct {
	method, url string
	excludeBody bool
}{
	{http.MethodGet, "http://127.0.0.1:1/n/ocimove/b/bkt/o/users%2F0a%2Fa%20b", false},
	{http.MethodHead, "http://127.0.0.1:1/n/ocimove/b/bkt/o/users%2F0a%2Fcaf%C3%A9%2B%3F%23%26%3D.json", false},
	{http.MethodPut, "http://localhost:8080/n/ocimove/b/bkt/o/users%2F0a%2Fnew.json", true},
	{http.MethodPut, "http://127.0.0.1:1/n/ocimove/b/bkt/u/users%2F0a%2Fbig.bin?uploadId=7c1d&uploadPartNum=3", true},
	{http.MethodDelete, "http://127.0.0.1:1/n/ocimove/b/bkt/o/users%2F0a%2Fold", false},
	{http.MethodGet, "http://127.0.0.1:1/n/ocimove/b/bkt/o?prefix=users%2F0a%2F&start=users%2F0a%2Fm&limit=1000&fields=name%2Csize%2Cmd5", false},
	{http.MethodGet, "http://127.0.0.1:1/n/", false},
}

var (
	signedOnce sync.Once
	signed     signedFixture
	signedErr  error
)

// signedRequest returns the fixture, made once per test binary.
func signedRequest(f *testing.F) signedFixture {
	signedOnce.Do(func() { signed, signedErr = newSignedFixture() })
	if signedErr != nil {
		f.Fatalf("sign requests with the OCI SDK: %v", signedErr)
	}
	return signed
}

// newSignedFixture signs signedCases with the committed test key at a
// fixed date and starts a server whose clock stands at that date.
func newSignedFixture() (signedFixture, error) {
	keyPEM, err := os.ReadFile(filepath.Join("testdata", "fuzz-signing-key.pem"))
	if err != nil {
		return signedFixture{}, fmt.Errorf("read the test key: %w", err)
	}
	blk, _ := pem.Decode(keyPEM)
	if blk == nil {
		return signedFixture{}, errors.New("testdata/fuzz-signing-key.pem holds no PEM block")
	}
	key, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		return signedFixture{}, fmt.Errorf("parse the test key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return signedFixture{}, fmt.Errorf("encode the test key's public half: %w", err)
	}
	sum := md5.Sum(der)
	fp := make([]string, len(sum))
	for i, b := range sum {
		fp[i] = hex.EncodeToString([]byte{b})
	}
	prov := common.NewRawConfigurationProvider("ocid1.tenancy.oc1..aaaaaaaafuzz", "ocid1.user.oc1..aaaaaaaafuzz", "us-ashburn-1",
		strings.Join(fp, ":"), string(keyPEM), nil)
	keyID, err := prov.KeyID()
	if err != nil {
		return signedFixture{}, fmt.Errorf("the test key's id: %w", err)
	}
	srv, err := New(Config{Region: "us-ashburn-1", PublicKeys: map[string]*rsa.PublicKey{keyID: &key.PublicKey}})
	if err != nil {
		return signedFixture{}, fmt.Errorf("start the server: %w", err)
	}
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	srv.now = func() time.Time { return at }
	fx := signedFixture{srv: srv, keyID: keyID, date: at.Format(http.TimeFormat)}
	for _, c := range signedCases {
		req, err := http.NewRequest(c.method, c.url, nil)
		if err != nil {
			return signedFixture{}, fmt.Errorf("request %s %s: %w", c.method, c.url, err)
		}
		req.Header.Set("Date", fx.date)
		signer := common.DefaultRequestSigner(prov)
		if c.excludeBody {
			signer = common.RequestSignerExcludeBody(prov)
		}
		if err := signer.Sign(req); err != nil {
			return signedFixture{}, fmt.Errorf("sign %s %s: %w", c.method, c.url, err)
		}
		p, ok := parseAuthorization(req.Header.Get("Authorization"))
		if !ok || p["keyId"] != keyID {
			return signedFixture{}, fmt.Errorf("the SDK's Authorization header does not parse: %q", req.Header.Get("Authorization"))
		}
		fx.reqs = append(fx.reqs, signedReq{method: req.Method, uri: req.URL.RequestURI(), host: req.URL.Host,
			date: req.Header.Get("Date"), keyID: p["keyId"], headers: p["headers"], sig: p["signature"]})
	}
	return fx, nil
}

// request builds the request the server sees: the given method, target,
// host and Date, and an Authorization header spliced from the given key
// id, header list and signature.
func (s signedFixture) request(method, uri, host, date, keyID, headers, sig string) *http.Request {
	r := &http.Request{Method: method, RequestURI: uri, Host: host, Header: http.Header{}, Body: http.NoBody}
	r.Header.Set("Date", date)
	r.Header.Set("Authorization", `Signature version="1",headers="`+headers+`",keyId="`+keyID+`",algorithm="rsa-sha256",signature="`+sig+`"`)
	return r
}

// signs reports whether q is one of the fixture's signed requests, up to
// the method's case and the header list's case and spacing, with exactly
// its signature bytes.
func (s signedFixture) signs(q signedReq) bool {
	got, _ := base64.StdEncoding.DecodeString(q.sig)
	norm := func(h string) string { return strings.Join(strings.Fields(strings.ToLower(h)), " ") }
	for _, r := range s.reqs {
		want, _ := base64.StdEncoding.DecodeString(r.sig)
		if strings.EqualFold(q.method, r.method) && q.uri == r.uri && q.host == r.host && q.date == r.date && q.keyID == r.keyID &&
			norm(q.headers) == norm(r.headers) && bytes.Equal(got, want) {
			return true
		}
	}
	return false
}

// FuzzSignatureCheck varies every part of requests the real OCI SDK
// signed: method, target, host, date, key id, signed header list and
// signature. Every untouched request authenticates; any request that
// authenticates is one of the signed requests, with exactly its method,
// target, host, date, key id, header list and signature bytes: a changed
// request never passes on another request's signature (nor on a
// signature of the same key over another request), and a rejected
// signature never authenticates.
func FuzzSignatureCheck(f *testing.F) {
	s := signedRequest(f)
	for _, r := range s.reqs {
		if aerr := s.srv.authenticate(s.request(r.method, r.uri, r.host, r.date, r.keyID, r.headers, r.sig)); aerr != nil {
			f.Fatalf("the SDK-signed %s %s does not authenticate: %v", r.method, r.uri, aerr)
		}
		f.Add(r.method, r.uri, r.host, r.date, r.keyID, r.headers, r.sig)
	}
	r := s.reqs[0]
	f.Add("PUT", r.uri, r.host, r.date, r.keyID, r.headers, r.sig)
	f.Add(r.method, r.uri+"x", r.host, r.date, r.keyID, r.headers, r.sig)
	f.Add(r.method, r.uri, r.host, r.date, r.keyID, "date host", r.sig)
	f.Add(r.method, r.uri, r.host, r.date, r.keyID, r.headers, "A"+r.sig[1:])
	f.Fuzz(func(t *testing.T, method, uri, host, date, keyID, headers, sig string) {
		r := s.request(method, uri, host, date, keyID, headers, sig)
		if aerr := s.srv.authenticate(r); aerr != nil {
			if aerr.Status != http.StatusUnauthorized && aerr.Status != http.StatusBadRequest {
				t.Fatalf("a refused signature answered %d", aerr.Status)
			}
			return
		}
		// The key id, header list and signature are spliced into the
		// Authorization header unquoted, so a '"' in one ends its
		// parameter and can start another (`<id>",extra="x`): what
		// authenticated is the parameters the header holds, which the
		// signature check sees, not the strings as given.
		auth, _ := parseAuthorization(r.Header.Get("Authorization"))
		q := signedReq{method: method, uri: uri, host: host, date: date, keyID: auth["keyId"], headers: auth["headers"], sig: auth["signature"]}
		if !s.signs(q) {
			t.Fatalf("a changed request authenticated: %s %q host %q date %q Authorization %q", method, uri, host, date, r.Header.Get("Authorization"))
		}
	})
}

// FuzzHandlerUnsigned sends arbitrary requests without a valid signature
// through the whole handler (fault middleware, signature check, router):
// it never panics and never answers 2xx outside the fault admin endpoint.
func FuzzHandlerUnsigned(f *testing.F) {
	s := signedRequest(f)
	h := s.srv.Handler()
	f.Add("GET", "/n/ocimove/b/bkt/o/x", "", []byte(nil))
	f.Add("PUT", "/n/ocimove/b/bkt/o/a%20b", `Signature version="1",keyId="`+s.keyID+`",algorithm="rsa-sha256",signature="AAAA",headers="date (request-target) host"`, []byte("body"))
	f.Add("POST", "/n/ocimove/b", "Signature", []byte(`{"name":"b"}`))
	f.Add("GET", "/n", `Signature headers="",signature=""`, []byte(nil))
	f.Fuzz(func(t *testing.T, method, p, auth string, body []byte) {
		r, err := http.NewRequest(method, "http://h"+p, bytes.NewReader(body))
		if err != nil {
			return
		}
		r.RequestURI = r.URL.RequestURI()
		r.Header.Set("Date", s.date)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code < 400 && !strings.HasPrefix(r.URL.Path, faults.AdminPath) {
			t.Fatalf("%s %q with Authorization %q answered %d", method, p, auth, w.Code)
		}
	})
}
