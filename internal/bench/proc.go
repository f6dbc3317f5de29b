package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Measured is what one copy run cost, seen from outside the process.
type Measured struct {
	Wall    time.Duration
	CPU     time.Duration // user + system of the copying process
	PeakRSS int64         // bytes (rusage ru_maxrss of the child)
	// CPU time the endpoints spent serving this run.
	S3CPU, OCICPU time.Duration
}

// runMeasured runs cmd to completion and measures its wall time, CPU time
// and peak RSS. stderr is kept (its tail goes into the error).
func runMeasured(ctx context.Context, ep *Endpoints, cmd *exec.Cmd) (Measured, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	s3a, ocia := ep.CPU()
	start := time.Now()
	err := cmd.Run()
	m := Measured{Wall: time.Since(start)}
	s3b, ocib := ep.CPU()
	m.S3CPU, m.OCICPU = s3b-s3a, ocib-ocia
	if ps := cmd.ProcessState; ps != nil {
		m.CPU = ps.UserTime() + ps.SystemTime()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			m.PeakRSS = ru.Maxrss << 10 // KiB on Linux
		}
	}
	if err != nil {
		tail := stderr.Bytes()
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return m, fmt.Errorf("%s: %w\n%s", cmd.Path, err, tail)
	}
	if ctx.Err() != nil {
		return m, ctx.Err()
	}
	return m, nil
}

// RSSSample is a process's resident set size at a moment of a run.
type RSSSample struct {
	At  time.Duration // since sampling started
	RSS int64         // bytes
}

// sampleRSS samples the VmRSS of process pid every interval until the
// returned function is called, which returns the samples.
func sampleRSS(pid int, every time.Duration) func() []RSSSample {
	var samples []RSSSample
	done, stopped := make(chan struct{}), make(chan struct{})
	start := time.Now()
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if rss, ok := vmRSS(pid); ok {
				samples = append(samples, RSSSample{At: time.Since(start), RSS: rss})
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() []RSSSample {
		close(done)
		<-stopped
		return samples
	}
}

// vmRSS reads VmRSS from /proc/<pid>/status (Linux).
func vmRSS(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb); err == nil {
				return kb << 10, true
			}
		}
	}
	return 0, false
}
