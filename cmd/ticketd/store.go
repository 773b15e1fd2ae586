package main

import (
	"context"

	"github.com/ticketd/ticketd/store"
)

// ticketFinder lists tickets page by page; *store.DB is one.
type ticketFinder interface {
	FindTickets(ctx context.Context, f store.TicketFilter) (store.TicketPage, error)
}

// allTickets reads every ticket, newest first, without descriptions.
func allTickets(ctx context.Context, db ticketFinder) ([]store.Ticket, error) {
	f := store.TicketFilter{Limit: store.MaxTicketLimit, NoTotal: true}
	var ts []store.Ticket
	for {
		page, err := db.FindTickets(ctx, f)
		if err != nil {
			return nil, err
		}
		ts = append(ts, page.Tickets...)
		if page.Next == "" {
			return ts, nil
		}
		f.After = page.Next
	}
}
