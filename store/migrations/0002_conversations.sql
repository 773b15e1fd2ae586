-- Conversations: follow-ups join tickets, tickets link to each other, and
-- automatic answers are counted per recipient.

ALTER TABLE tickets ADD COLUMN linked_ticket_id INTEGER REFERENCES tickets(id);

ALTER TABLE messages ADD COLUMN auto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN undeliverable TEXT NOT NULL DEFAULT '';

CREATE INDEX messages_auto_to ON messages(direction, auto, created_at);
