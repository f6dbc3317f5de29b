package activities

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/activity"
)

// infoLogger is the part of a logger the activities use.
type infoLogger interface {
	Info(msg string, keyvals ...any)
	Warn(msg string, keyvals ...any)
}

// logger returns the activity's logger, or slog's default outside an
// activity (direct calls in tools and tests).
func logger(ctx context.Context) infoLogger {
	if activity.IsActivity(ctx) {
		return activity.GetLogger(ctx)
	}
	return slog.Default()
}

// heartbeat records details when ctx is an activity's.
func heartbeat(ctx context.Context, details ...any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details...)
	}
}
