-- Tickets can be given to an operator ('' while nobody has taken one), and
-- are listed page by page (store.FindTickets) in two orders: the queue,
-- urgent tickets first, then by deadline; and newest first. Each order has
-- an index, of all tickets and of one status, so that a page is a range of
-- an index read in order, and the next page starts where the last one
-- ended. Every index entry ends with the ticket's id (the row id), which
-- breaks ties.
ALTER TABLE tickets ADD COLUMN assignee TEXT NOT NULL DEFAULT '';

-- The queue's first key, computed from the priority when read: 0 for
-- urgent tickets, 1 for the others. A column rather than an expression in
-- the index, because SQLite starts a range of an index at a row value,
-- (urgency, due_at, id) > (?, ?, ?), only on columns.
ALTER TABLE tickets ADD COLUMN urgency INTEGER GENERATED ALWAYS AS (CASE priority WHEN 'high' THEN 0 ELSE 1 END) VIRTUAL;

CREATE INDEX tickets_queue ON tickets(status, urgency, due_at);
CREATE INDEX tickets_urgency ON tickets(urgency, due_at);
CREATE INDEX tickets_status ON tickets(status);
