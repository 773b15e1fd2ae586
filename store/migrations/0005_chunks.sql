-- Letters and files larger than one chunk are stored in pieces, so that
-- storing one never makes SQLite hold a second whole copy of it. The row in
-- messages or blobs then keeps an empty value and the number of pieces.
CREATE TABLE chunks (
    owner TEXT    NOT NULL, -- 'message:<id>' or 'blob:<sha256>'
    seq   INTEGER NOT NULL, -- from 0
    data  BLOB    NOT NULL, -- sealed like the whole value would be
    PRIMARY KEY (owner, seq)
);
ALTER TABLE messages ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
