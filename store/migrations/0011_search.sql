-- Search (store/search.go): a blind index of each ticket's words. The
-- full-text table holds, for each ticket (rowid = ticket id), the keyed
-- hashes of its terms, never the words (blind.go); it is contentless, and
-- keeps no positions (detail=none): a search asks only which tickets hold
-- every term. contentless_delete lets a ticket's row be replaced when a
-- follow-up brings new words. ticket_terms keeps the same hashes of each
-- ticket, 8 bytes each (a contentless table cannot give its rows back),
-- to make that row again, and to check tickets read in the order of the
-- queue without the full-text table.
CREATE VIRTUAL TABLE ticket_search USING fts5(terms, content='', contentless_delete=1, detail=none, tokenize='unicode61');

CREATE TABLE ticket_terms (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    terms     BLOB    NOT NULL
);

-- Which key the index was built with (a fingerprint: a hash of the index
-- key, never the key), and whether it is whole: 'empty' until the first
-- ticket is indexed, 'current' when it holds every ticket, 'building'
-- while Reindex rebuilds it (or after Reindex was stopped), 'stale' when
-- tickets were stored before the index existed.
CREATE TABLE search_index (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    key_fingerprint TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL CHECK (state IN ('empty', 'current', 'building', 'stale'))
);
INSERT INTO search_index (id, state)
    SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM tickets) THEN 'stale' ELSE 'empty' END;
