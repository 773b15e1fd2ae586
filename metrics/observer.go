package metrics

import "time"

// Fetched counts n letters downloaded from mailbox.
func (m *Metrics) Fetched(mailbox string, n int) { m.fetched.WithLabelValues(mailbox).Add(float64(n)) }

// Filed counts a letter of mailbox committed to the store.
func (m *Metrics) Filed(mailbox string) { m.filed.WithLabelValues(mailbox).Inc() }

// Refused counts a letter of mailbox filed but not as read.
func (m *Metrics) Refused(mailbox string) { m.refused.WithLabelValues(mailbox).Inc() }

// FetchFailed counts a failed look at mailbox.
func (m *Metrics) FetchFailed(mailbox string) { m.fetchErrors.WithLabelValues(mailbox).Inc() }

// Read does nothing: the age of each mailbox's last read is asked of
// Options.Reads at each scrape, so that any process reports it whoever
// read the mailbox.
func (m *Metrics) Read(mailbox string, at time.Time) {}

// Queued counts n answers put in the outbox.
func (m *Metrics) Queued(n int) { m.queued.Add(float64(n)) }

// Sent counts n answers the server accepted.
func (m *Metrics) Sent(n int) { m.sent.Add(float64(n)) }

// Failed counts n answers given up.
func (m *Metrics) Failed(n int) { m.failed.Add(float64(n)) }

// ObserveStore records how long a store operation took; it is the
// store.DB.Observe hook.
func (m *Metrics) ObserveStore(op string, d time.Duration) {
	m.storeSeconds.WithLabelValues(op).Observe(d.Seconds())
}
