package e2e_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// requireAll reports whether a missing dependency must fail the test
// instead of skipping it (CI sets OCIMOVE_REQUIRE_ALL=1).
func requireAll() bool { return os.Getenv("OCIMOVE_REQUIRE_ALL") == "1" }

// needEnv returns the value of an environment variable the test needs.
func needEnv(t *testing.T, name, why string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if requireAll() {
			t.Fatalf("%s is not set: %s (scripts/test sets it)", name, why)
		}
		t.Skipf("%s is not set: %s", name, why)
	}
	return v
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// buildBinary builds a command of this module once per test binary.
func buildBinary(t *testing.T, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "ocimove-e2e-bin-")
	require.NoError(t, err)
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, "github.com/ocimove/ocimove/"+pkg)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Run(), "go build %s", pkg)
	built[pkg] = out
	return out
}

// proc is a child process (the worker) whose stdout is scanned for READY
// and whose stderr goes to a log file.
type proc struct {
	cmd *exec.Cmd
	log string
}

func startProc(t *testing.T, bin string, args, env []string, logPath string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	cmd.Stderr = lf
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &proc{cmd: cmd, log: logPath}
	t.Cleanup(func() { p.kill(); lf.Close() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "READY") {
				close(ready)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		p.kill()
		logs, _ := os.ReadFile(logPath)
		t.Fatalf("%s did not become ready; its log:\n%s", bin, logs)
	}
	return p
}

// kill sends SIGKILL: no shutdown, no final heartbeat.
func (p *proc) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s; last seen: %s", timeout, what, last)
}

// hashObject returns the SHA-256 of an object's bytes.
func hashObject(ctx context.Context, s store.Store, key string) (string, int64, error) {
	rc, _, err := s.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
