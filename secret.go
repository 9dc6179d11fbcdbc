package payments

import (
	"fmt"
	"log/slog"
)

// Secret holds a value that must never be printed: an API key, a webhook
// signing secret, a Toss virtual-account deposit secret, a Stripe client
// secret. String, GoString, Format (every verb), LogValue and MarshalText
// all give "REDACTED"; only [Secret.Reveal] returns the value. Storing a
// Secret in a struct therefore keeps it out of logs, errors and JSON by
// default.
type Secret string

const redacted = "REDACTED"

// Reveal returns the secret value. Call it only where the value is sent to
// the party it belongs to.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String returns "REDACTED".
func (s Secret) String() string { return redacted }

// GoString returns "REDACTED", so %#v does not reveal the value.
func (s Secret) GoString() string { return redacted }

// Format prints "REDACTED" for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "REDACTED" for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "REDACTED", which is what encoding/json, and any
// encoder that honours encoding.TextMarshaler, writes.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
