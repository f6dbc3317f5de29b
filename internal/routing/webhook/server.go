package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/memroute"
)

// maxBody bounds request and response bodies.
const maxBody = 1 << 20

// ReferenceServer is a reference implementation of the receiving side of
// the protocol (see the package doc), keeping routes in memory. Tests and the
// demo serve it; an application team can read it as an example.
type ReferenceServer struct {
	secret []byte
	routes *memroute.Target
	// MaxSkew is the accepted clock difference; default DefaultMaxSkew.
	MaxSkew time.Duration
	// Logger receives one line per rejected request; default slog.Default().
	Logger *slog.Logger
	now    func() time.Time
}

var _ http.Handler = (*ReferenceServer)(nil)

// NewReferenceServer returns a reference server that accepts requests
// signed with secret. With an empty secret it refuses every request.
func NewReferenceServer(secret []byte) *ReferenceServer {
	return &ReferenceServer{
		secret: append([]byte(nil), secret...),
		routes: memroute.New(),
		now:    time.Now,
	}
}

// Routes returns the server's route store, to read routes and history.
func (s *ReferenceServer) Routes() *memroute.Target { return s.routes }

// AckDrain acknowledges, as the application would, that writes to shard
// have drained under the freeze operation opID.
func (s *ReferenceServer) AckDrain(ctx context.Context, shard, opID string) error {
	return s.routes.AckDrain(ctx, shard, opID)
}

// ServeHTTP implements the protocol.
func (s *ReferenceServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(s.secret) == 0 {
		s.fail(w, r, http.StatusServiceUnavailable, errors.New("the reference server has no secret configured"), nil)
		return
	}
	var payload []byte
	switch r.Method {
	case http.MethodGet:
		payload = []byte(r.URL.RawQuery)
	case http.MethodPost:
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, fmt.Errorf("read body: %w", err), nil)
			return
		}
		payload = b
	default:
		w.Header().Set("Allow", "GET, POST")
		s.fail(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s: use GET or POST", r.Method), nil)
		return
	}
	maxSkew := s.MaxSkew
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	if err := Verify(s.secret, r.Header, payload, s.now(), maxSkew); err != nil {
		s.fail(w, r, http.StatusUnauthorized, err, nil)
		return
	}
	if r.Method == http.MethodGet {
		s.get(w, r)
		return
	}
	s.post(w, r, payload)
}

func (s *ReferenceServer) get(w http.ResponseWriter, r *http.Request) {
	shard := r.URL.Query().Get("shard")
	if shard == "" {
		s.fail(w, r, http.StatusBadRequest, errors.New("missing query parameter shard"), nil)
		return
	}
	route, err := s.routes.Get(r.Context(), shard)
	s.answer(w, r, route, err)
}

func (s *ReferenceServer) post(w http.ResponseWriter, r *http.Request, body []byte) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("decode request: %w", err), nil)
		return
	}
	var route routing.Route
	var err error
	switch req.Action {
	case ActionRegister:
		route, err = s.routes.Register(r.Context(), req.Shard, req.Location)
	case ActionSet, "":
		route, err = s.routes.Set(r.Context(), req.change())
	default:
		err = fmt.Errorf("%w: unknown action %q: use %q or %q", routing.ErrInvalidChange, req.Action, ActionSet, ActionRegister)
	}
	s.answer(w, r, route, err)
}

// answer writes a route or the error's status.
func (s *ReferenceServer) answer(w http.ResponseWriter, r *http.Request, route routing.Route, err error) {
	var ce *routing.ConflictError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, route)
	case errors.As(err, &ce):
		cur := ce.Current
		s.fail(w, r, http.StatusConflict, err, &cur)
	case errors.Is(err, routing.ErrUnknownShard):
		s.fail(w, r, http.StatusNotFound, err, nil)
	case errors.Is(err, routing.ErrInvalidChange):
		s.fail(w, r, http.StatusBadRequest, err, nil)
	default:
		s.fail(w, r, http.StatusInternalServerError, err, nil)
	}
}

func (s *ReferenceServer) fail(w http.ResponseWriter, r *http.Request, status int, err error, current *routing.Route) {
	if status == http.StatusUnauthorized || status >= 500 {
		log := s.Logger
		if log == nil {
			log = slog.Default()
		}
		log.Warn("routing webhook request rejected", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, ErrorBody{Error: err.Error(), Current: current})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
