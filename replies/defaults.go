package replies

import "time"

// Defaults of the Outbox's and SMTP's settings, taken where a field is
// zero. The configuration's defaults are these.
const (
	DefaultTimeout     = 30 * time.Second // SMTP.Timeout
	DefaultConnections = 4                // Outbox.Connections
	DefaultMinDelay    = 30 * time.Second // Outbox.MinDelay
	DefaultMaxDelay    = time.Hour        // Outbox.MaxDelay
	DefaultMaxAttempts = 48               // Outbox.MaxAttempts
	DefaultIdleCheck   = 5 * time.Second  // Outbox.IdleCheck
)

// orDefault returns v, or def when v is zero or less.
func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
