-- Why a ticket's letter could not be answered automatically ('' when it
-- was, or when no answer was due): an operator answers it by hand.
--
-- (A letter's identity changed here too, with no change of schema: new
-- letters get the dedupe key "in:" and the SHA-256 of their Message-ID and
-- fingerprint, see store/identity.go; older ones keep theirs.)
ALTER TABLE tickets ADD COLUMN answer_problem TEXT NOT NULL DEFAULT '';
