package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ocimove/ocimove/internal/codec"
	"github.com/ocimove/ocimove/internal/local/devserver"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// TestCodecKeepsHistoryCiphertext runs a migration with the payload codec
// (OCIMOVE_CODEC_KEY on the worker binary and the starter) to one shard
// cut over and one awaiting approval. Every history, read from the server
// by a client without the codec, holds only ciphertext: no payload
// outside search attributes is unsealed, and no object key, bucket name
// or routing path appears anywhere in it. With the codec the payloads
// decode (the plan, object keys), every workflow replays from its history
// (and does not without the codec), and the worker's /codec endpoint
// decodes a payload with the token and refuses it without.
func TestCodecKeepsHistoryCiphertext(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TEMPORAL_CONFIG_FILE", filepath.Join(dir, "no-such.toml"))
	for _, name := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_PROFILE", codec.EnvKeyFile} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	httpAddr := freeAddr(t)
	endpoint := "http://" + httpAddr + "/codec"
	srv := startConnServer(t, dir, devserver.Config{UIPort: freePortNumber(t), UICodecEndpoint: endpoint})
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "codec-src", nil)
	env.OCIStore(t, "codec-dst", nil)
	prefixes := []string{"users/00/", "users/01/"}
	clitest.Seed(t, src, prefixes, 15)
	const id = "conn-codec"
	planPath, p := clitest.WritePlan(t, env, dir, id, "codec-src", "codec-dst", prefixes)
	secrets := []string{"codec-src", "codec-dst", p.Cutover.Target.Settings.(*fileroute.Settings).Path, "user-0000/profile.json"}
	for _, pre := range prefixes {
		for i := 0; i < 15; i++ {
			secrets = append(secrets, pre+"user-00"+twoDigits(i)+"/profile.json")
		}
	}

	raw := make([]byte, codec.KeySize)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	t.Setenv(codec.EnvKey, base64.StdEncoding.EncodeToString(raw))
	const token = "codec-endpoint-token"
	const queue = "conn-codec"
	w := startProc(t, buildBinary(t, "cmd/worker"),
		[]string{"--address", srv.Address(), "--task-queue", queue, "--http-addr", httpAddr, "--codec-cors-origin", srv.UIAddress(), "--log-level", "warn"},
		workerEnv(map[string]string{"OCIMOVE_CODEC_TOKEN": token}), filepath.Join(dir, "worker.log"))
	defer w.kill()

	s := clitest.Starter{T: t, Conn: []string{"--address", srv.Address(), "--task-queue", queue}}
	s.OK("plan", planPath)
	s.OK("start", planPath)
	s.WaitFor(id, "every shard to await approval", 3*time.Minute, func(v clitest.Status) bool { return v.AllIn(workflows.AwaitingApproval) })
	s.OK("approve", id, prefixes[0], "--reason", "codec test", "--as", "carol")
	s.WaitFor(id, "shard 00 to soak", 3*time.Minute, func(v clitest.Status) bool { return v.Shard(plan.ShardID(prefixes[0])).State == workflows.Soaking })

	ring, err := codec.NewKeyring(raw)
	require.NoError(t, err)
	cdc, err := codec.New(ring)
	require.NoError(t, err)
	plain, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: srv.Namespace(), Logger: quietSDKLogger()})
	require.NoError(t, err)
	defer plain.Close()

	histories := executions(t, plain, 4)
	withCodec, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: cdc.DataConverter(), FailureConverter: cdc.FailureConverter()})
	require.NoError(t, err)
	withoutCodec := worker.NewWorkflowReplayer()
	for _, r := range []worker.WorkflowReplayer{withCodec, withoutCodec} {
		r.RegisterWorkflow(workflows.MigrationWorkflow)
		r.RegisterWorkflow(workflows.ShardWorkflow)
		r.RegisterWorkflow(workflows.PreflightWorkflow)
	}
	var decodedText strings.Builder
	var sealed []*commonpb.Payload
	for wid, h := range histories {
		content := contentOf(h)
		require.NotEmpty(t, content.payloads, wid)
		for _, pl := range content.payloads {
			require.Equal(t, codec.EncodingEncrypted, string(pl.GetMetadata()[codec.MetadataEncoding]), "%s: an unsealed payload: %s", wid, pl)
		}
		for _, secret := range secrets {
			assert.Empty(t, content.containing(secret), "%s: %q appears in the history read without the codec", wid, secret)
		}
		opened, err := cdc.Decode(content.payloads)
		require.NoError(t, err, wid)
		for _, pl := range opened {
			decodedText.Write(pl.GetData())
			decodedText.WriteByte('\n')
		}
		sealed = append(sealed, content.payloads...)

		require.NoError(t, withCodec.ReplayWorkflowHistory(nil, h), "%s replays with the codec", wid)
		if h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName() == "MigrationWorkflow" {
			assert.Error(t, withoutCodec.ReplayWorkflowHistory(discardLogger(), h), "%s cannot replay without the codec", wid)
		}
	}
	text := decodedText.String()
	assert.Contains(t, text, "s3://codec-src/", "the plan's settings are in the sealed payloads")
	assert.Contains(t, text, "users/00/user-0009/profile.json", "object keys (batch cursors) are in the sealed payloads")

	// The worker's codec server: decodes with the token, refuses without.
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: sealed[:1]})
	require.NoError(t, err)
	post := func(auth string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, endpoint+"/decode", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", srv.Namespace())
		req.Header.Set("Origin", srv.UIAddress())
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if auth != "" {
			assert.Equal(t, srv.UIAddress(), resp.Header.Get("Access-Control-Allow-Origin"), "the Web UI's origin may call it")
		}
		return resp.StatusCode, string(out)
	}
	code, out := post("")
	assert.Equal(t, http.StatusUnauthorized, code, out)
	code, out = post("Bearer not-the-token")
	assert.Equal(t, http.StatusUnauthorized, code, out)
	code, out = post("Bearer " + token)
	require.Equal(t, http.StatusOK, code, out)
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal([]byte(out), &decoded), out)
	require.Len(t, decoded.Payloads, 1)
	assert.NotEqual(t, codec.EncodingEncrypted, string(decoded.Payloads[0].GetMetadata()[codec.MetadataEncoding]))

	// The Web UI is told to decode with that endpoint.
	resp, err := http.Get(srv.UIAddress() + "/api/v1/settings")
	require.NoError(t, err)
	defer resp.Body.Close()
	var settings struct{ Codec struct{ Endpoint string } }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&settings))
	assert.Equal(t, endpoint, settings.Codec.Endpoint)
}

// executions returns the history of every workflow execution in the
// namespace, by workflow id, waiting until visibility lists at least min
// and every id in must.
func executions(t *testing.T, c client.Client, min int, must ...string) map[string]*historypb.History {
	t.Helper()
	var ids []string
	eventually(t, time.Minute, "visibility to list the workflows", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{})
		if err != nil {
			return false, err.Error()
		}
		ids = ids[:0]
		for _, e := range resp.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		for _, id := range must {
			if !slices.Contains(ids, id) {
				return false, "not yet listed: " + id + "; listed: " + strings.Join(ids, ", ")
			}
		}
		return len(ids) >= min, strings.Join(ids, ", ")
	})
	out := map[string]*historypb.History{}
	for _, id := range ids {
		out[id] = history(t, c, id)
	}
	return out
}

// discardLogger drops the replayer's logs (a replay that is meant to fail
// logs its panic).
func discardLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// twoDigits formats 0..99 with two digits.
func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

// freePortNumber returns a loopback port nothing listens on.
func freePortNumber(t *testing.T) int {
	t.Helper()
	addr := freeAddr(t)
	port := 0
	for _, ch := range addr[strings.LastIndexByte(addr, ':')+1:] {
		port = port*10 + int(ch-'0')
	}
	return port
}
