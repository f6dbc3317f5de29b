package locals3

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// authFailure is why a request was refused.
type authFailure struct {
	status  int
	code    string
	message string
	region  string
}

// sigV4 is the parsed Authorization header of an AWS SigV4 request.
type sigV4 struct {
	accessKey     string
	date          string
	region        string
	service       string
	signedHeaders []string
	signature     string
}

const sigV4Algorithm = "AWS4-HMAC-SHA256"

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AK/20060102/region/s3/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (sigV4, error) {
	var s sigV4
	rest, ok := strings.CutPrefix(h, sigV4Algorithm+" ")
	if !ok {
		return s, fmt.Errorf("only %s is supported", sigV4Algorithm)
	}
	for _, field := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch k {
		case "Credential":
			parts := strings.Split(v, "/")
			if len(parts) != 5 || parts[4] != "aws4_request" {
				return s, fmt.Errorf("malformed Credential %q", v)
			}
			s.accessKey, s.date, s.region, s.service = parts[0], parts[1], parts[2], parts[3]
		case "SignedHeaders":
			s.signedHeaders = strings.Split(v, ";")
		case "Signature":
			s.signature = v
		}
	}
	if s.accessKey == "" || len(s.signedHeaders) == 0 || s.signature == "" {
		return s, fmt.Errorf("the Authorization header needs Credential, SignedHeaders and Signature")
	}
	return s, nil
}

// authenticate checks r's SigV4 signature by re-signing a copy of it with the
// SDK's own signer and the secret configured for its access key.
func (s *Server) authenticate(r *http.Request) *authFailure {
	if len(s.cfg.Credentials) == 0 {
		return nil
	}
	deny := func(status int, code, msg string) *authFailure {
		return &authFailure{status: status, code: code, message: msg}
	}
	authz := r.Header.Get("Authorization")
	if authz == "" {
		if r.URL.Query().Get("X-Amz-Signature") != "" {
			return deny(http.StatusForbidden, "AccessDenied", "Presigned URLs are not supported by this endpoint.")
		}
		return deny(http.StatusForbidden, "AccessDenied", "Anonymous access is not allowed; sign requests with AWS SigV4.")
	}
	sig, err := parseAuthorization(authz)
	if err != nil {
		return deny(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; "+err.Error())
	}
	secret, ok := s.cfg.Credentials[sig.accessKey]
	if !ok {
		return deny(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
	if sig.region != s.cfg.Region {
		f := deny(http.StatusBadRequest, "AuthorizationHeaderMalformed",
			fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", sig.region, s.cfg.Region))
		f.region = s.cfg.Region
		return f
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signingTime, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return deny(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid X-Amz-Date header.")
	}
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		return deny(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	}

	// Build the copy from the signed headers only, and the path exactly as
	// sent (Opaque), so the signer's canonical request matches the client's.
	rawPath := r.RequestURI
	if i := strings.IndexByte(rawPath, '?'); i >= 0 {
		rawPath = rawPath[:i]
	}
	u := &url.URL{Scheme: "http", Host: r.Host, Opaque: rawPath, RawQuery: r.URL.RawQuery}
	cp, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return deny(http.StatusBadRequest, "InvalidURI", "Couldn't parse the specified URI.")
	}
	cp.URL = u
	cp.Host = r.Host
	for _, h := range sig.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			cp.ContentLength = r.ContentLength
		default:
			if vs, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
				cp.Header[http.CanonicalHeaderKey(h)] = vs
			} else if h == "transfer-encoding" && len(r.TransferEncoding) > 0 {
				cp.Header.Set("Transfer-Encoding", strings.Join(r.TransferEncoding, ","))
			}
		}
	}
	creds := aws.Credentials{AccessKeyID: sig.accessKey, SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), creds, cp, payloadHash, sig.service, sig.region, signingTime); err != nil {
		return deny(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature could not be computed: "+err.Error())
	}
	want, err := parseAuthorization(cp.Header.Get("Authorization"))
	if err != nil || subtle.ConstantTimeCompare([]byte(want.signature), []byte(sig.signature)) != 1 ||
		strings.Join(want.signedHeaders, ";") != strings.Join(sig.signedHeaders, ";") {
		return deny(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	return nil
}
