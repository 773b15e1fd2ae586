package console

import (
	"context"
	"time"

	"github.com/ticketd/ticketd/audit"
	"github.com/ticketd/ticketd/store"
)

// Store is what the console reads of the store; *store.DB is one. The
// console changes tickets only through replies.Operator.
type Store interface {
	Tickets
	TicketFiles
	Changes
	Sessions
	audit.Source // auditors' exports, which record themselves
	ReadLog
}

// Tickets is the console's reading of tickets and their correspondence.
type Tickets interface {
	FindTickets(ctx context.Context, f store.TicketFilter) (store.TicketPage, error)
	Ticket(ctx context.Context, number string) (store.Ticket, error)
	Messages(ctx context.Context, ticketID int64) ([]store.Message, error)
	AttachmentsOfTicket(ctx context.Context, ticketID int64) (map[int64][]store.Attachment, error)
	Events(ctx context.Context, ticketID int64) ([]store.Event, error)
	Raw(ctx context.Context, id int64) ([]byte, error)
}

// Changes is the store's change feed and counts, which keep the queue
// live and fast at a million tickets.
type Changes interface {
	// ChangedTickets lists the tickets whose version is after after, in
	// version order.
	ChangedTickets(ctx context.Context, after int64, limit int) ([]store.Ticket, error)
	LatestVersion(ctx context.Context) (int64, error)
	// StatusCounts counts the tickets f selects in each open status.
	StatusCounts(ctx context.Context, f store.TicketFilter) (map[store.Status]int, error)
}

// ReadLog records who read personal data (a ticket's page, a letter, a
// file, a search) and lists those reads for auditors. A read is recorded
// before what was read is served; one that cannot be recorded is not
// served.
type ReadLog interface {
	RecordRead(ctx context.Context, r store.Read) error
	Reads(ctx context.Context, f store.ReadFilter) ([]store.ReadEvent, error)
}

// Sessions keeps the console's sign-in sessions by the SHA-256 of the
// cookie's value.
type Sessions interface {
	CreateSession(ctx context.Context, name string, hash []byte) error
	SessionUser(ctx context.Context, hash []byte, idle time.Duration) (store.User, error)
	RevokeSession(ctx context.Context, hash []byte) error
}
