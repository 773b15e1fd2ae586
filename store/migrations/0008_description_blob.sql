-- A sealed description is bytes, not text: it moves from the TEXT column
-- description to the BLOB column sealed_description. description keeps
-- the descriptions stored without a key, and is '' where one is sealed;
-- description_sealed still says which.
ALTER TABLE tickets ADD COLUMN sealed_description BLOB;
UPDATE tickets SET sealed_description = CAST(description AS BLOB), description = ''
    WHERE description_sealed <> 0;
