package stripe

import (
	"context"
	"fmt"
	"log/slog"
)

// sdkLogger routes stripe-go's log lines to the gateway's (redacting)
// slog.Logger: its debug and info lines at debug level, its warnings and
// errors at info level (an API error is returned to the caller as well,
// so it is not the gateway's error to log).
type sdkLogger struct{ l *slog.Logger }

func (s sdkLogger) Debugf(format string, v ...any) { s.logf(slog.LevelDebug, format, v) }
func (s sdkLogger) Infof(format string, v ...any)  { s.logf(slog.LevelDebug, format, v) }
func (s sdkLogger) Warnf(format string, v ...any)  { s.logf(slog.LevelInfo, format, v) }
func (s sdkLogger) Errorf(format string, v ...any) { s.logf(slog.LevelInfo, format, v) }

func (s sdkLogger) logf(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	s.l.Log(ctx, level, "stripe-go: "+fmt.Sprintf(format, v...))
}
