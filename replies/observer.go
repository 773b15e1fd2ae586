package replies

// Observer is told what becomes of answers, for metrics. Its methods are
// called from the outbox's goroutines and must not block.
type Observer interface {
	// Queued reports n answers put in the outbox.
	Queued(n int)
	// Sent reports n answers the server accepted, recorded as sent.
	Sent(n int)
	// Failed reports n answers given up: refused for good, or still
	// failing after MaxAttempts.
	Failed(n int)
}
