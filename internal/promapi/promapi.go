// Package promapi is a small client of a Prometheus server's HTTP API
// (/api/v1/query, /api/v1/query_range, /api/v1/rules, label values), for
// the tests that run the dashboard's and the alert rules' queries against
// a real Prometheus and for cmd/promplot.
package promapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client asks the Prometheus server at URL (http://host:port).
type Client struct {
	URL  string
	HTTP *http.Client // nil: a client with a 30s timeout
}

// Point is one sample of a series.
type Point struct {
	T time.Time
	V float64
}

// Series is one series of a query's answer: its labels and its points (one
// point for an instant query).
type Series struct {
	Labels map[string]string
	Points []Point
}

// Error is an answer of Prometheus with status "error": Type is its
// errorType, such as bad_data for an expression that does not parse.
type Error struct {
	Type, Message string
}

func (e *Error) Error() string { return fmt.Sprintf("prometheus: %s: %s", e.Type, e.Message) }

// IsBadData reports whether err is Prometheus refusing the query itself
// (it does not parse, or is invalid), not a failure to ask.
func IsBadData(err error) bool {
	var pe *Error
	return errors.As(err, &pe) && pe.Type == "bad_data"
}

// Query runs an instant query at at.
func (c Client) Query(ctx context.Context, expr string, at time.Time) ([]Series, error) {
	return c.series(ctx, "/api/v1/query", url.Values{"query": {expr}, "time": {unix(at)}})
}

// QueryRange runs a range query from start to end every step.
func (c Client) QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) ([]Series, error) {
	return c.series(ctx, "/api/v1/query_range", url.Values{"query": {expr}, "start": {unix(start)}, "end": {unix(end)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}})
}

// LabelValues lists the values of label on the series that match selector.
func (c Client) LabelValues(ctx context.Context, label, selector string) ([]string, error) {
	var out []string
	err := c.get(ctx, "/api/v1/label/"+url.PathEscape(label)+"/values", url.Values{"match[]": {selector}}, &out)
	return out, err
}

// Rule is an alerting or recording rule as the server evaluates it.
type Rule struct {
	Name      string `json:"name"`
	Query     string `json:"query"`
	Type      string `json:"type"`
	Health    string `json:"health"` // ok, err, unknown
	LastError string `json:"lastError"`
	State     string `json:"state"` // inactive, pending, firing (alerts)
}

// Rules lists the rules the server has loaded, over every group.
func (c Client) Rules(ctx context.Context) ([]Rule, error) {
	var data struct {
		Groups []struct {
			Rules []Rule `json:"rules"`
		} `json:"groups"`
	}
	if err := c.get(ctx, "/api/v1/rules", nil, &data); err != nil {
		return nil, err
	}
	var out []Rule
	for _, g := range data.Groups {
		out = append(out, g.Rules...)
	}
	return out, nil
}

// Target is one scrape target as the server sees it.
type Target struct {
	Labels    map[string]string `json:"labels"`
	ScrapeURL string            `json:"scrapeUrl"`
	Health    string            `json:"health"` // up, down, unknown
	LastError string            `json:"lastError"`
}

// Targets lists the active scrape targets.
func (c Client) Targets(ctx context.Context) ([]Target, error) {
	var data struct {
		Active []Target `json:"activeTargets"`
	}
	err := c.get(ctx, "/api/v1/targets", url.Values{"state": {"active"}}, &data)
	return data.Active, err
}

// series runs a query and decodes its matrix or vector.
func (c Client) series(ctx context.Context, path string, q url.Values) ([]Series, error) {
	var data struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  []any             `json:"value"`
			Values [][]any           `json:"values"`
		} `json:"result"`
	}
	if err := c.get(ctx, path, q, &data); err != nil {
		return nil, err
	}
	out := make([]Series, 0, len(data.Result))
	for _, r := range data.Result {
		s := Series{Labels: r.Metric}
		if r.Value != nil {
			r.Values = append(r.Values, r.Value)
		}
		for _, v := range r.Values {
			p, err := point(v)
			if err != nil {
				return nil, fmt.Errorf("prometheus %s %q: %w", path, q.Get("query"), err)
			}
			s.Points = append(s.Points, p)
		}
		out = append(out, s)
	}
	return out, nil
}

// get asks the API and decodes its data into out.
func (c Client) get(ctx context.Context, path string, q url.Values, out any) error {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+path+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("prometheus %s: %w", path, err)
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("prometheus %s: %w", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("prometheus %s: read the answer: %w", path, err)
	}
	var env struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("prometheus %s: HTTP %d, not an API answer: %w", path, res.StatusCode, err)
	}
	if env.Status != "success" {
		return &Error{Type: env.ErrorType, Message: env.Error}
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("prometheus %s: decode the data: %w", path, err)
	}
	return nil
}

// point decodes a [unix seconds, "value"] pair.
func point(v []any) (Point, error) {
	if len(v) != 2 {
		return Point{}, fmt.Errorf("a sample of %d fields", len(v))
	}
	ts, ok := v[0].(float64)
	s, ok2 := v[1].(string)
	if !ok || !ok2 {
		return Point{}, fmt.Errorf("a sample %v", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Point{}, fmt.Errorf("a sample value %q: %w", s, err)
	}
	sec := int64(ts)
	return Point{T: time.Unix(sec, int64((ts-float64(sec))*1e9)), V: f}, nil
}

func unix(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}
