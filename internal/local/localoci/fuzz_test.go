package localoci

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
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

// signedFixture is one request signed by the real OCI SDK signer, and the
// server that holds its public key.
type signedFixture struct {
	srv                                 *Server
	method, uri, host, date, keyID, sig string
	headers                             string
}

var (
	signedOnce sync.Once
	signed     signedFixture
	signedErr  error
)

func signedRequest(f *testing.F) signedFixture {
	signedOnce.Do(func() {
		creds, err := WriteTestCredentials(f.TempDir(), "us-ashburn-1")
		if err != nil {
			signedErr = err
			return
		}
		srv, err := New(Config{Region: "us-ashburn-1", PublicKeys: map[string]*rsa.PublicKey{creds.KeyID: creds.PublicKey}})
		if err != nil {
			signedErr = err
			return
		}
		prov, err := common.ConfigurationProviderFromFileWithProfile(creds.ConfigPath, creds.Profile, "")
		if err != nil {
			signedErr = err
			return
		}
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/n/ocimove/b/bkt/o/users%2F0a%2Fa%20b", nil)
		req.Header.Set("Date", time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Format(http.TimeFormat))
		if signedErr = common.DefaultRequestSigner(prov).Sign(req); signedErr != nil {
			return
		}
		p, ok := parseAuthorization(req.Header.Get("Authorization"))
		if !ok {
			signedErr = os.ErrInvalid
			return
		}
		date, _ := http.ParseTime(req.Header.Get("Date"))
		srv.now = func() time.Time { return date }
		signed = signedFixture{srv: srv, method: req.Method, uri: req.URL.RequestURI(), host: req.URL.Host,
			date: req.Header.Get("Date"), keyID: p["keyId"], sig: p["signature"], headers: p["headers"]}
	})
	if signedErr != nil {
		f.Fatalf("sign a request with the OCI SDK: %v", signedErr)
	}
	return signed
}

func (s signedFixture) request(method, uri, host, date, keyID, headers, sig string) *http.Request {
	r := &http.Request{Method: method, RequestURI: uri, Host: host, Header: http.Header{}, Body: http.NoBody}
	r.Header.Set("Date", date)
	r.Header.Set("Authorization", `Signature version="1",headers="`+headers+`",keyId="`+keyID+`",algorithm="rsa-sha256",signature="`+sig+`"`)
	return r
}

// FuzzSignatureCheck varies every part of a request the real OCI SDK
// signed: its method, target, host, date, key id, signed header list and
// signature. The untouched request authenticates; any request that
// authenticates carries exactly the signed method, target, host, date, key
// id, header list and signature bytes: a changed request never passes on
// another request's signature, and a rejected signature never
// authenticates.
func FuzzSignatureCheck(f *testing.F) {
	s := signedRequest(f)
	if aerr := s.srv.authenticate(s.request(s.method, s.uri, s.host, s.date, s.keyID, s.headers, s.sig)); aerr != nil {
		f.Fatalf("the SDK-signed request does not authenticate: %v", aerr)
	}
	f.Add(s.method, s.uri, s.host, s.date, s.keyID, s.headers, s.sig)
	f.Add("PUT", s.uri, s.host, s.date, s.keyID, s.headers, s.sig)
	f.Add(s.method, s.uri+"x", s.host, s.date, s.keyID, s.headers, s.sig)
	f.Add(s.method, s.uri, s.host, s.date, s.keyID, "date host", s.sig)
	f.Add(s.method, s.uri, s.host, s.date, s.keyID, s.headers, "A"+s.sig[1:])
	want, _ := base64.StdEncoding.DecodeString(s.sig)
	f.Fuzz(func(t *testing.T, method, uri, host, date, keyID, headers, sig string) {
		r := s.request(method, uri, host, date, keyID, headers, sig)
		if aerr := s.srv.authenticate(r); aerr != nil {
			if aerr.Status != http.StatusUnauthorized && aerr.Status != http.StatusBadRequest {
				t.Fatalf("a refused signature answered %d", aerr.Status)
			}
			return
		}
		got, _ := base64.StdEncoding.DecodeString(sig)
		if !strings.EqualFold(method, s.method) || uri != s.uri || host != s.host || date != s.date || keyID != s.keyID ||
			strings.Join(strings.Fields(strings.ToLower(headers)), " ") != strings.Join(strings.Fields(strings.ToLower(s.headers)), " ") ||
			!bytes.Equal(got, want) {
			t.Fatalf("a changed request authenticated: %s %q host %q date %q key %q headers %q", method, uri, host, date, keyID, headers)
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
