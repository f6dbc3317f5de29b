package e2e_test

import (
	"bytes"
	"context"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ocimove/ocimove/internal/local/devserver"
	"github.com/ocimove/ocimove/internal/local/tlsgen"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// connPKI is a CA, a server certificate for 127.0.0.1 and localhost, and
// a client certificate, written as PEM files.
type connPKI struct {
	caFile                string
	serverCert, serverKey string
	clientCert, clientKey string
	clientSubject         string
}

func newConnPKI(t *testing.T, dir string) connPKI {
	t.Helper()
	ca, err := tlsgen.NewCA("ocimove e2e CA")
	require.NoError(t, err)
	caFile, _, err := ca.WriteFiles(dir, "ca")
	require.NoError(t, err)
	srv, err := ca.Server("127.0.0.1", "localhost")
	require.NoError(t, err)
	sc, sk, err := srv.WriteFiles(dir, "server")
	require.NoError(t, err)
	cl, err := ca.Client(pkix.Name{CommonName: "ops-alice", Organization: []string{"Acme SRE"}})
	require.NoError(t, err)
	cc, ck, err := cl.WriteFiles(dir, "client")
	require.NoError(t, err)
	return connPKI{caFile: caFile, serverCert: sc, serverKey: sk, clientCert: cc, clientKey: ck, clientSubject: cl.X509.Subject.String()}
}

// quietSDKLogger keeps the SDK's info lines out of the test output.
func quietSDKLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// startConnServer starts the embedded server with cfg in dir.
func startConnServer(t *testing.T, dir string, cfg devserver.Config) *devserver.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg.LogFile = filepath.Join(dir, "temporal.log")
	srv, err := devserver.Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// workerEnv is the environment the worker process needs for the local
// endpoints, plus extra NAME=VALUE pairs.
func workerEnv(extra map[string]string) []string {
	env := []string{"AWS_ACCESS_KEY_ID=" + testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY=" + testenv.S3SecretKey,
		"AWS_REGION=" + testenv.S3Region, "AWS_EC2_METADATA_DISABLED=true"}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+extra[k])
	}
	return env
}

// runToExit runs the worker binary until it exits (it is expected to
// fail) and returns its exit code and standard error.
func runToExit(t *testing.T, bin string, args, env []string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	require.Error(t, err, "the worker was expected to fail; stderr:\n%s", stderr.String())
	require.NoError(t, ctx.Err(), "the worker did not exit within 90s")
	code := -1
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return code, stderr.String()
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// history returns the events of a workflow's current run, as the server
// stores them: a client's data converter plays no part.
func history(t *testing.T, c client.Client, workflowID string) *historypb.History {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, 0)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err, "history of %s", workflowID)
		h.Events = append(h.Events, ev)
	}
	require.NotEmpty(t, h.Events, "history of %s", workflowID)
	return h
}

// historyContent is everything a history holds: its payloads (outside
// search attributes), the payloads of its search attributes, and every
// string and byte field, payload data included.
type historyContent struct {
	payloads, searchAttributes []*commonpb.Payload
	texts                      []string
}

// contentOf walks every field of h.
func contentOf(h *historypb.History) *historyContent {
	c := &historyContent{}
	c.walk(h.ProtoReflect(), false)
	return c
}

func (c *historyContent) walk(m protoreflect.Message, inSA bool) {
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		if inSA {
			c.searchAttributes = append(c.searchAttributes, p)
		} else {
			c.payloads = append(c.payloads, p)
		}
	}
	inSA = inSA || m.Descriptor().FullName() == "temporal.api.common.v1.SearchAttributes"
	value := func(fd protoreflect.FieldDescriptor, v protoreflect.Value) {
		switch fd.Kind() {
		case protoreflect.MessageKind, protoreflect.GroupKind:
			c.walk(v.Message(), inSA)
		case protoreflect.StringKind:
			c.texts = append(c.texts, v.String())
		case protoreflect.BytesKind:
			c.texts = append(c.texts, string(v.Bytes()))
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			for i := 0; i < v.List().Len(); i++ {
				value(fd, v.List().Get(i))
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				c.texts = append(c.texts, fmt.Sprint(k.Interface()))
				value(fd.MapValue(), mv)
				return true
			})
		default:
			value(fd, v)
		}
		return true
	})
}

// containing returns the texts that contain s.
func (c *historyContent) containing(s string) []string {
	var out []string
	for _, t := range c.texts {
		if bytes.Contains([]byte(t), []byte(s)) {
			out = append(out, t)
		}
	}
	return out
}
