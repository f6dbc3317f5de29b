package localoci

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxClockSkew is how far a request's Date may be from the server's clock.
const maxClockSkew = 5 * time.Minute

// maxHashedBody bounds a body whose x-content-sha256 is checked in memory.
const maxHashedBody = 64 << 20

func errNotAuthenticated(reason string) *apiError {
	// The message is the service's; the reason helps whoever reads the log
	// of a failing test. Neither reveals a key.
	return errf(http.StatusUnauthorized, "NotAuthenticated",
		"The required information to complete authentication was not provided or was incorrect. (%s)", reason)
}

// parseAuthorization splits `Signature version="1",keyId="...",...`.
// A parameter named twice makes the header malformed: the SDK never sends
// one, and the server would otherwise pick one keyId or signature where a
// proxy or log reading the first saw another.
func parseAuthorization(v string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(v, "Signature ")
	if !ok {
		return nil, false
	}
	params := map[string]string{}
	for rest != "" {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		k, after, ok := strings.Cut(rest, "=")
		if !ok || !strings.HasPrefix(after, `"`) {
			return nil, false
		}
		end := strings.IndexByte(after[1:], '"')
		if end < 0 {
			return nil, false
		}
		k = strings.TrimSpace(k)
		if !isParamName(k) {
			return nil, false
		}
		if _, dup := params[k]; dup {
			return nil, false // which keyId (or signature) is meant?
		}
		params[k] = after[1 : 1+end]
		rest = after[2+end:]
	}
	return params, true
}

// isParamName reports whether k is a signature parameter's name: one or
// more letters, digits, '-' or '_' (keyId, headers, algorithm, …).
func isParamName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// authenticate checks the request's OCI HTTP signature (draft-cavage
// "Signature" scheme, rsa-sha256) when public keys are configured.
func (s *Server) authenticate(r *http.Request) *apiError {
	if len(s.cfg.PublicKeys) == 0 {
		return nil
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errNotAuthenticated("missing Authorization header")
	}
	p, ok := parseAuthorization(auth)
	if !ok {
		return errNotAuthenticated("malformed Authorization header")
	}
	if p["version"] != "" && p["version"] != "1" {
		return errNotAuthenticated("unsupported signature version")
	}
	if alg := p["algorithm"]; alg != "rsa-sha256" {
		return errNotAuthenticated("unsupported signature algorithm")
	}
	key, ok := s.cfg.PublicKeys[p["keyId"]]
	if !ok {
		return errNotAuthenticated("unknown keyId")
	}
	sig, err := base64.StdEncoding.DecodeString(p["signature"])
	if err != nil || len(sig) == 0 {
		return errNotAuthenticated("signature is not base64")
	}
	headers := strings.Fields(strings.ToLower(p["headers"]))
	if len(headers) == 0 {
		headers = []string{"date"}
	}
	signed := map[string]bool{}
	for _, h := range headers {
		signed[h] = true
	}
	if !signed["(request-target)"] || !signed["host"] || !(signed["date"] || signed["x-date"]) {
		return errNotAuthenticated("the signature must cover date, (request-target) and host")
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && !signed["x-content-sha256"] {
		return errNotAuthenticated("the signature of a request with a body must cover x-content-sha256")
	}
	dateStr := r.Header.Get("x-date")
	if dateStr == "" {
		dateStr = r.Header.Get("Date")
	}
	date, err := http.ParseTime(dateStr)
	if err != nil {
		return errNotAuthenticated("missing or malformed Date header")
	}
	if skew := s.now().Sub(date); skew > maxClockSkew || skew < -maxClockSkew {
		return errNotAuthenticated("Date header is more than 5 minutes from the server's clock")
	}

	lines := make([]string, len(headers))
	for i, h := range headers {
		var v string
		switch h {
		case "(request-target)":
			v = strings.ToLower(r.Method) + " " + r.RequestURI
		case "host":
			v = r.Host
		case "content-length":
			v = r.Header.Get("Content-Length")
			if v == "" && r.ContentLength >= 0 {
				v = fmt.Sprint(r.ContentLength)
			}
		default:
			v = r.Header.Get(h)
		}
		lines[i] = h + ": " + v
	}
	digest := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return errNotAuthenticated("signature does not verify")
	}

	if signed["x-content-sha256"] {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxHashedBody+1))
		if err != nil {
			return errf(http.StatusBadRequest, "CannotParseRequest", "Cannot read the request body: %v", err)
		}
		if len(body) > maxHashedBody {
			return errf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "A body covered by x-content-sha256 may be at most %d bytes", maxHashedBody)
		}
		sum := sha256.Sum256(body)
		if base64.StdEncoding.EncodeToString(sum[:]) != r.Header.Get("x-content-sha256") {
			return errNotAuthenticated("x-content-sha256 does not match the body")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return nil
}
