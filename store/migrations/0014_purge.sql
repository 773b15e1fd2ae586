-- Retention (store/purge.go): the correspondence of a ticket closed longer
-- ago than the configured period is removed, leaving the ticket's number,
-- status, dates, category and priority, and a tombstone event
-- (ticket.purged) with the hashes of what was removed.
--
-- closed_at is when the ticket was last closed, NULL while it is not
-- closed: the store's writers of a status keep it (setStatus, a follow-up
-- that reopens, Load). Tickets closed before this migration take the time
-- of their last change to closed in the event log, or, when the log has
-- none (tickets loaded in bulk), the time they last changed.
ALTER TABLE tickets ADD COLUMN closed_at INTEGER;
UPDATE tickets SET closed_at = COALESCE(
    (SELECT MAX(e.at) FROM events e WHERE e.ticket_id = tickets.id AND e.action = 'ticket.status'
        AND e.detail LIKE '%→ closed'),
    updated_at)
    WHERE status = 'closed';

-- purged_at is when the ticket's correspondence was removed, under the
-- rule purge_rule names; NULL while it is kept. A purged ticket is never
-- purged again.
ALTER TABLE tickets ADD COLUMN purged_at INTEGER;
ALTER TABLE tickets ADD COLUMN purge_rule TEXT NOT NULL DEFAULT '';

-- A purged letter keeps its row, its size and the SHA-256 of its bytes
-- (which its letter.stored event and the tombstone name); raw is empty.
ALTER TABLE messages ADD COLUMN purged_at INTEGER;
-- A file is stored once per SHA-256 and may be shared by letters of other
-- tickets: its bytes are removed only once no letter that is not purged
-- holds it. Its row stays (attachments refer to it), empty, with
-- purged_at set; the same file arriving again fills it again.
ALTER TABLE blobs ADD COLUMN purged_at INTEGER;

-- The tickets due for a purge, per category, oldest closed first.
CREATE INDEX tickets_retention ON tickets(category, closed_at, id)
    WHERE closed_at IS NOT NULL AND purged_at IS NULL;
-- Whether any letter still holds a file, by each of its hashes.
CREATE INDEX attachments_sha256 ON attachments(sha256);
CREATE INDEX attachments_thumbnail ON attachments(thumbnail_sha256) WHERE thumbnail_sha256 IS NOT NULL;
CREATE INDEX attachments_display ON attachments(display_sha256) WHERE display_sha256 IS NOT NULL;
