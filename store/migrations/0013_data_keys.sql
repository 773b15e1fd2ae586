-- Envelope encryption (store/keys.go). The key file (store.key_file) is the
-- master key and never enters the database; what seals rows is a data key,
-- kept here wrapped by the master key: nonce || AES-256-GCM(master key,
-- data key) with the associated data "ticketd data key <id>". With the
-- wrapped key, the fingerprint of the master key that wrapped it
-- (HMAC-SHA256(master key, "ticketd master key fingerprint"), hex), so a
-- wrong key file is named as such at start. One data key (id 1) seals
-- everything; the table allows more later.
CREATE TABLE data_keys (
    id                 INTEGER PRIMARY KEY,
    wrapped            BLOB,                       -- NULL: the legacy key, not wrapped yet (below)
    master_fingerprint TEXT    NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL
);

-- A store that sealed rows before this migration sealed them with the key
-- file itself: that key becomes data key 1, so that those rows and the
-- search index stay as they are. Its row is made here, not yet wrapped
-- (there is no key in a migration); the first start with the key checks
-- that it opens one of those rows, and wraps it with itself.
INSERT INTO data_keys (id, wrapped, master_fingerprint, created_at)
    SELECT 1, NULL, '', 0
    WHERE EXISTS (SELECT 1 FROM tickets WHERE description_sealed <> 0)
       OR EXISTS (SELECT 1 FROM notes WHERE sealed <> 0)
       OR EXISTS (SELECT 1 FROM users WHERE totp_sealed <> 0)
       OR EXISTS (SELECT 1 FROM blobs WHERE sealed <> 0)
       OR EXISTS (SELECT 1 FROM messages WHERE sealed <> 0);

-- The columns that held a citizen's words in plain even with a key are
-- sealed together, with the data key, in one BLOB per row (store/fields.go);
-- the plain columns are then ''. NULL: the row's are still in the plain
-- columns (written without a key, or before this migration).
--   tickets:     citizen_name, subject, account_number, application_number
--   messages:    from_name, subject
--   attachments: filename, original_name
ALTER TABLE tickets ADD COLUMN sealed_fields BLOB;
ALTER TABLE messages ADD COLUMN sealed_fields BLOB;
ALTER TABLE attachments ADD COLUMN sealed_names BLOB;

-- The rows still plain, for "ticketd keys seal-existing" (store.SealExisting)
-- to find, and count, without reading every letter: partial indexes that
-- hold only them. A store with a key adds nothing to them.
CREATE INDEX tickets_plain ON tickets(id) WHERE description_sealed = 0 OR sealed_fields IS NULL;
CREATE INDEX messages_plain ON messages(id) WHERE sealed = 0 OR sealed_fields IS NULL;
CREATE INDEX attachments_plain ON attachments(id) WHERE sealed_names IS NULL;
CREATE INDEX blobs_plain ON blobs(sealed) WHERE sealed = 0;
CREATE INDEX notes_plain ON notes(id) WHERE sealed = 0;
