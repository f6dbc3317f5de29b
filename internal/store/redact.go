package store

import (
	"errors"
	"net/url"
	"regexp"
)

// SafeURL returns raw as scheme://host: without user info, path, query or
// fragment, each of which may carry a credential (a token in a query, a
// pre-authenticated request in a path). It is the form of a URL that errors
// and logs may show. A URL that does not parse as one with a host becomes
// "(URL hidden)".
func SafeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(URL hidden)"
	}
	return u.Scheme + "://" + u.Host
}

// httpURL matches http(s) URLs in a message, up to a space, quote or
// bracket.
var httpURL = regexp.MustCompile("(?i)https?://[^\\s\"'`<>()\\[\\]]+")

// RedactText replaces every http(s) URL in s by its SafeURL form.
func RedactText(s string) string {
	return httpURL.ReplaceAllStringFunc(s, SafeURL)
}

// RedactURLs returns err with every http(s) URL in its text cut down to
// scheme://host (see SafeURL); errors.Is and errors.As see the same chain.
// HTTP clients report network errors as *url.Error holding the request's
// whole URL, query string included; their URLs are redacted in place too,
// so that the inner errors are safe to print on their own. An error whose
// text holds no URL is returned as it is.
func RedactURLs(err error) error {
	if err == nil {
		return nil
	}
	redactChain(err, 0)
	msg := err.Error()
	safe := RedactText(msg)
	if safe == msg {
		return err
	}
	return &redactedError{msg: safe, err: err}
}

// redactedError is an error with a redacted message.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactChain(err error, depth int) {
	if err == nil || depth > 64 {
		return
	}
	if ue, ok := err.(*url.Error); ok {
		if safe := SafeURL(ue.URL); safe != ue.URL {
			ue.URL = safe // once, by the goroutine that got the error
		}
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			redactChain(e, depth+1)
		}
	default:
		redactChain(errors.Unwrap(err), depth+1)
	}
}
