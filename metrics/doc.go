// Package metrics keeps ticketd's Prometheus metrics: one registry of its
// own (never the global default), the counters the daemon and the outbox
// move, gauges asked of the store at each scrape, the store's latency,
// and the Go runtime's and the process's collectors.
//
// Counters, moved as things happen (labels: mailbox is the mailbox's key,
// the [[mailbox]] name or, for the old [imap], its folder):
//
//   - ticketd_letters_fetched_total{mailbox}: letters downloaded from the
//     mailbox, whole or (too large) only their header.
//   - ticketd_letters_filed_total{mailbox}: letters committed to the store
//     as tickets or follow-ups; a second delivery of a letter already
//     stored is not counted.
//   - ticketd_letters_refused_total{mailbox}: letters filed but not as
//     read: too large to download (only the header is kept), or refused
//     by the store as read and kept as bare bytes. Each is also filed.
//   - ticketd_fetch_errors_total{mailbox}: looks at the mailbox that
//     failed (server away, login refused, a command failing); failures of
//     the store are not counted here.
//   - ticketd_answers_queued_total: answers put in the outbox by this
//     process: acknowledgements, and operators' replies from the console
//     (a "ticketd reply" run in another process counts there, not here).
//   - ticketd_answers_sent_total: answers the SMTP server accepted.
//   - ticketd_answers_failed_total: answers given up, refused for good or
//     still failing after the last attempt. Attempts that will be retried
//     are not failures.
//
// Gauges, asked of the store at each scrape (bounded by the scrape's
// context and ScrapeTimeout):
//
//   - ticketd_outbox_depth: letters waiting to be sent (neither sent nor
//     given up), staff notices included.
//   - ticketd_outbox_oldest_seconds: how long the oldest of them has
//     waited since it was queued; 0 when none waits.
//   - ticketd_tickets_open{priority}: tickets in every status but closed.
//   - ticketd_tickets_overdue{priority}: tickets waiting for our answer
//     (new or in progress) whose deadline has passed.
//   - ticketd_mailbox_read_age_seconds{mailbox}: time since the mailbox
//     was last read successfully.
//
// Histogram:
//
//   - ticketd_store_seconds{op}: how long store operations take; op is
//     "exec" and "query" (one statement), "tx" (an action's write
//     transaction, waiting for the write lock included) or "commit" (the
//     durable commit of a batch of letters). See store.OpExec.
//
// And the standard go_* and process_* metrics.
package metrics
