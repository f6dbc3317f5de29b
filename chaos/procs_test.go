//go:build chaos

package chaos_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildBinaries builds the module's commands the suite runs, once, into dir.
func buildBinaries(dir string, pkgs ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, pkg := range pkgs {
		bin := filepath.Join(dir, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-o", bin, "github.com/ocimove/ocimove/"+pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go build %s: %w", pkg, err)
		}
		out[filepath.Base(pkg)] = bin
	}
	return out, nil
}

// proc is a child process that prints "READY <addr>" on stdout once it
// serves; its stderr goes to a log file.
type proc struct {
	name  string
	bin   string
	args  []string
	env   []string
	log   string
	mu    sync.Mutex
	cmd   *exec.Cmd
	ready string // what followed READY
	done  chan struct{}
}

// newProc describes a process; start runs it.
func newProc(name, bin string, args, env []string, log string) *proc {
	return &proc{name: name, bin: bin, args: args, env: env, log: log}
}

// start runs the process and waits up to timeout for its READY line.
func (p *proc) start(timeout time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	// The child dies with the suite, even when the suite is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	lf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s log: %w", p.name, err)
	}
	fmt.Fprintf(lf, "==== %s start %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(p.args, " "))
	cmd.Stderr = lf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		lf.Close()
		return err
	}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "READY"); ok {
				ready <- strings.TrimSpace(rest)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); lf.Close(); close(done) }()
	p.cmd, p.done = cmd, done
	select {
	case r := <-ready:
		p.ready = r
		return nil
	case <-done:
		return fmt.Errorf("%s exited before it was ready; see %s", p.name, p.log)
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s not ready within %s; see %s", p.name, timeout, p.log)
	}
}

// alive reports whether the process runs.
func (p *proc) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// signal sends sig and waits up to wait for the exit (then SIGKILL).
func (p *proc) signal(sig syscall.Signal, wait time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(wait):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// kill sends SIGKILL: no shutdown, no last heartbeat.
func (p *proc) kill() { p.signal(syscall.SIGKILL, 10*time.Second) }

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop() { p.signal(syscall.SIGTERM, 60*time.Second) }

// waitFor polls cond every interval until it holds or ctx ends.
func waitFor(ctx context.Context, interval time.Duration, cond func() (bool, string)) (string, error) {
	last := ""
	for {
		ok, state := cond()
		if ok {
			return state, nil
		}
		last = state
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(interval):
		}
	}
}
