package faults

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDroppedConnectionRefusesLaterWrites cuts a response off, then lets
// the handler write again, as a server that reports its write error in the
// body does: the later write is refused with http.ErrAbortHandler, never a
// panic on the closed connection, and the client sees the body cut short.
func TestDroppedConnectionRefusesLaterWrites(t *testing.T) {
	var in Injector
	in.Set(Rule{Op: "get", DropAfter: 10})
	later := make(chan error, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		defer func() {
			if r := recover(); r != nil {
				later <- errors.New("the later write panicked: " + strings.TrimSpace(fmtAny(r)))
			}
		}()
		w.Header().Set("Content-Length", "100")
		_, err := w.Write([]byte(strings.Repeat("a", 100)))
		if !errors.Is(err, http.ErrAbortHandler) {
			later <- errors.New("the cut write did not abort")
			return
		}
		_, err = w.Write([]byte("<Error>the write failed</Error>"))
		later <- err
	})
	srv := httptest.NewServer(in.Middleware(handler,
		func(*http.Request) (string, string) { return "get", "k" },
		func(w http.ResponseWriter, _ *http.Request, status int) { w.WriteHeader(status) }))
	defer srv.Close()

	res, err := http.Get(srv.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Error(t, err, "the body is cut short")
	assert.Equal(t, strings.Repeat("a", 10), string(body))
	assert.ErrorIs(t, <-later, http.ErrAbortHandler)
}

func fmtAny(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "panic"
}
