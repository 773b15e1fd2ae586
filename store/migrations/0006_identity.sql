-- A letter is the same letter when its Message-ID and its content (the
-- fingerprint: its bytes without the fields relays add) are the same; a
-- different letter under a Message-ID already seen is stored as a letter of
-- its own. Rows stored before keep an empty fingerprint.
ALTER TABLE messages ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_fingerprint ON messages(fingerprint);

-- Why a ticket's letter could not be answered automatically ('' when it
-- was, or when no answer was due): an operator answers it by hand.
ALTER TABLE tickets ADD COLUMN answer_problem TEXT NOT NULL DEFAULT '';
