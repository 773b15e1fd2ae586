-- Several mailboxes and several daemons (issue 15).
--
-- Each ticket knows the mailbox its first letter came in by (the key of
-- its [[mailbox]] section, or the folder of the single [imap], "INBOX")
-- and the queue it landed in; tickets stored before have ''.
ALTER TABLE tickets ADD COLUMN mailbox TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN queue TEXT NOT NULL DEFAULT '';
CREATE INDEX tickets_mailbox ON tickets(mailbox) WHERE mailbox <> '';

-- Leases (store/leases.go): one row per thing only one process may do at
-- a time, a mailbox ("mailbox:general") or a singleton task
-- ("task:deadlines"). holder is "host:pid:random"; the lease is free once
-- expires_at (Unix milliseconds) has passed. renewed counts renewals.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at BIGINT  NOT NULL,
    renewed    BIGINT  NOT NULL DEFAULT 0
);

-- The outbox is shared by every daemon: a letter is claimed by one
-- (claimed_by, until claimed_until) before it is sent; a claim that
-- expired (its holder died) may be taken again. The notices likewise.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE notices ADD COLUMN claimed_by TEXT;
ALTER TABLE notices ADD COLUMN claimed_until BIGINT;

-- When each mailbox was last read successfully (MarkRead), for /healthz.
ALTER TABLE mailbox_state ADD COLUMN read_at BIGINT;
