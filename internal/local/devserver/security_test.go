package devserver_test

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/local/devserver"
	"github.com/ocimove/ocimove/internal/local/tlsgen"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and localhost
// and a client certificate, written to files.
type testPKI struct {
	ca                    *tlsgen.CA
	caFile                string
	serverCert, serverKey string
	client                *tlsgen.Cert
}

func newPKI(t *testing.T, dir string) testPKI {
	t.Helper()
	ca, err := tlsgen.NewCA("devserver test CA")
	require.NoError(t, err)
	caFile, _, err := ca.WriteFiles(dir, "ca")
	require.NoError(t, err)
	srv, err := ca.Server("127.0.0.1", "localhost")
	require.NoError(t, err)
	cert, key, err := srv.WriteFiles(dir, "server")
	require.NoError(t, err)
	client, err := ca.Client(pkix.Name{CommonName: "worker-1", Organization: []string{"ops"}})
	require.NoError(t, err)
	return testPKI{ca: ca, caFile: caFile, serverCert: cert, serverKey: key, client: client}
}

// dialWith connects to srv with tc and, when key is set, that API key.
func dialWith(ctx context.Context, srv *devserver.Server, tc *tls.Config, key string) (client.Client, error) {
	opts := client.Options{HostPort: srv.Address(), Namespace: srv.Namespace(), Logger: quietLogger(),
		ConnectionOptions: client.ConnectionOptions{TLS: tc}}
	if key != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(key)
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return client.DialContext(dctx, opts)
}

// describe reads the namespace, which needs credentials the server accepts.
func describe(ctx context.Context, c client.Client, ns string) error {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.WorkflowService().DescribeNamespace(dctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	return err
}

// requireSystemWorker starts a schedule that triggers at once: the
// scheduler runs on the server's system worker, which must reach and be
// allowed by the frontend for the scheduled workflow to start.
func requireSystemWorker(ctx context.Context, t *testing.T, c client.Client, id string) {
	t.Helper()
	h, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id, Spec: client.ScheduleSpec{}, TriggerImmediately: true,
		Action: &client.ScheduleWorkflowAction{ID: id + "-wf", Workflow: "NoSuchWorkflow", TaskQueue: "nobody"},
	})
	require.NoError(t, err)
	defer func() { _ = h.Delete(ctx) }()
	require.Eventually(t, func() bool {
		d, err := h.Describe(ctx)
		return err == nil && len(d.Info.RecentActions) > 0
	}, time.Minute, 200*time.Millisecond, "the schedule never started its workflow: the system worker cannot use the frontend")
}

// TestAPIKeysOverTLS runs a server with TLS and API keys: a plain
// connection fails, a TLS one without a key or with a wrong key is refused
// with the reason, the right key works, and the server's own clients (the
// readiness probe, the system worker) still connect.
func TestAPIKeysOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	pki := newPKI(t, dir)
	const key = "test-api-key-1"
	srv, err := devserver.Start(ctx, devserver.Config{LogFile: filepath.Join(dir, "server.log"),
		TLSCertFile: pki.serverCert, TLSKeyFile: pki.serverKey, APIKeys: []string{"other-key", key}})
	require.NoError(t, err, "the readiness probe connects with the internal identity")
	t.Cleanup(func() { _ = srv.Stop() })
	require.True(t, srv.TLS())

	_, err = dialWith(ctx, srv, nil, "")
	require.Error(t, err, "a plain connection to a TLS frontend fails")

	trust := &tls.Config{RootCAs: pki.ca.Pool()}
	for _, c := range []struct{ key, reason string }{
		{"", "no API key"},
		{"wrong-key", "not accepted"},
	} {
		cl, err := dialWith(ctx, srv, trust.Clone(), c.key)
		require.NoError(t, err, "the health checks need no key")
		err = describe(ctx, cl, srv.Namespace())
		cl.Close()
		var pd *serviceerror.PermissionDenied
		require.True(t, errors.As(err, &pd), "key %q: %v", c.key, err)
		assert.Contains(t, pd.Reason, c.reason)
		assert.NotContains(t, pd.Error()+pd.Reason, key)
	}

	cl, err := dialWith(ctx, srv, trust.Clone(), key)
	require.NoError(t, err)
	defer cl.Close()
	require.NoError(t, describe(ctx, cl, srv.Namespace()))
	requireSystemWorker(ctx, t, cl, "api-key-schedule")
}

// TestMutualTLS runs a server that requires client certificates: no
// certificate, or one from another CA, is refused in the handshake; the
// CA's client certificate works, and the system worker still connects.
func TestMutualTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	pki := newPKI(t, dir)
	srv, err := devserver.Start(ctx, devserver.Config{LogFile: filepath.Join(dir, "server.log"),
		TLSCertFile: pki.serverCert, TLSKeyFile: pki.serverKey, TLSClientCAFile: pki.caFile, RequireClientCert: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })

	_, err = dialWith(ctx, srv, &tls.Config{RootCAs: pki.ca.Pool()}, "")
	require.Error(t, err, "no client certificate")
	assert.Contains(t, err.Error(), "certificate required")

	other, err := tlsgen.NewCA("another CA")
	require.NoError(t, err)
	stranger, err := other.Client(pkix.Name{CommonName: "stranger"})
	require.NoError(t, err)
	sc, err := stranger.TLS()
	require.NoError(t, err)
	_, err = dialWith(ctx, srv, &tls.Config{RootCAs: pki.ca.Pool(), Certificates: []tls.Certificate{sc}}, "")
	require.Error(t, err, "a certificate from a CA the server does not trust")

	cc, err := pki.client.TLS()
	require.NoError(t, err)
	cl, err := dialWith(ctx, srv, &tls.Config{RootCAs: pki.ca.Pool(), Certificates: []tls.Certificate{cc}}, "")
	require.NoError(t, err)
	defer cl.Close()
	require.NoError(t, describe(ctx, cl, srv.Namespace()))
	requireSystemWorker(ctx, t, cl, "mtls-schedule")
}

func TestSecurityConfigIsChecked(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		cfg  devserver.Config
		want string
	}{
		{devserver.Config{APIKeys: []string{"k"}}, "APIKeys need TLS"},
		{devserver.Config{TLSCertFile: "c.pem"}, "both TLSCertFile and TLSKeyFile"},
		{devserver.Config{RequireClientCert: true}, "need TLS"},
		{devserver.Config{TLSCertFile: "c", TLSKeyFile: "k", RequireClientCert: true}, "RequireClientCert needs TLSClientCAFile"},
		{devserver.Config{TLSCertFile: "c", TLSKeyFile: "k", APIKeys: []string{"has space"}}, "API key 1"},
		{devserver.Config{UICodecEndpoint: "http://127.0.0.1:9464/codec"}, "set UIPort"},
		{devserver.Config{UIPort: 1, UICodecEndpoint: "127.0.0.1:9464"}, "not an http(s) URL"},
	} {
		_, err := devserver.Start(ctx, c.cfg)
		assert.ErrorContains(t, err, c.want)
		if err != nil {
			assert.NotContains(t, err.Error(), "has space", "a key is never quoted")
		}
	}
}
