-- The event log becomes a hash chain (store/chain.go): each event keeps
-- the hash of the event before it and its own, the SHA-256 of that and of
-- its canonical content, so that an edited, deleted or reordered row
-- breaks the chain where it was changed. Events that store a letter name
-- it (message_id) and keep the hashes of what they stored (digest): its
-- raw bytes and its files, so a letter or file changed in its own table no
-- longer matches the chain. Reads of personal data are events too (action
-- "read.…", reads.go); they give a ticket no new version.
ALTER TABLE events ADD COLUMN message_id INTEGER REFERENCES messages(id);
ALTER TABLE events ADD COLUMN digest TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN prev_hash BLOB;
ALTER TABLE events ADD COLUMN hash BLOB;
-- The chain hashes a detail's SHA-256, not the detail, so that a purge
-- (retention) can erase the personal data an event's detail names (an
-- address, say) and keep the chain whole: an erased detail holds the
-- hexadecimal SHA-256 of what it said, and detail_erased is 1.
ALTER TABLE events ADD COLUMN detail_erased INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_message ON events(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX events_actor ON events(actor, id);

-- Events written before the chain get their hashes once, in id order,
-- when the store is opened (chain.go, linkOldEvents); a purge may erase a
-- detail as above. No other update is allowed. (The triggers are a guard
-- against mistakes: what proves the log unchanged is the chain.)
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN OLD.hash IS NOT NULL AND NOT (OLD.detail_erased = 0 AND NEW.detail_erased = 1
    AND NEW.id = OLD.id AND NEW.ticket_id IS OLD.ticket_id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
    AND NEW.action = OLD.action AND NEW.version = OLD.version AND NEW.message_id IS OLD.message_id
    AND NEW.digest = OLD.digest AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash)
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Letters stored before the chain get a letter.stored event at open
-- (chain.go, attestOldLetters), in groups: old_letters is the last of
-- them, attested the last one attested so far.
CREATE TABLE chain_upgrade (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    old_letters INTEGER NOT NULL,
    attested    INTEGER NOT NULL
);
INSERT INTO chain_upgrade (id, old_letters, attested) SELECT 1, COALESCE(MAX(id), 0), 0 FROM messages;
