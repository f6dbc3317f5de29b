package codec

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// DefaultMaxRequestBytes bounds a codec server request body.
const DefaultMaxRequestBytes = 32 << 20

// HandlerOptions configure the codec server.
type HandlerOptions struct {
	// Token, when not empty, is required as "Authorization: Bearer <Token>"
	// on every encode and decode request.
	Token string
	// AllowedOrigins are the browser origins (such as the Web UI's,
	// "http://127.0.0.1:8233") that may call the endpoint; the CORS
	// preflight of any other origin gets no CORS headers.
	AllowedOrigins []string
	// MaxRequestBytes bounds a request body; 0 is DefaultMaxRequestBytes.
	MaxRequestBytes int64
}

// Handler serves the codec as a Temporal codec server: POST
// <prefix>/encode and <prefix>/decode with a JSON Payloads body, as the
// Web UI and `temporal --codec-endpoint` call it. It answers CORS
// preflights for the allowed origins and, when a token is set, refuses
// requests without it (401).
func (c *Codec) Handler(opts HandlerOptions) http.Handler {
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	var tokenSum []byte
	if opts.Token != "" {
		s := sha256.Sum256([]byte(opts.Token))
		tokenSum = s[:]
	}
	inner := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(opts.AllowedOrigins, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization, Authorization-Extras")
			h.Set("Access-Control-Max-Age", "600")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/encode") && !strings.HasSuffix(r.URL.Path, "/decode") {
			http.NotFound(w, r)
			return
		}
		if tokenSum != nil && !bearerMatches(r.Header.Get("Authorization"), tokenSum) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ocimove codec"`)
			http.Error(w, "codec: this endpoint needs Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, opts.MaxRequestBytes)
		inner.ServeHTTP(w, r)
	})
}

// bearerMatches reports, in constant time over the token's hash, whether
// header is "Bearer <token>" for the token hashed in want.
func bearerMatches(header string, want []byte) bool {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}
