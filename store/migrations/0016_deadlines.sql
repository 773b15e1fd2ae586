-- Deadlines watched (store/deadlines.go, store/notices.go; the daemon's
-- Watch). A ticket waits for our answer while its status is new or
-- in_progress (a reopened ticket is in_progress); its deadline is due_at.
--
-- clock_at is when the clock of that deadline started: the arrival of the
-- letter that opened the ticket, or of the follow-up that reopened it or
-- brought its deadline forward. due_at - clock_at is the ticket's window,
-- and a change of priority moves due_at to clock_at plus the window of the
-- new priority. NULL for tickets stored before: their clock started when
-- they were created, or when they were last reopened.
ALTER TABLE tickets ADD COLUMN clock_at INTEGER;
UPDATE tickets SET clock_at = (SELECT MAX(e.at) FROM events e WHERE e.ticket_id = tickets.id AND e.action = 'ticket.reopened')
    WHERE id IN (SELECT ticket_id FROM events WHERE action = 'ticket.reopened');

-- warn_at is when the ticket becomes due soon: a fifth of its window
-- before its deadline (at it, for a ticket whose clock started after its
-- deadline).
ALTER TABLE tickets ADD COLUMN warn_at INTEGER GENERATED ALWAYS AS
    (due_at - max(due_at - COALESCE(clock_at, created_at), 0) / 5) VIRTUAL;

-- overdue_at is the deadline whose passing was last reported (the event
-- ticket.overdue, a log line, the immediate letter): a ticket waiting for
-- our answer is reported once its due_at has passed, unless due_at is
-- overdue_at. So each deadline is reported once, and a deadline moved (by
-- a change of priority, or a reopening) is reported again when it passes.
-- NULL while none was.
ALTER TABLE tickets ADD COLUMN overdue_at INTEGER;
-- Tickets already overdue when the store is upgraded count as reported:
-- the daily summary and "ticketd tickets -overdue" list them, but they get
-- no event and no immediate letter, which would otherwise come for the
-- whole backlog at once.
UPDATE tickets SET overdue_at = due_at
    WHERE status IN ('new', 'in_progress') AND due_at <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;

-- The tickets due soon or overdue (Deadlines), and those whose deadline
-- has passed unreported (MarkOverdue): each a range of a small index per
-- status. The status leads although the index holds only the statuses
-- asked for, so that SQLite, which has no statistics, prefers these
-- indexes to tickets_status.
CREATE INDEX tickets_watch ON tickets(status, warn_at) WHERE status IN ('new', 'in_progress');
CREATE INDEX tickets_unreported ON tickets(status, due_at) WHERE status IN ('new', 'in_progress') AND overdue_at IS NOT due_at;

-- Notices: letters to the staff about deadlines ([sla] notify), which
-- belong to no ticket, so they are queued here rather than in outbox
-- (whose letters are a ticket's correspondence). key makes each notice
-- once-only: the daily summary is "daily:YYYY-MM-DD", queued for every
-- address or none, in one transaction; the letter telling of tickets just
-- overdue is queued in the transaction that marks them. They hold ticket
-- numbers, priorities and deadlines, no citizen's words, and are not
-- sealed.
CREATE TABLE notices (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL,
    message_id      TEXT    NOT NULL,
    envelope_from   TEXT    NOT NULL,
    envelope_to     TEXT    NOT NULL,
    subject         TEXT    NOT NULL DEFAULT '',
    raw             BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    sent_at         INTEGER,
    failed_at       INTEGER,
    UNIQUE (key, envelope_to)
);
CREATE INDEX notices_due ON notices(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
