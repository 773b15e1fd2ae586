-- Several mailboxes and several daemons (issue 15); the SQLite twin is
-- store/migrations/0017_fleet.sql, which explains each change.
ALTER TABLE tickets ADD COLUMN mailbox TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN queue TEXT NOT NULL DEFAULT '';
CREATE INDEX tickets_mailbox ON tickets(mailbox) WHERE mailbox <> '';

CREATE TABLE leases (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    renewed    BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE notices ADD COLUMN claimed_by TEXT;
ALTER TABLE notices ADD COLUMN claimed_until BIGINT;

ALTER TABLE mailbox_state ADD COLUMN read_at BIGINT;
