package cli

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/pflag"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/ocimove/ocimove/internal/temporalconn"
)

// Defaults of the Temporal connection, the worker's as well.
const (
	DefaultAddress   = temporalconn.DefaultAddress
	DefaultNamespace = temporalconn.DefaultNamespace
	DefaultTaskQueue = "ocimove"
)

// connFlags are the starter's Temporal flags: the connection (see
// temporalconn), the task queue and the client's log level.
type connFlags struct {
	temporalconn.Flags
	taskQueue string
	logLevel  string

	resolved *temporalconn.Conn
	err      error
}

func (f *connFlags) register(fs *pflag.FlagSet) {
	f.Flags.Register(fs)
	fs.StringVar(&f.taskQueue, "task-queue", envOr("OCIMOVE_TASK_QUEUE", DefaultTaskQueue), "task queue the workers poll (env OCIMOVE_TASK_QUEUE)")
	fs.StringVar(&f.logLevel, "log-level", envOr("OCIMOVE_LOG_LEVEL", "error"), "log level of the Temporal client: debug, info, warn or error (env OCIMOVE_LOG_LEVEL)")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// conn resolves the connection once; a bad setting is a usage error.
func (f *connFlags) conn() (*temporalconn.Conn, error) {
	if f.resolved == nil && f.err == nil {
		f.resolved, f.err = f.Resolve()
		if f.err != nil {
			f.err = usageError(f.err)
		}
	}
	return f.resolved, f.err
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelError
	}
	return l
}

// dial connects with the identity given, the client's logs going to
// logOut, and classifies a failure by its exit code: bad settings or an
// unknown namespace 2, refused credentials 1, an unreachable server 3.
func (f *connFlags) dial(ctx context.Context, identity string, logOut io.Writer) (client.Client, error) {
	c, err := f.conn()
	if err != nil {
		return nil, err
	}
	opts := *c
	opts.Options.Identity = identity
	opts.Options.Logger = tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: parseLevel(f.logLevel)})))
	cl, err := opts.Dial(ctx)
	switch temporalconn.KindOf(err) {
	case 0:
		return cl, err
	case temporalconn.Config, temporalconn.UnknownNamespace:
		return nil, usageError(err)
	case temporalconn.Refused:
		return nil, &exitError{code: ExitFailed, err: err}
	default:
		return nil, unavailable(err)
	}
}
