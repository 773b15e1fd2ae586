-- Which header field of a letter from a person held the address it is
-- answered at (mailparse.ReplyHeader: 'reply-to', 'from',
-- 'from-encoded-word', 'from-display-name', ...): from_address is then that
-- address, which may not be the letter's From (a web form's no-reply From
-- with the citizen in Reply-To). 'none' (ReplyHeaderNone) marks a letter
-- from a person with no address an answer could go to: its from_address is
-- its From as written, and it makes nobody a participant of its ticket
-- (store.Thread). '' for letters out, automatic mail, and letters filed
-- before this migration, whose from_address is their From (or Sender).
ALTER TABLE messages ADD COLUMN reply_header TEXT NOT NULL DEFAULT '';
