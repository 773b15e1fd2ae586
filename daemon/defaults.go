package daemon

import "time"

// Defaults of the Daemon's and the Mailbox's settings, taken where a field
// is zero. The configuration's defaults are these.
const (
	DefaultPollInterval       = 30 * time.Second // PollInterval
	DefaultIdleTimeout        = 25 * time.Minute // IdleTimeout: servers end IDLE after 30
	DefaultBatchSize          = 50               // BatchSize
	DefaultBatchBytes         = 16 << 20         // BatchBytes
	DefaultMaxSize            = 30 << 20         // MaxSize
	DefaultAutoRepliesPerHour = 5                // AutoRepliesPerHour
	DefaultNormalSLA          = 24 * time.Hour   // SLA.Normal
	DefaultPrioritySLA        = 12 * time.Hour   // SLA.Priority
	DefaultTimeout            = time.Minute      // Mailbox.Timeout
)

// orDefault returns v, or def when v is zero or less.
func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
