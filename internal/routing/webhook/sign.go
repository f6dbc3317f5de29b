package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Protocol headers.
const (
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256.
	HeaderSignature = "X-Signature-256"
	// HeaderTimestamp carries the signing time in Unix seconds.
	HeaderTimestamp = "X-Ocimove-Timestamp"
	// DefaultMaxSkew is how far a request's timestamp may be from the
	// receiver's clock.
	DefaultMaxSkew = 5 * time.Minute
)

// ErrBadSignature: a request's signature or timestamp is missing, wrong or
// too old.
var ErrBadSignature = errors.New("bad webhook signature")

// Sign returns the X-Signature-256 value for a payload signed at timestamp
// (Unix seconds, as sent in X-Ocimove-Timestamp).
func Sign(secret []byte, timestamp string, payload []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(payload)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// signRequest sets the protocol headers on req.
func signRequest(req *http.Request, secret, payload []byte, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(secret, ts, payload))
}

// Verify checks a request's signature headers against payload (the body for
// POST, the raw query for GET). It returns an error wrapping ErrBadSignature
// that says what is wrong, never the expected value.
func Verify(secret []byte, h http.Header, payload []byte, now time.Time, maxSkew time.Duration) error {
	ts, sig := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return fmt.Errorf("%w: missing %s or %s header", ErrBadSignature, HeaderTimestamp, HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not Unix seconds", ErrBadSignature, HeaderTimestamp)
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > maxSkew || skew < -maxSkew {
		return fmt.Errorf("%w: timestamp is %s away from the receiver's clock (limit %s); check the clocks", ErrBadSignature, skew.Round(time.Second), maxSkew)
	}
	if !strings.HasPrefix(sig, "sha256=") {
		return fmt.Errorf("%w: %s must start with sha256=", ErrBadSignature, HeaderSignature)
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, payload))) {
		return fmt.Errorf("%w: the MAC does not match; check that both sides use the same secret", ErrBadSignature)
	}
	return nil
}
