package bench

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
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
