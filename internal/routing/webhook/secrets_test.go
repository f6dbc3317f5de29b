package webhook_test

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/webhook"
)

// secretURL is a webhook URL whose user info, path and query all carry a
// secret, as application endpoints often do.
func secretURL(hostport string) string {
	return "http://ops:pw-s3cr3t@" + hostport + "/hooks/path-s3cr3t/routes?token=query-s3cr3t"
}

// calls runs every call of the client and returns their errors.
func calls(t *testing.T, c *webhook.Client) []error {
	var errs []error
	_, err := c.Register(t.Context(), "a/", "s3://src/a/")
	errs = append(errs, err)
	_, err = c.Get(t.Context(), "a/")
	errs = append(errs, err)
	_, err = c.Set(t.Context(), routing.Change{Shard: "a/", To: routing.StateReadOnly, ExpectedVersion: 0, OperationID: "op-1", Owner: "mig-1"})
	errs = append(errs, err)
	_, err = c.DrainAcknowledged(t.Context(), "a/", "op-1")
	errs = append(errs, err)
	return errs
}

// TestErrorsNameTargetWithoutSecrets: whether the target is unreachable
// (a network error, which Go reports with the whole URL) or answers with
// errors (even ones that echo the request URL), no error, log line or the
// client's name shows the URL's user info, path or query; they name the
// target as scheme://host.
func TestErrorsNameTargetWithoutSecrets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close())

	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusBadRequest
		if r.Method == http.MethodGet {
			status = http.StatusInternalServerError
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(webhook.ErrorBody{Error: "refused http://" + r.Host + r.URL.String()})
	})
	srv := httptest.NewServer(echo)
	t.Cleanup(srv.Close)
	failing := strings.TrimPrefix(srv.URL, "http://")

	for name, hostport := range map[string]string{"unreachable": dead, "failing": failing} {
		t.Run(name, func(t *testing.T) {
			logs := &syncBuffer{}
			c, err := webhook.New(webhook.Config{URL: secretURL(hostport), Secret: secret,
				MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(logs, nil))})
			require.NoError(t, err)
			assert.Equal(t, "routing webhook http://"+hostport, c.String())
			for i, err := range calls(t, c) {
				require.Error(t, err, "call %d", i)
				assert.NotContains(t, err.Error(), "s3cr3t", "call %d", i)
				assert.Contains(t, err.Error(), "http://"+hostport, "call %d names the target", i)
			}
			assert.NotContains(t, logs.String(), "s3cr3t")
		})
	}
}
