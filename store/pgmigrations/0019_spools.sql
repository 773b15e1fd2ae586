-- Spooled letters and files stored before their letter (issue 16); the
-- SQLite twin is store/migrations/0019_spools.sql, which explains each
-- change.
CREATE TABLE spools (
    id         TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    sealed     INTEGER NOT NULL DEFAULT 0
);

ALTER TABLE blobs ADD COLUMN stored_at BIGINT;
