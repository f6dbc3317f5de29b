package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Regions and names the benchmark endpoints serve.
const (
	s3Region     = "us-east-1"
	ociRegion    = "us-ashburn-1"
	ociNamespace = "ocimove"
	srcBucket    = "bench-src"
	s3AccessKey  = "AKIABENCH"
)

// Endpoints are the two local clouds, each a separate localcloud process
// storing objects on disk under Dir.
type Endpoints struct {
	Dir         string
	S3URL       string
	S3Secret    string // random per run; passed to children by environment only
	OCIURL      string
	OCIConfig   string // OCI config file written by localcloud --write-credentials
	OCIProfile  string
	DstBuckets  []string
	s3, oci     *exec.Cmd
	s3Log, oLog *os.File
}

// buildLocalcloud compiles cmd/localcloud into dir and returns its path.
func buildLocalcloud(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "localcloud")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/ocimove/ocimove/cmd/localcloud")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build cmd/localcloud (run the bench from inside the module): %w", err)
	}
	return bin, nil
}

// startEndpoints starts the S3 endpoint with the source bucket and the OCI
// endpoint with dstBuckets, both storing under dir.
func startEndpoints(ctx context.Context, bin, dir string, dstBuckets []string) (*Endpoints, error) {
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	ep := &Endpoints{Dir: dir, S3Secret: hex.EncodeToString(secret), DstBuckets: dstBuckets,
		OCIConfig: filepath.Join(dir, "oci-creds", "config"), OCIProfile: "DEFAULT"}
	var err error
	ep.s3, ep.s3Log, ep.S3URL, err = startProcess(ctx, bin, filepath.Join(dir, "s3.log"),
		[]string{"LOCALCLOUD_S3_SECRET_KEY=" + ep.S3Secret},
		"s3", "--addr", "127.0.0.1:0", "--dir", filepath.Join(dir, "s3"), "--region", s3Region,
		"--access-key", s3AccessKey, "--bucket", srcBucket)
	if err != nil {
		return nil, fmt.Errorf("start local S3: %w", err)
	}
	args := []string{"oci", "--addr", "127.0.0.1:0", "--dir", filepath.Join(dir, "oci"), "--region", ociRegion,
		"--namespace", ociNamespace, "--write-credentials", filepath.Join(dir, "oci-creds")}
	for _, b := range dstBuckets {
		args = append(args, "--bucket", b)
	}
	ep.oci, ep.oLog, ep.OCIURL, err = startProcess(ctx, bin, filepath.Join(dir, "oci.log"), nil, args...)
	if err != nil {
		ep.Stop()
		return nil, fmt.Errorf("start local OCI: %w", err)
	}
	return ep, nil
}

// startProcess runs bin with args, logging stderr to logPath, and waits
// for its "READY <url>" line (the worker prints "READY" alone).
func startProcess(ctx context.Context, bin, logPath string, env []string, args ...string) (*exec.Cmd, *os.File, string, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, nil, "", err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, nil, "", err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, nil, "", err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "READY"); ok {
				ready <- strings.TrimSpace(u)
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case u := <-ready:
		return cmd, logf, u, nil
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	logf.Close()
	return nil, nil, "", fmt.Errorf("%s did not print READY within 30s; see %s", filepath.Base(bin), logPath)
}

// Stop terminates both endpoints and waits for them.
func (ep *Endpoints) Stop() {
	for _, c := range []*exec.Cmd{ep.s3, ep.oci} {
		if c == nil || c.Process == nil {
			continue
		}
		_ = c.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	}
	for _, f := range []*os.File{ep.s3Log, ep.oLog} {
		if f != nil {
			f.Close()
		}
	}
}

// CPU returns the CPU time used so far by the S3 and the OCI endpoint.
func (ep *Endpoints) CPU() (s3, oci time.Duration) {
	return procCPU(ep.s3), procCPU(ep.oci)
}

// procCPU reads utime+stime of a running process from /proc (Linux); 0
// elsewhere.
func procCPU(c *exec.Cmd) time.Duration {
	if c == nil || c.Process == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clkTck
}
