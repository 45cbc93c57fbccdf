package app

import (
	"log/slog"

	"go.temporal.io/sdk/log"
)

// newTemporalLogger moves the SDK's chatty info logs down to debug.
func newTemporalLogger(l *slog.Logger) log.Logger {
	return quietLogger{log.NewStructuredLogger(l)}
}

type quietLogger struct{ log.Logger }

func (q quietLogger) Info(msg string, kv ...any) { q.Logger.Debug(msg, kv...) }
