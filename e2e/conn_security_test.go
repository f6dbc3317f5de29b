package e2e_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/cli"
	"github.com/ocimove/ocimove/internal/local/devserver"
	"github.com/ocimove/ocimove/internal/temporalconn"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// connCreds are the credentials one side of a test connects with.
type connCreds struct {
	addr                      string
	caFile, certFile, keyFile string
	apiKey                    string
}

// connWay is one way to give the connection settings to both commands.
type connWay struct {
	name string
	args []string          // command line flags
	env  map[string]string // environment variables
}

// connWays returns the settings of creds as flags, as TEMPORAL_*
// variables and as an envconfig profile file written in dir.
func connWays(t *testing.T, dir string, creds connCreds) []connWay {
	t.Helper()
	flags := []string{"--address", creds.addr, "--namespace", devserver.DefaultNamespace, "--tls", "--tls-ca-path", creds.caFile}
	env := map[string]string{"TEMPORAL_ADDRESS": creds.addr, "TEMPORAL_NAMESPACE": devserver.DefaultNamespace,
		"TEMPORAL_TLS": "true", "TEMPORAL_TLS_SERVER_CA_CERT_PATH": creds.caFile}
	profile := fmt.Sprintf("[profile.ocimove]\naddress = %q\nnamespace = %q\n", creds.addr, devserver.DefaultNamespace)
	if creds.apiKey != "" {
		flags = append(flags, "--api-key", creds.apiKey)
		env["TEMPORAL_API_KEY"] = creds.apiKey
		profile += fmt.Sprintf("api_key = %q\n", creds.apiKey)
	}
	profile += fmt.Sprintf("\n[profile.ocimove.tls]\nserver_ca_cert_path = %q\n", creds.caFile)
	if creds.certFile != "" {
		flags = append(flags, "--tls-cert-path", creds.certFile, "--tls-key-path", creds.keyFile)
		env["TEMPORAL_TLS_CLIENT_CERT_PATH"], env["TEMPORAL_TLS_CLIENT_KEY_PATH"] = creds.certFile, creds.keyFile
		profile += fmt.Sprintf("client_cert_path = %q\nclient_key_path = %q\n", creds.certFile, creds.keyFile)
	}
	file := filepath.Join(dir, "temporal.toml")
	require.NoError(t, os.WriteFile(file, []byte(profile), 0o600))
	return []connWay{
		{name: "flags", args: flags},
		{name: "env", env: env},
		{name: "profile", args: []string{"--config-file", file, "--profile", "ocimove"}},
		{name: "profile-env", env: map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "ocimove"}},
	}
}

// connFixture is a secured embedded server, the local endpoints, a seeded
// source and a plan for them.
type connFixture struct {
	dir      string
	srv      *devserver.Server
	pki      connPKI
	worker   string
	planPath string
	planID   string
	objects  int
}

func newConnFixture(t *testing.T, id string, cfg func(p connPKI) devserver.Config) *connFixture {
	t.Helper()
	dir := t.TempDir()
	// Keep any Temporal config file of the machine out of the test.
	t.Setenv("TEMPORAL_CONFIG_FILE", filepath.Join(dir, "no-such.toml"))
	for _, name := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_PROFILE", "OCIMOVE_CODEC_KEY", "OCIMOVE_CODEC_KEY_FILE"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	pki := newConnPKI(t, dir)
	srv := startConnServer(t, dir, cfg(pki))
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, id+"-src", nil)
	env.OCIStore(t, id+"-dst", nil)
	prefixes := []string{"users/00/", "users/01/"}
	clitest.Seed(t, src, prefixes, 12)
	planPath, _ := clitest.WritePlan(t, env, dir, id, id+"-src", id+"-dst", prefixes)
	return &connFixture{dir: dir, srv: srv, pki: pki, worker: buildBinary(t, "cmd/worker"), planPath: planPath, planID: id, objects: 24}
}

// runPlan starts the worker binary and runs `starter plan`, both
// configured the same way, on their own task queue: the plan's pre-flight
// runs on that worker and counts every seeded object.
func (f *connFixture) runPlan(t *testing.T, way connWay, queue string) {
	t.Helper()
	for k, v := range way.env {
		t.Setenv(k, v)
	}
	args := append(append([]string(nil), way.args...), "--task-queue", queue, "--http-addr", "", "--log-level", "warn")
	w := startProc(t, f.worker, args, workerEnv(way.env), filepath.Join(f.dir, queue+".log"))
	defer w.kill()
	s := clitest.Starter{T: t, Conn: append(append([]string(nil), way.args...), "--task-queue", queue)}
	r := s.OK("plan", f.planPath, "-o", "json")
	var rep struct {
		Objects  int64
		Problems []string
	}
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &rep), r.Stdout)
	assert.Equal(t, int64(f.objects), rep.Objects, "the worker listed every object")
	assert.Empty(t, rep.Problems)
}

// starterFails runs `starter status` with args and requires exit code
// code and a message holding each of want.
func starterFails(t *testing.T, args []string, code int, want ...string) string {
	t.Helper()
	r := clitest.Starter{T: t, Conn: slices.Concat(args, []string{"--connect-timeout", "5s"})}.Run("status", "any")
	require.Equal(t, code, r.Code, r.String())
	t.Logf("starter %v:\n%s", args, r.Stderr)
	for _, w := range want {
		assert.Contains(t, r.Stderr, w)
	}
	return r.Stderr
}

// workerFails runs the worker binary with args and requires it to exit
// with a message holding each of want.
func (f *connFixture) workerFails(t *testing.T, args []string, want ...string) string {
	t.Helper()
	code, stderr := runToExit(t, f.worker, slices.Concat(args, []string{"--http-addr", "", "--connect-timeout", "5s"}), workerEnv(nil))
	assert.Equal(t, 1, code, stderr)
	t.Logf("worker %v:\n%s", args, stderr)
	for _, w := range want {
		assert.Contains(t, stderr, w)
	}
	return stderr
}

// TestConnectWithTLS: a server with TLS only. The worker and the starter
// connect with its CA (flags, TEMPORAL_* variables, a profile) and the
// worker runs the plan's pre-flight; without TLS neither connects.
func TestConnectWithTLS(t *testing.T) {
	f := newConnFixture(t, "conn-tls", func(p connPKI) devserver.Config {
		return devserver.Config{TLSCertFile: p.serverCert, TLSKeyFile: p.serverKey}
	})
	for i, way := range connWays(t, f.dir, connCreds{addr: f.srv.Address(), caFile: f.pki.caFile}) {
		t.Run(way.name, func(t *testing.T) { f.runPlan(t, way, fmt.Sprintf("conn-tls-%d", i)) })
	}
	plain := []string{"--address", f.srv.Address()}
	starterFails(t, plain, cli.ExitUnavailable, "cannot reach Temporal at "+f.srv.Address(), "--tls")
	f.workerFails(t, plain, "cannot reach Temporal at "+f.srv.Address(), "--tls")
	untrusted := []string{"--address", f.srv.Address(), "--tls"}
	starterFails(t, untrusted, cli.ExitUnavailable, "--tls-ca-path")
}

// TestConnectWithMutualTLS: a server that requires client certificates.
// The worker and the starter connect with the client certificate (three
// ways) and run the pre-flight; without a certificate both are refused in
// the handshake with a message saying what to set; an operator action
// records the certificate's subject beside the --as actor.
func TestConnectWithMutualTLS(t *testing.T) {
	f := newConnFixture(t, "conn-mtls", func(p connPKI) devserver.Config {
		return devserver.Config{TLSCertFile: p.serverCert, TLSKeyFile: p.serverKey, TLSClientCAFile: p.caFile, RequireClientCert: true}
	})
	creds := connCreds{addr: f.srv.Address(), caFile: f.pki.caFile, certFile: f.pki.clientCert, keyFile: f.pki.clientKey}
	ways := connWays(t, f.dir, creds)
	for i, way := range ways {
		t.Run(way.name, func(t *testing.T) { f.runPlan(t, way, fmt.Sprintf("conn-mtls-%d", i)) })
	}
	noCert := []string{"--address", f.srv.Address(), "--tls-ca-path", f.pki.caFile}
	starterFails(t, noCert, cli.ExitUnavailable, "client certificate", "--tls-cert-path")
	f.workerFails(t, noCert, "client certificate", "--tls-cert-path")

	identity := f.operatorIdentity(t, ways[0], "conn-mtls-audit", "")
	assert.Equal(t, "x509:"+f.pki.clientSubject, identity)
}

// TestConnectWithAPIKey: a server with TLS and API keys. The worker and
// the starter connect with the key (three ways) and run the pre-flight; a
// missing or wrong key is refused with a message saying so, which never
// shows a key; an operator action records the key's id, never the key.
func TestConnectWithAPIKey(t *testing.T) {
	const key, wrong = "ocimove-e2e-api-key-7f3a", "ocimove-e2e-wrong-key-0000"
	f := newConnFixture(t, "conn-key", func(p connPKI) devserver.Config {
		return devserver.Config{TLSCertFile: p.serverCert, TLSKeyFile: p.serverKey, APIKeys: []string{key}}
	})
	ways := connWays(t, f.dir, connCreds{addr: f.srv.Address(), caFile: f.pki.caFile, apiKey: key})
	for i, way := range ways {
		t.Run(way.name, func(t *testing.T) { f.runPlan(t, way, fmt.Sprintf("conn-key-%d", i)) })
	}
	noKey := []string{"--address", f.srv.Address(), "--tls-ca-path", f.pki.caFile}
	starterFails(t, noKey, cli.ExitFailed, "refused this connection's credentials", "no API key", "TEMPORAL_API_KEY")
	f.workerFails(t, noKey, "refused this connection's credentials", "no API key")
	wrongKey := slices.Concat(noKey, []string{"--api-key", wrong})
	msg := starterFails(t, wrongKey, cli.ExitFailed, "refused this connection's credentials", "not accepted")
	assert.NotContains(t, msg, wrong)
	msg = f.workerFails(t, wrongKey, "refused this connection's credentials", "not accepted")
	assert.NotContains(t, msg, wrong)

	identity := f.operatorIdentity(t, ways[1], "conn-key-audit", key)
	assert.Equal(t, "api-key:"+temporalconn.APIKeyID(key), identity)
	assert.NotContains(t, identity, key)
}

// operatorIdentity starts the migration with a worker connected the way
// given, pauses it as "alice", and returns the identity the pause request
// recorded in the migration's history, which must not hold secret.
func (f *connFixture) operatorIdentity(t *testing.T, way connWay, queue, secret string) string {
	t.Helper()
	for k, v := range way.env {
		t.Setenv(k, v)
	}
	args := append(append([]string(nil), way.args...), "--task-queue", queue, "--http-addr", "", "--log-level", "warn")
	w := startProc(t, f.worker, args, workerEnv(way.env), filepath.Join(f.dir, queue+".log"))
	defer w.kill()
	s := clitest.Starter{T: t, Conn: append(append([]string(nil), way.args...), "--task-queue", queue)}
	s.OK("start", f.planPath)
	r := s.OK("pause", f.planID, "--reason", "audit check", "--as", "alice")
	require.Contains(t, r.Stdout, "Recorded: alice [")

	c := adminClient(t, way)
	defer c.Close()
	h := history(t, c, workflows.MigrationWorkflowID(f.planID))
	if secret != "" {
		require.Empty(t, contentOf(h).containing(secret), "the API key is in the migration's history")
	}
	for _, ev := range h.Events {
		acc := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes()
		if acc == nil || acc.GetAcceptedRequest().GetInput().GetName() != workflows.UpdatePause {
			continue
		}
		var req workflows.OperatorRequest
		require.NoError(t, json.Unmarshal(acc.GetAcceptedRequest().GetInput().GetArgs().GetPayloads()[0].GetData(), &req))
		assert.Equal(t, "alice", req.Actor)
		assert.Equal(t, "audit check", req.Reason)
		return req.Identity
	}
	t.Fatal("no pause Update in the migration's history")
	return ""
}

// adminClient dials the server with the settings of way (flags, and the
// environment the caller set), without a payload codec unless one is set.
func adminClient(t *testing.T, way connWay) client.Client {
	t.Helper()
	var flags temporalconn.Flags
	fs := pflag.NewFlagSet("admin", pflag.ContinueOnError)
	flags.Register(fs)
	require.NoError(t, fs.Parse(way.args))
	conn, err := flags.Resolve()
	require.NoError(t, err)
	conn.Options.Logger = quietSDKLogger()
	c, err := conn.Dial(t.Context())
	require.NoError(t, err)
	return c
}
