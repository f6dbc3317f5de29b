// Package promtest runs a real Prometheus server (Debian's `prometheus`
// binary) for a test: on a free loopback port, with the configuration the
// test gives and its data in the test's directory, stopped when the test
// ends. Without the binary the test is skipped, or fails when
// OCIMOVE_REQUIRE_ALL=1 (as in CI, where scripts/test installs it).
package promtest

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/promapi"
)

// Server is a running Prometheus.
type Server struct {
	// URL is its HTTP API's base, http://127.0.0.1:PORT.
	URL string
	// Client asks it.
	Client promapi.Client
	// Dir holds its configuration, data and log.
	Dir string
}

// Binary returns the path of a Debian package's binary (prometheus,
// promtool), skipping the test when it is missing, or failing it when
// OCIMOVE_REQUIRE_ALL=1.
func Binary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("OCIMOVE_REQUIRE_ALL") == "1" {
			t.Fatalf("%s is not installed (apt-get install prometheus); scripts/test installs it", name)
		}
		t.Skipf("%s is not installed (apt-get install prometheus)", name)
	}
	return p
}

// Start writes config (prometheus.yml) to a directory of the test and runs
// Prometheus on it, waiting until it is ready. Rule files the config names
// by relative path are read from that directory.
func Start(t testing.TB, config []byte) *Server {
	t.Helper()
	bin := Binary(t, "prometheus")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, config, 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	s := &Server{URL: "http://" + addr, Dir: dir}
	s.Client = promapi.Client{URL: s.URL}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.URL + "/-/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("prometheus did not become ready at %s; its log:\n%s", addr, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Log returns what the server has logged so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "prometheus.log"))
	return string(b)
}

// Eventually polls cond every half second until it holds or timeout
// passes, then fails the test with what cond last said.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		ok, state := cond(ctx)
		cancel()
		if ok {
			return
		}
		last = state
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s; last seen: %s", timeout, what, last)
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
