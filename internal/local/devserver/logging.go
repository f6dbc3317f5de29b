package devserver

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	sdklog "go.temporal.io/sdk/log"
	serverlog "go.temporal.io/server/common/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// logSink is where the server and this package's own client write their logs.
type logSink struct {
	w      io.Writer
	file   *closingFile // nil when logging to stderr or nowhere
	server serverlog.Logger
	client sdklog.Logger
}

// closingFile is a log file that drops writes once closed: a few of the
// server's goroutines still log after Stop returns, and zap would report each
// failed write on standard error.
type closingFile struct {
	mu sync.Mutex
	f  *os.File
}

// Write writes p to the file, or discards it after close.
func (c *closingFile) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return len(p), nil
	}
	return c.f.Write(p)
}

// close closes the file; later writes are discarded.
func (c *closingFile) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	return err
}

// newLogSink opens the log destination chosen by cfg. A file is appended to,
// so a restarted server keeps the earlier run's lines.
func newLogSink(cfg Config) (*logSink, error) {
	s := &logSink{w: os.Stderr}
	if cfg.LogLevel == "off" {
		s.w = io.Discard
		s.server = serverlog.NewNoopLogger()
		s.client = sdklog.NewStructuredLogger(slog.New(slog.NewJSONHandler(io.Discard, nil)))
		return s, nil
	}
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("devserver: opening LogFile %q: %w", cfg.LogFile, err)
		}
		s.file = &closingFile{f: f}
		s.w = s.file
	}

	level := serverlog.ParseZapLevel(cfg.LogLevel)
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(s.w), level)
	s.server = serverlog.NewZapLogger(zap.New(core))

	var slevel slog.Level
	if err := slevel.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		slevel = slog.LevelWarn
	}
	s.client = sdklog.NewStructuredLogger(slog.New(slog.NewJSONHandler(s.w, &slog.HandlerOptions{Level: slevel})))
	return s, nil
}

// close closes the log file, if any.
func (s *logSink) close() error {
	if s.file == nil {
		return nil
	}
	return s.file.close()
}
