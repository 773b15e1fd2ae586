-- Every change to a ticket takes the next value of one change sequence,
-- kept in a single row, and stores it in tickets.version: the console sends
-- it back with an action to refuse the action if the ticket changed since
-- the page was read, and reads the tickets changed after a version, in
-- version order, as its live feed (index tickets_version). Each event
-- records the version its change gave the ticket, so the changes after a
-- version can be shown. Tickets stored before take versions in the order
-- they last changed; their events keep version 0.
CREATE TABLE change_sequence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET version = ranked.n
    FROM (SELECT id AS ranked_id, ROW_NUMBER() OVER (ORDER BY updated_at, id) AS n FROM tickets) AS ranked
    WHERE tickets.id = ranked.ranked_id;
INSERT INTO change_sequence (id, value) SELECT 1, COALESCE(MAX(version), 0) FROM tickets;
CREATE INDEX tickets_version ON tickets(version);

-- How many tickets there are of each status, priority, category and
-- assignee, kept by triggers so that the counts per status the console
-- shows with every page (store.StatusCounts) add up a few rows instead of
-- reading up to a million index entries. Every writer of tickets, the
-- store's or not, keeps them right.
CREATE TABLE ticket_counts (
    status   TEXT    NOT NULL,
    priority TEXT    NOT NULL,
    category TEXT    NOT NULL,
    assignee TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (status, priority, category, assignee)
);
INSERT INTO ticket_counts (status, priority, category, assignee, n)
    SELECT status, priority, category, assignee, COUNT(*) FROM tickets GROUP BY status, priority, category, assignee;
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_counts (status, priority, category, assignee, n)
        VALUES (NEW.status, NEW.priority, NEW.category, NEW.assignee, 1)
        ON CONFLICT (status, priority, category, assignee) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, priority, category, assignee ON tickets
WHEN OLD.status IS NOT NEW.status OR OLD.priority IS NOT NEW.priority
    OR OLD.category IS NOT NEW.category OR OLD.assignee IS NOT NEW.assignee
BEGIN
    UPDATE ticket_counts SET n = n - 1 WHERE status = OLD.status AND priority = OLD.priority
        AND category = OLD.category AND assignee = OLD.assignee;
    INSERT INTO ticket_counts (status, priority, category, assignee, n)
        VALUES (NEW.status, NEW.priority, NEW.category, NEW.assignee, 1)
        ON CONFLICT (status, priority, category, assignee) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets
BEGIN
    UPDATE ticket_counts SET n = n - 1 WHERE status = OLD.status AND priority = OLD.priority
        AND category = OLD.category AND assignee = OLD.assignee;
END;

-- Operators' internal notes on a ticket, never mailed. Like descriptions,
-- a note is kept as text, or, when the store has a key, sealed as bytes in
-- sealed_text (text is then ''), bound to its row and ticket.
CREATE TABLE notes (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    author      TEXT    NOT NULL,
    text        TEXT    NOT NULL DEFAULT '',
    sealed      BOOLEAN NOT NULL DEFAULT 0,
    sealed_text BLOB,
    created_at  INTEGER NOT NULL
);
CREATE INDEX notes_ticket ON notes(ticket_id, id);
