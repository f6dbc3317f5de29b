package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

// Config configures a Client.
type Config struct {
	// URL is the application's endpoint (http or https).
	URL string
	// Secret is the shared HMAC key, resolved by the caller from a secret
	// reference. It is never logged nor put in an error.
	Secret []byte
	// HTTPClient sends the requests; default: a client with a 15 s timeout.
	HTTPClient *http.Client
	// MaxAttempts bounds the tries of one call on network errors, 5xx and
	// 429; default 5.
	MaxAttempts int
	// InitialBackoff and MaxBackoff shape the exponential backoff with
	// jitter between tries; defaults 200 ms and 5 s.
	InitialBackoff, MaxBackoff time.Duration
	// Logger receives retries; default slog.Default().
	Logger *slog.Logger
}

// Client is a routing.Target that calls an application's webhook.
type Client struct {
	url    *url.URL
	name   string // scheme://host: what errors and logs may show of the URL
	secret []byte
	http   *http.Client
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
}

var (
	_ routing.Target            = (*Client)(nil)
	_ routing.DrainAcknowledger = (*Client)(nil)
)

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook: routing URL must be an absolute http or https URL, such as https://app.example.com/ocimove/routes")
	}
	if len(cfg.Secret) == 0 {
		return nil, errors.New("webhook: the HMAC secret is empty; set the routing target's secret reference")
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.InitialBackoff <= 0 {
		cfg.InitialBackoff = 200 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	c := &Client{
		url:    u,
		name:   store.SafeURL(u.String()),
		secret: append([]byte(nil), cfg.Secret...),
		http:   cfg.HTTPClient,
		cfg:    cfg,
		log:    cfg.Logger,
		now:    time.Now,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 15 * time.Second}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// String names the target without secrets: scheme and host only, since a
// webhook URL often carries a token in its path or query.
func (c *Client) String() string { return "routing webhook " + c.name }

// Register implements routing.Target.
func (c *Client) Register(ctx context.Context, shard, sourceLocation string) (routing.Route, error) {
	if err := routing.ValidateRegistration(shard, sourceLocation); err != nil {
		return routing.Route{}, err
	}
	body, err := json.Marshal(Request{Action: ActionRegister, Shard: shard, Location: sourceLocation})
	if err != nil {
		return routing.Route{}, fmt.Errorf("webhook: register shard %q: %w", shard, err)
	}
	res, err := c.do(ctx, "register", shard, http.MethodPost, "", body)
	if err != nil {
		return routing.Route{}, err
	}
	if res.status != http.StatusOK {
		return routing.Route{}, c.statusError("register", shard, res)
	}
	return res.route()
}

// Get implements routing.Target.
func (c *Client) Get(ctx context.Context, shard string) (routing.Route, error) {
	res, err := c.do(ctx, "get", shard, http.MethodGet, url.Values{"shard": {shard}}.Encode(), nil)
	if err != nil {
		return routing.Route{}, err
	}
	if res.status != http.StatusOK {
		return routing.Route{}, c.statusError("get", shard, res)
	}
	return res.route()
}

// Set implements routing.Target. Network errors, 5xx and 429 are retried
// with the same operation id. A 409 is reconciled with a GET: if the route
// carries this change's operation id and target state (the change was
// applied and its response lost), Set succeeds.
func (c *Client) Set(ctx context.Context, ch routing.Change) (routing.Route, error) {
	if err := ch.Validate(); err != nil {
		return routing.Route{}, err
	}
	body, err := json.Marshal(requestFor(ch))
	if err != nil {
		return routing.Route{}, fmt.Errorf("webhook: set shard %q: %w", ch.Shard, err)
	}
	res, err := c.do(ctx, "set", ch.Shard, http.MethodPost, "", body)
	if err != nil {
		return routing.Route{}, err
	}
	switch res.status {
	case http.StatusOK:
		r, err := res.route()
		if err != nil {
			return routing.Route{}, err
		}
		if r.Shard != ch.Shard || r.State != ch.To || r.OperationID != ch.OperationID {
			return routing.Route{}, fmt.Errorf("webhook: set shard %q: the application answered 200 with route %+v, which is not this change (operation %q, state %s); fix the receiver",
				ch.Shard, r, ch.OperationID, ch.To)
		}
		return r, nil
	case http.StatusConflict:
		cur, err := c.Get(ctx, ch.Shard)
		if err != nil {
			return routing.Route{}, fmt.Errorf("webhook: set shard %q: reconcile after 409: %w", ch.Shard, err)
		}
		if routing.AlreadyApplied(cur, ch) {
			return cur, nil
		}
		return routing.Route{}, &routing.ConflictError{Change: ch, Current: cur}
	default:
		return routing.Route{}, c.statusError("set", ch.Shard, res)
	}
}

// DrainAcknowledged implements routing.DrainAcknowledger: the route's
// drainAck counts for the current operation only.
func (c *Client) DrainAcknowledged(ctx context.Context, shard, opID string) (bool, error) {
	r, err := c.Get(ctx, shard)
	if err != nil {
		return false, err
	}
	return r.DrainAck && r.OperationID == opID, nil
}

// response is a final (non-retried) answer.
type response struct {
	status int
	body   []byte
	op     string
	shard  string
}

func (r response) route() (routing.Route, error) {
	var route routing.Route
	if err := json.Unmarshal(r.body, &route); err != nil {
		return routing.Route{}, fmt.Errorf("webhook: %s shard %q: the answer is not a route: %w", r.op, r.shard, err)
	}
	return route, nil
}

// statusError turns a final non-200 answer into an error.
func (c *Client) statusError(op, shard string, res response) error {
	var eb ErrorBody
	msg := ""
	if json.Unmarshal(res.body, &eb) == nil && eb.Error != "" {
		msg = ": " + store.RedactText(eb.Error)
	}
	switch res.status {
	case http.StatusNotFound:
		return fmt.Errorf("webhook: %s shard %q at %s: HTTP 404%s: %w", op, shard, c.name, msg, routing.UnknownShardError(shard))
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("webhook: %s shard %q at %s: HTTP %d%s: %w (check that both sides use the same secret and that the clocks agree)",
			op, shard, c.name, res.status, msg, ErrBadSignature)
	case http.StatusBadRequest:
		return fmt.Errorf("webhook: %s shard %q at %s: HTTP 400%s: %w", op, shard, c.name, msg, routing.ErrInvalidChange)
	}
	return fmt.Errorf("webhook: %s shard %q at %s: unexpected HTTP %d%s", op, shard, c.name, res.status, msg)
}

// do sends one signed request, retrying network errors, 5xx and 429 with
// backoff, up to MaxAttempts tries. Each try is signed afresh.
func (c *Client) do(ctx context.Context, op, shard, method, query string, body []byte) (response, error) {
	u := *c.url
	if query != "" {
		// The configured URL's own query (a token, say) goes with every
		// request, before the shard.
		if u.RawQuery != "" {
			query = u.RawQuery + "&" + query
		}
		u.RawQuery = query
	}
	payload := body
	if method == http.MethodGet {
		payload = []byte(u.RawQuery)
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		res, err := c.try(ctx, method, u.String(), payload, body)
		retry := false
		switch {
		case err != nil:
			lastErr, retry = err, true
		case res.status >= 500 || res.status == http.StatusTooManyRequests:
			lastErr, retry = fmt.Errorf("HTTP %d", res.status), true
		}
		if !retry {
			res.op, res.shard = op, shard
			return res, nil
		}
		if ctx.Err() != nil {
			return response{}, fmt.Errorf("webhook: %s shard %q at %s: %w (last error: %v)", op, shard, c.name, ctx.Err(), lastErr)
		}
		if attempt >= c.cfg.MaxAttempts {
			return response{}, fmt.Errorf("webhook: %s shard %q at %s: gave up after %d attempts: %w", op, shard, c.name, attempt, lastErr)
		}
		wait := c.backoff(attempt)
		c.log.Warn("routing webhook retry", "op", op, "shard", shard, "url", c.name, "attempt", attempt, "wait", wait, "err", lastErr)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return response{}, fmt.Errorf("webhook: %s shard %q at %s: %w (last error: %v)", op, shard, c.name, ctx.Err(), lastErr)
		case <-t.C:
		}
	}
}

// try sends one request. Its errors name the endpoint by scheme and host
// only: a network error of the HTTP client holds the whole URL.
func (c *Client) try(ctx context.Context, method, u string, payload, body []byte) (response, error) {
	res, err := c.send(ctx, method, u, payload, body)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = &url.Error{Op: ue.Op, URL: c.name, Err: ue.Err}
		}
		err = store.RedactURLs(err)
	}
	return res, err
}

func (c *Client) send(ctx context.Context, method, u string, payload, body []byte) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return response{}, errors.New("build the request: the URL does not parse")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	signRequest(req, c.secret, payload, c.now())
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return response{}, fmt.Errorf("read answer: %w", err)
	}
	return response{status: resp.StatusCode, body: b}, nil
}

// backoff returns the wait before try attempt+1: exponential, capped, with
// full jitter over its upper half.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.InitialBackoff << min(attempt-1, 20)
	if d <= 0 || d > c.cfg.MaxBackoff {
		d = c.cfg.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}
