-- Tickets, the correspondence kept for auditors, the mailbox watermark,
-- the outbox and the event log. Times are Unix milliseconds (UTC).

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY,
    number             TEXT    NOT NULL UNIQUE,
    status             TEXT    NOT NULL,
    priority           TEXT    NOT NULL,
    priority_reason    TEXT    NOT NULL DEFAULT '',
    category           TEXT    NOT NULL DEFAULT '',
    language           TEXT    NOT NULL DEFAULT 'ru',
    citizen_name       TEXT    NOT NULL DEFAULT '',
    citizen_address    TEXT    NOT NULL,
    subject            TEXT    NOT NULL DEFAULT '',
    account_number     TEXT    NOT NULL DEFAULT '',
    application_number TEXT    NOT NULL DEFAULT '',
    description        TEXT    NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    due_at             INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    direction    TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    dedupe_key   TEXT    NOT NULL UNIQUE,
    message_id   TEXT    NOT NULL DEFAULT '',
    from_name    TEXT    NOT NULL DEFAULT '',
    from_address TEXT    NOT NULL DEFAULT '',
    to_address   TEXT    NOT NULL DEFAULT '',
    subject      TEXT    NOT NULL DEFAULT '',
    template     TEXT    NOT NULL DEFAULT '',
    operator     TEXT    NOT NULL DEFAULT '',
    mailbox      TEXT    NOT NULL DEFAULT '',
    uid          INTEGER NOT NULL DEFAULT 0,
    note         TEXT    NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    raw_sha256   TEXT    NOT NULL,
    raw          BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX messages_ticket ON messages(ticket_id, id);
CREATE INDEX messages_message_id ON messages(message_id);

CREATE TABLE blobs (
    sha256 TEXT    PRIMARY KEY,
    size   INTEGER NOT NULL,
    data   BLOB    NOT NULL
);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id),
    filename      TEXT    NOT NULL,
    original_name TEXT    NOT NULL DEFAULT '',
    declared_type TEXT    NOT NULL DEFAULT '',
    detected_type TEXT    NOT NULL DEFAULT '',
    size          INTEGER NOT NULL,
    sha256        TEXT    NOT NULL REFERENCES blobs(sha256),
    verdict       TEXT    NOT NULL,
    reason        TEXT    NOT NULL DEFAULT '',
    detail        TEXT    NOT NULL DEFAULT '',
    width         INTEGER NOT NULL DEFAULT 0,
    height        INTEGER NOT NULL DEFAULT 0,
    pages         INTEGER NOT NULL DEFAULT 0,
    thumbnail_sha256 TEXT REFERENCES blobs(sha256),
    display_sha256   TEXT REFERENCES blobs(sha256)
);
CREATE INDEX attachments_message ON attachments(message_id);

CREATE TABLE mailbox_state (
    mailbox      TEXT    PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL,  -- highest UID whose letter is stored
    done_uid     INTEGER NOT NULL DEFAULT 0  -- highest UID flagged or moved on the server
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL UNIQUE REFERENCES messages(id),
    envelope_from   TEXT    NOT NULL,
    envelope_to     TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    sent_at         INTEGER,
    failed_at       INTEGER
);
CREATE INDEX outbox_due ON outbox(sent_at, next_attempt_at);

CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id),
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    detail    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_ticket ON events(ticket_id, id);

-- The event log is append-only: auditors rely on it.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
