// Package redact removes secrets from text before it reaches a log line or
// an error: Toss and Stripe secret keys, webhook secrets, client secrets,
// deposit secrets and Basic/Bearer credentials.
package redact

import (
	"context"
	"log/slog"
	"regexp"
)

// patterns match the shapes of secrets the library handles.
var patterns = regexp.MustCompile(
	`(?:live|test)_(?:g?sk|ck|gck)_[A-Za-z0-9]+` + // Toss keys
		`|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+` + // Stripe secret and restricted keys
		`|whsec_[A-Za-z0-9+/=]+` + // Stripe webhook secrets
		`|pi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+` + // PaymentIntent client secrets
		`|\bps_[A-Za-z0-9]{10,}` + // Toss deposit secrets
		`|(?i:(?:basic|bearer)\s+)[A-Za-z0-9._~+/=-]{8,}`) // credentials in headers

// String returns s with every secret replaced by "REDACTED".
func String(s string) string {
	return patterns.ReplaceAllString(s, "REDACTED")
}

// Handler wraps a slog.Handler so that string attributes and messages
// are passed through [String] first.
type Handler struct{ next slog.Handler }

// NewHandler returns a redacting slog.Handler in front of next.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(clean(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		c[i] = clean(a)
	}
	return &Handler{next: h.next.WithAttrs(c)}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

func clean(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		c := make([]any, len(g))
		for i, x := range g {
			c[i] = clean(x)
		}
		return slog.Group(a.Key, c...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, String(err.Error()))
		}
		return slog.Attr{Key: a.Key, Value: v}
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
