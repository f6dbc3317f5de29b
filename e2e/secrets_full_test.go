package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/routing/webhook"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// secretRole creates a PostgreSQL role with a password made for this test
// (the scripts' default password, "ocimove", is the project's name and
// would be found everywhere), allowed to create the shard map table, and
// returns its DSN and password. The role is dropped when the test ends.
func secretRole(t *testing.T, adminDSN string) (string, string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminDSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })
	role := "ocimove_sec_" + randomHex(t, 4)
	pw := "pg-s3cr3t-" + randomHex(t, 12)
	_, err = conn.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", role, pw))
	require.NoError(t, err, "the role of OCIMOVE_TEST_PG_DSN needs CREATEROLE (scripts/postgres.sh grants it); run scripts/postgres.sh again")
	// The role gets a schema of its own, first on its search path: the
	// shard map's tables and trigger function are created there, apart
	// from other tests' (a function in public belongs to whoever made it).
	for _, q := range []string{"GRANT " + role + " TO CURRENT_USER", "CREATE SCHEMA " + role + " AUTHORIZATION " + role,
		"ALTER ROLE " + role + " SET search_path = " + role} {
		_, err = conn.Exec(ctx, q)
		require.NoError(t, err, q)
	}
	t.Cleanup(func() {
		for _, q := range []string{"DROP SCHEMA " + role + " CASCADE", "DROP OWNED BY " + role, "DROP ROLE " + role} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Logf("clean up PostgreSQL: %s: %v", q, err)
			}
		}
	})
	u, err := url.Parse(adminDSN)
	require.NoError(t, err)
	u.User = url.UserPassword(role, pw)
	return u.String(), pw
}

// runCommand runs a binary to its end and returns its exit code and
// combined output.
func runCommand(t *testing.T, bin string, args, env []string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	require.NoError(t, err, "%s %v", bin, args)
	return 0, out.String()
}

// TestFullRunLeaksNoSecret runs two migrations to Complete (copy, verify,
// catch-up, freeze, final verification, cutover, soak, purge) with real
// processes: the worker and the starter binaries, at debug log level, on
// the embedded Temporal server. One migration cuts over on an HMAC-signed
// webhook, the other on a PostgreSQL shard map whose DSN holds a password
// made for the test. Then every workflow history on the server (payloads
// decoded), the worker's and the starter's logs and a scrape of the
// worker's /metrics are scanned for the S3 access key and secret, the OCI
// private key and its fingerprint, the HMAC secret and the PostgreSQL
// password, each also in base64 and hex. Nothing may be found. A workflow
// started with a planted secret in its input proves the scan of the
// histories finds what is there.
func TestFullRunLeaksNoSecret(t *testing.T) {
	adminDSN := needEnv(t, "OCIMOVE_TEST_PG_DSN", "the PostgreSQL routing target is a real PostgreSQL")
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	srcHook := env.S3Store(t, "secfull-src-a", nil)
	srcPG := env.S3Store(t, "secfull-src-b", nil)
	dstHook := env.OCIStore(t, "secfull-dst-a", nil)
	dstPG := env.OCIStore(t, "secfull-dst-b", nil)
	seedShards(t, srcHook, []string{"users/1a/", "users/1b/"}, 30, nil)
	seedShards(t, srcPG, []string{"users/2a/"}, 30, nil)

	hmacKey := "hmac-s3cr3t-" + randomHex(t, 12)
	hook := webhook.NewReferenceServer([]byte(hmacKey))
	hs := httptest.NewServer(hook)
	t.Cleanup(hs.Close)
	pgDSN, pgPassword := secretRole(t, adminDSN)

	pa := webhookPlan(env, "e2e-secfull-hook", "secfull-src-a", "secfull-dst-a", []string{"users/1a/", "users/1b/"}, "OCIMOVE_SEC_HOOK_URL", "OCIMOVE_SEC_HOOK_KEY")
	pb := localPlan(env, "e2e-secfull-pg", "secfull-src-b", "secfull-dst-b", []string{"users/2a/"})
	pb.Cutover.Target = plan.Target{Settings: &pgroute.Settings{DSNRef: "env:OCIMOVE_SEC_PG_DSN", Table: "secfull_routes_" + randomHex(t, 4)}}
	var files []string
	for _, p := range []*plan.Plan{pa, pb} {
		p.Soak = plan.Soak{Retention: plan.Duration(2 * time.Second)}
		p.Purge = plan.Purge{Enabled: true}
		p.Verification.Mode = plan.VerifyFull
		pdir := filepath.Join(dir, p.ID)
		require.NoError(t, os.MkdirAll(pdir, 0o700))
		_, path := writePlan(t, p, pdir)
		files = append(files, path)
	}

	const queue = "ocimove-secfull"
	metricsAddr := freeAddr(t)
	workerLog := filepath.Join(dir, "worker.log")
	wenv := workerEnv(map[string]string{"OCIMOVE_SEC_HOOK_URL": hs.URL + "/routes", "OCIMOVE_SEC_HOOK_KEY": hmacKey, "OCIMOVE_SEC_PG_DSN": pgDSN})
	startProc(t, buildBinary(t, "cmd/worker"), []string{"--address", srv.Address(), "--task-queue", queue, "--http-addr", metricsAddr,
		"--part-size", fmt.Sprint(e2ePartSize), "--pool-bytes", fmt.Sprint(64 << 20), "--log-level", "debug"}, wenv, workerLog)

	starter := buildBinary(t, "cmd/starter")
	conn := []string{"--address", srv.Address(), "--task-queue", queue, "--log-level", "debug"}
	var starterLog strings.Builder
	for _, f := range files {
		code, out := runCommand(t, starter, append([]string{"start", f}, conn...), nil)
		starterLog.WriteString(out)
		require.Equal(t, 0, code, "starter start %s:\n%s", f, out)
	}
	ctx := context.Background()
	for _, p := range []*plan.Plan{pa, pb} {
		wctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
		var res workflows.MigrationResult
		err := tc.GetWorkflow(wctx, workflows.MigrationWorkflowID(p.ID), "").Get(wctx, &res)
		cancel()
		if err != nil {
			shards, _ := p.ShardList()
			for _, s := range shards {
				st, qerr := shardStatus(ctx, tc, p.ID, s.ID)
				t.Logf("shard %s: %s %v; last error %q", s.ID, st.State, qerr, st.LastError)
			}
		}
		require.NoError(t, err, "migration %s completes", p.ID)
		code, out := runCommand(t, starter, append([]string{"status", p.ID}, conn...), nil)
		starterLog.WriteString(out)
		require.Equal(t, 0, code, "starter status:\n%s", out)
		require.Contains(t, out, string(workflows.Complete))
	}
	// The run went all the way: data at the destination, the sources
	// purged, both targets cut over.
	for src, dst := range map[store.Store]store.Store{srcHook: dstHook, srcPG: dstPG} {
		left, err := store.ListAll(ctx, src, "users/")
		require.NoError(t, err)
		assert.Empty(t, left, "%s is purged", src)
		moved, err := store.ListAll(ctx, dst, "users/")
		require.NoError(t, err)
		assert.NotEmpty(t, moved, "%s holds the data", dst)
	}
	hookShards, err := pa.ShardList()
	require.NoError(t, err)
	for _, s := range hookShards {
		r, err := hook.Routes().Get(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, "destination", string(r.State))
	}
	rt, err := pgroute.New(ctx, pgroute.Config{DSN: pgDSN, Table: pb.Cutover.Target.Settings.(*pgroute.Settings).Table})
	require.NoError(t, err)
	pgShards, err := pb.ShardList()
	require.NoError(t, err)
	r, err := rt.Get(ctx, pgShards[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "destination", string(r.State))
	rt.Close()

	// A planted secret, to prove the histories are fetched and decoded and
	// the scan finds what is there.
	const planted = "planted-s3cr3t-in-history"
	_, err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "planted", TaskQueue: "nobody-polls-this"}, "Planted",
		map[string]string{"note": base64.StdEncoding.EncodeToString([]byte(planted))})
	require.NoError(t, err)

	texts := map[string]string{}
	for id := range executions(t, tc, 2+len(hookShards)+len(pgShards)+1, "planted") {
		texts["history "+id] = historyText(t, tc, id)
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	scrape, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.True(t, strings.Contains(string(scrape), "ocimove_"), "the scrape holds the worker's metrics")
	texts["metrics scrape"] = string(scrape)
	wlog, err := os.ReadFile(workerLog)
	require.NoError(t, err)
	require.True(t, strings.Contains(string(wlog), `"level":"DEBUG"`), "the worker logged at debug level")
	texts["worker log"] = string(wlog)
	texts["starter output"] = starterLog.String()

	secrets := map[string]string{"S3 access key": testenv.S3AccessKey, "S3 secret key": testenv.S3SecretKey,
		"HMAC secret": hmacKey, "PostgreSQL password": pgPassword}
	for k, v := range ociKeySecrets(t, env.OCICreds) {
		secrets[k] = v
	}
	found := scanSecrets(map[string]string{"planted": planted}, texts)
	require.Len(t, found, 1, "the planted secret is found, once: %v", found)
	require.Equal(t, "history planted", found[0].where)
	delete(texts, "history planted")

	t.Logf("scanned %d texts (%d histories, %d bytes of worker log, %d bytes of metrics) for %d secrets", len(texts), len(texts)-3, len(wlog), len(scrape), len(secrets))
	for _, l := range scanSecrets(secrets, texts) {
		t.Errorf("%s shows the %s (as %q): …%s…", l.where, l.secret, l.form, l.context)
	}
}
