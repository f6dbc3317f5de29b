// Package faults injects failures into the local S3 and OCI endpoints:
// error statuses at a rate per operation, latency, connections dropped
// mid-body, and bits flipped in stored objects as they are read back.
//
// Rules are set from Go (tests in the same process) or over HTTP at
// /_faults (tests that drive the endpoints as separate processes):
//
//	curl -X POST localhost:9000/_faults -d '[{"op":"put","status":503,"rate":0.5}]'
//	curl -X DELETE localhost:9000/_faults
//	curl localhost:9000/_faults   # {"fired":{"put":3},"putBytes":1234}
package faults

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// AdminPath is where the endpoints accept fault rules over HTTP.
const AdminPath = "/_faults"

// Rule is one fault. A rule matches a request when Op matches (or is "" or
// "*") and the key starts with KeyPrefix; it then fires with probability
// Rate (0 means always) until it has fired Count times (0 means no limit).
type Rule struct {
	Op        string        `json:"op,omitempty"`
	KeyPrefix string        `json:"keyPrefix,omitempty"`
	Rate      float64       `json:"rate,omitempty"`
	Count     int           `json:"count,omitempty"`
	Status    int           `json:"status,omitempty"`    // reply with this status and the service's error body
	Latency   time.Duration `json:"latency,omitempty"`   // delay before handling
	DropAfter int64         `json:"dropAfter,omitempty"` // close the connection after this many response body bytes (>0)
	FlipBit   int64         `json:"flipBit,omitempty"`   // flip bit (FlipBit-1) of the response body (>0): corruption at rest
	fired     int
}

// Classifier names the operation and key of a request, e.g. ("put", "a/b").
type Classifier func(r *http.Request) (op, key string)

// ErrorWriter writes the service's own error response for status.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, status int)

// Injector holds the active rules. The zero value injects nothing.
type Injector struct {
	mu    sync.Mutex
	rules []*Rule
	hits  map[string]int
	// putBytes counts the body bytes of every PUT the endpoint received
	// (objects and parts, re-sends included), for tests that measure what
	// a client sent again.
	putBytes atomic.Int64
}

// PutBytes returns the body bytes of every PUT received so far.
func (in *Injector) PutBytes() int64 { return in.putBytes.Load() }

// Set replaces the active rules.
func (in *Injector) Set(rules ...Rule) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rules = in.rules[:0]
	for i := range rules {
		r := rules[i]
		in.rules = append(in.rules, &r)
	}
}

// Add appends a rule.
func (in *Injector) Add(r Rule) {
	in.mu.Lock()
	in.rules = append(in.rules, &r)
	in.mu.Unlock()
}

// Clear removes every rule.
func (in *Injector) Clear() { in.Set() }

// Fired returns how many times faults fired for op ("" for all ops).
func (in *Injector) Fired(op string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if op == "" {
		n := 0
		for _, v := range in.hits {
			n += v
		}
		return n
	}
	return in.hits[op]
}

// pick returns a copy of the first rule that fires for (op, key).
func (in *Injector) pick(op, key string) (Rule, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, r := range in.rules {
		if r.Op != "" && r.Op != "*" && r.Op != op {
			continue
		}
		if !strings.HasPrefix(key, r.KeyPrefix) {
			continue
		}
		if r.Count > 0 && r.fired >= r.Count {
			continue
		}
		if r.Rate > 0 && rand.Float64() >= r.Rate {
			continue
		}
		r.fired++
		if in.hits == nil {
			in.hits = map[string]int{}
		}
		in.hits[op]++
		return *r, true
	}
	return Rule{}, false
}

// Middleware wraps next with fault injection and serves AdminPath.
func (in *Injector) Middleware(next http.Handler, classify Classifier, writeErr ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == AdminPath {
			in.serveAdmin(w, r)
			return
		}
		if r.Method == http.MethodPut && r.Body != nil {
			r.Body = &countingBody{ReadCloser: r.Body, n: &in.putBytes}
		}
		op, key := classify(r)
		rule, ok := in.pick(op, key)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if rule.Latency > 0 {
			select {
			case <-time.After(rule.Latency):
			case <-r.Context().Done():
				return
			}
		}
		if rule.Status != 0 {
			// Drain a little of the body so the client sees the response
			// rather than a reset while it is still sending.
			writeErr(w, r, rule.Status)
			return
		}
		if rule.DropAfter > 0 || rule.FlipBit > 0 {
			w = &faultyWriter{ResponseWriter: w, dropAfter: rule.DropAfter, flipBit: rule.FlipBit}
		}
		next.ServeHTTP(w, r)
	})
}

func (in *Injector) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost, http.MethodPut:
		var rules []Rule
		if err := json.NewDecoder(r.Body).Decode(&rules); err != nil {
			http.Error(w, "faults: body must be a JSON array of rules: "+err.Error(), http.StatusBadRequest)
			return
		}
		if r.Method == http.MethodPut {
			in.Set(rules...)
		} else {
			for _, rule := range rules {
				in.Add(rule)
			}
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		in.Clear()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet:
		in.mu.Lock()
		hits := map[string]int{}
		for k, v := range in.hits {
			hits[k] = v
		}
		in.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"fired": hits, "putBytes": in.putBytes.Load()})
	default:
		http.Error(w, "faults: use GET, POST, PUT or DELETE", http.StatusMethodNotAllowed)
	}
}

// countingBody adds what is read of a request body to n.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	k, err := b.ReadCloser.Read(p)
	b.n.Add(int64(k))
	return k, err
}

// faultyWriter corrupts or cuts the response body.
type faultyWriter struct {
	http.ResponseWriter
	written   int64
	dropAfter int64
	flipBit   int64
	dropped   bool // the connection is closed: nothing more is written
}

func (f *faultyWriter) Write(p []byte) (int, error) {
	if f.dropped {
		return 0, http.ErrAbortHandler
	}
	if f.flipBit > 0 {
		bit := f.flipBit - 1
		byteIdx := bit / 8
		if byteIdx >= f.written && byteIdx < f.written+int64(len(p)) {
			q := append([]byte(nil), p...)
			q[byteIdx-f.written] ^= 1 << (bit % 8)
			p = q
		}
	}
	if f.dropAfter > 0 && f.written+int64(len(p)) > f.dropAfter {
		n := f.dropAfter - f.written
		if n > 0 {
			m, _ := f.ResponseWriter.Write(p[:n])
			f.written += int64(m)
		}
		f.dropped = true
		f.hijackClose()
		return int(n), http.ErrAbortHandler
	}
	n, err := f.ResponseWriter.Write(p)
	f.written += int64(n)
	return n, err
}

// hijackClose flushes what was written and closes the TCP connection, so the
// client sees a body shorter than its Content-Length.
func (f *faultyWriter) hijackClose() {
	if fl, ok := f.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
	rc := http.NewResponseController(f.ResponseWriter)
	if conn, _, err := rc.Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// Flush implements http.Flusher when the underlying writer does.
func (f *faultyWriter) Flush() {
	if fl, ok := f.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (f *faultyWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }
