package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/webhook"
	"github.com/ocimove/ocimove/internal/testing/routingtest"
)

var secret = []byte("test-secret-0123456789abcdef")

// start serves h and returns a client for it that retries quickly and logs
// into the returned buffer.
func start(t *testing.T, h http.Handler, key []byte) (*webhook.Client, *syncBuffer) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	c, err := webhook.New(webhook.Config{
		URL: srv.URL + "/ocimove/routes", Secret: key,
		MaxAttempts: 4, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	require.NoError(t, err)
	return c, logs
}

func TestConformance(t *testing.T) {
	ref := webhook.NewReferenceServer(secret)
	c, _ := start(t, ref, secret)
	routingtest.Run(t, func(t *testing.T) routing.Target { return c },
		routingtest.Options{Acker: ref, Historian: ref.Routes()})
}

func TestBadSignatureIsRejected(t *testing.T) {
	ref := webhook.NewReferenceServer(secret)
	srv := httptest.NewServer(ref)
	defer srv.Close()

	// A client with another secret: 401, not retried, and a clear error.
	wrong, logs := start(t, ref, []byte("another-secret"))
	_, err := wrong.Register(t.Context(), "a/", "s3://src/a/")
	require.ErrorIs(t, err, webhook.ErrBadSignature)
	assert.Contains(t, err.Error(), "HTTP 401")
	assert.Contains(t, err.Error(), "same secret")
	assert.NotContains(t, logs.String(), "routing webhook retry", "a 401 is not retried")
	_, err = ref.Routes().Get(t.Context(), "a/")
	require.ErrorIs(t, err, routing.ErrUnknownShard, "a rejected request changes nothing")

	body := []byte(`{"action":"register","shard":"a/","location":"s3://src/a/"}`)
	now := strconv.FormatInt(time.Now().Unix(), 10)
	old := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	cases := map[string]func(h http.Header){
		"no headers":     func(h http.Header) {},
		"tampered body":  func(h http.Header) { set(h, now, webhook.Sign(secret, now, append(body, ' '))) },
		"old timestamp":  func(h http.Header) { set(h, old, webhook.Sign(secret, old, body)) },
		"timestamp swap": func(h http.Header) { set(h, old, webhook.Sign(secret, now, body)) },
		"no prefix":      func(h http.Header) { set(h, now, strings.TrimPrefix(webhook.Sign(secret, now, body), "sha256=")) },
	}
	for name, sign := range cases {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
			require.NoError(t, err)
			sign(req.Header)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			b, _ := io.ReadAll(resp.Body)
			assert.NotContains(t, string(b), string(secret))
		})
	}

	// The same request, signed properly, is accepted.
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	require.NoError(t, err)
	set(req.Header, now, webhook.Sign(secret, now, body))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A GET signed for another shard's query is rejected.
	req, err = http.NewRequest(http.MethodGet, srv.URL+"?shard=a%2F", nil)
	require.NoError(t, err)
	set(req.Header, now, webhook.Sign(secret, now, []byte("shard=b%2F")))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func set(h http.Header, ts, sig string) {
	h.Set(webhook.HeaderTimestamp, ts)
	h.Set(webhook.HeaderSignature, sig)
}

// TestRetriesServerErrors: the endpoint fails twice with 503, then works.
func TestRetriesServerErrors(t *testing.T) {
	ref := webhook.NewReferenceServer(secret)
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && calls.Add(1) <= 2 {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		ref.ServeHTTP(w, r)
	})
	c, logs := start(t, h, secret)
	r, err := c.Register(t.Context(), "users/3f/", "s3://src/users/3f/")
	require.NoError(t, err)
	assert.Equal(t, routing.StateSource, r.State)
	assert.EqualValues(t, 3, calls.Load(), "two failures, then success")
	assert.Equal(t, 2, strings.Count(logs.String(), "routing webhook retry"))
	assert.NotContains(t, logs.String(), string(secret))
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "down", http.StatusBadGateway)
	})
	c, _ := start(t, h, secret)
	_, err := c.Get(t.Context(), "a/")
	require.ErrorContains(t, err, "gave up after 4 attempts")
	assert.ErrorContains(t, err, "HTTP 502")
	assert.EqualValues(t, 4, calls.Load())
	assert.NotContains(t, err.Error(), string(secret))
}

// dropFirstResponse forwards requests to next; for the first POST it lets
// next apply the change, then closes the connection without answering: the
// change is made, the response lost.
func dropFirstResponse(t *testing.T, next http.Handler) (http.Handler, *atomic.Int32) {
	var dropped atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !dropped.CompareAndSwap(0, 1) {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		assert.Equal(t, http.StatusOK, rec.Code, "the dropped request must have applied: %s", rec.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if !assert.NoError(t, err) {
			return
		}
		conn.Close()
	}), &dropped
}

// TestLostResponseIdempotentServer: the retry reaches a server that applies
// the protocol's idempotency rule and answers 200.
func TestLostResponseIdempotentServer(t *testing.T) {
	ref := webhook.NewReferenceServer(secret)
	_, err := ref.Routes().Register(t.Context(), "users/3f/", "s3://src/users/3f/")
	require.NoError(t, err)
	h, dropped := dropFirstResponse(t, ref)
	c, logs := start(t, h, secret)

	r, err := c.Set(t.Context(), routing.Change{Shard: "users/3f/", To: routing.StateReadOnly, ExpectedVersion: 0, OperationID: "op-freeze", Owner: "mig-1"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, dropped.Load())
	assert.EqualValues(t, 1, r.Version, "applied once")
	assert.Equal(t, "op-freeze", r.OperationID)
	assert.Contains(t, logs.String(), "routing webhook retry")
	hist, err := ref.Routes().History(t.Context(), "users/3f/")
	require.NoError(t, err)
	assert.Len(t, hist, 2, "register and one set")
}

// TestLostResponseReconciles: the retry reaches a server that answers 409 to
// any stale version (no idempotency rule); the client reconciles with a GET.
func TestLostResponseReconciles(t *testing.T) {
	ref := webhook.NewReferenceServer(secret)
	_, err := ref.Routes().Register(t.Context(), "users/3f/", "s3://src/users/3f/")
	require.NoError(t, err)
	var gets atomic.Int32
	strict := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets.Add(1)
			ref.ServeHTTP(w, r)
			return
		}
		b, err := io.ReadAll(r.Body)
		var req webhook.Request
		if !assert.NoError(t, err) || !assert.NoError(t, json.Unmarshal(b, &req)) {
			http.Error(w, "bad test request", http.StatusBadRequest)
			return
		}
		cur, err := ref.Routes().Get(r.Context(), req.Shard)
		if err == nil && cur.Version != req.ExpectedVersion {
			w.WriteHeader(http.StatusConflict)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		ref.ServeHTTP(w, r)
	})
	h, dropped := dropFirstResponse(t, strict)
	c, _ := start(t, h, secret)

	r, err := c.Set(t.Context(), routing.Change{Shard: "users/3f/", To: routing.StateReadOnly, ExpectedVersion: 0, OperationID: "op-freeze", Owner: "mig-1"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, dropped.Load())
	assert.EqualValues(t, 1, gets.Load(), "one GET to reconcile")
	assert.EqualValues(t, 1, r.Version)
	assert.Equal(t, routing.StateReadOnly, r.State)

	// Against the same server, another operation's stale change stays a conflict.
	_, err = c.Set(t.Context(), routing.Change{Shard: "users/3f/", To: routing.StateDestination, ExpectedVersion: 0, OperationID: "op-other", Owner: "mig-1"})
	var ce *routing.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.EqualValues(t, 1, ce.Current.Version)
}

func TestBadConfig(t *testing.T) {
	for _, u := range []string{"", "app.example.com/routes", "ftp://x/y", "http://"} {
		_, err := webhook.New(webhook.Config{URL: u, Secret: secret})
		require.ErrorContains(t, err, "absolute http or https URL", "URL %q", u)
	}
	_, err := webhook.New(webhook.Config{URL: "https://app.example.com/r"})
	require.ErrorContains(t, err, "secret is empty")

	c, err := webhook.New(webhook.Config{URL: "https://user:pw@app.example.com/r?token=abc", Secret: secret})
	require.NoError(t, err)
	assert.Equal(t, "routing webhook https://app.example.com", c.String())
}

func TestServerWithoutSecretRefuses(t *testing.T) {
	c, _ := start(t, webhook.NewReferenceServer(nil), secret)
	_, err := c.Get(t.Context(), "a/")
	require.ErrorContains(t, err, "HTTP 503")
}

func TestCancelStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel() // the caller gives up while the client waits to retry
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := webhook.New(webhook.Config{URL: srv.URL, Secret: secret, MaxAttempts: 1000, InitialBackoff: time.Hour, MaxBackoff: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	_, err = c.Get(ctx, "a/")
	require.ErrorIs(t, err, context.Canceled)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A query in the configured URL (a token the application expects) goes
// with every request, GET included, and the signature covers it.
func TestURLQueryKeptOnEveryRequest(t *testing.T) {
	ref := webhook.NewReferenceServer(secret)
	var tokens []string
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.Method+" "+r.URL.Query().Get("token"))
		mu.Unlock()
		ref.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := webhook.New(webhook.Config{URL: srv.URL + "/ocimove/routes?token=app-token", Secret: secret})
	require.NoError(t, err)
	_, err = c.Register(t.Context(), "users/3f/", "s3://src/users/3f/")
	require.NoError(t, err)
	r, err := c.Get(t.Context(), "users/3f/")
	require.NoError(t, err, "the signed GET verifies with the token in its query")
	assert.Equal(t, routing.StateSource, r.State)
	assert.Equal(t, []string{"POST app-token", "GET app-token"}, tokens)
}
