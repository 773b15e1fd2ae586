-- Large letters are spooled to the store in pieces as they are fetched
-- (issue 16, store/spool.go), before they are understood and filed. A
-- spool's pieces are rows of chunks owned by 'spool:<id>'; the row here
-- says which process wrote it and when, so that the spools of a process
-- that died before filing its letter are found and deleted (SweepSpools).
-- Filing the letter moves the pieces to its message and deletes the row.
CREATE TABLE spools (
    id         TEXT    PRIMARY KEY, -- random, hex
    holder     TEXT    NOT NULL,    -- host:pid:random of the writer (leases.go)
    created_at BIGINT  NOT NULL,    -- Unix milliseconds
    sealed     INTEGER NOT NULL DEFAULT 0 -- its pieces are sealed (the writer had the key)
);

-- Files of a spooled letter are stored (PutFile) before the letter is
-- filed, each in a transaction of its own. stored_at (Unix milliseconds)
-- says when: a file that no attachment names long after it was stored
-- belongs to a letter that was never filed, and SweepSpools deletes it.
-- Files stored with their letter (and those stored before) have NULL and
-- are never swept.
ALTER TABLE blobs ADD COLUMN stored_at BIGINT;
