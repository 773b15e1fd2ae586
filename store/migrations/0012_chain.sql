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
CREATE INDEX events_message ON events(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX events_actor ON events(actor, id);

-- Events written before the chain get their hashes once, in id order,
-- when the store is opened (chain.go, linkOldEvents): the only update an
-- event may ever have.
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN OLD.hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
