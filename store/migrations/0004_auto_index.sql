-- Counting the automatic answers an address got in the last hour
-- (store.situation) must not scan every recent letter.
CREATE INDEX messages_auto_recipient ON messages(lower(to_address), direction, auto, created_at);
