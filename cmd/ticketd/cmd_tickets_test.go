package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// The store the CLI opens is what its commands read.
var (
	_ ticketFinder = (*store.DB)(nil)
)

// pagedFinder serves its tickets in pages of two, as FindTickets would.
type pagedFinder struct {
	tickets []store.Ticket
	asked   []store.TicketFilter
}

func (p *pagedFinder) FindTickets(_ context.Context, f store.TicketFilter) (store.TicketPage, error) {
	p.asked = append(p.asked, f)
	start := 0
	if f.After != "" {
		fmt.Sscan(f.After, &start)
	}
	end := min(start+2, len(p.tickets))
	page := store.TicketPage{Tickets: p.tickets[start:end], Total: -1}
	if end < len(p.tickets) {
		page.Next = fmt.Sprint(end)
	}
	return page, nil
}

func TestAllTicketsReadsEveryPage(t *testing.T) {
	f := &pagedFinder{}
	for i := 5; i >= 1; i-- {
		f.tickets = append(f.tickets, store.Ticket{Number: store.TicketNumber(int64(i))})
	}
	ts, err := allTickets(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 5 || ts[0].Number != "TKT-000005" || ts[4].Number != "TKT-000001" {
		t.Errorf("allTickets = %v, want the 5 tickets newest first", ts)
	}
	if len(f.asked) != 3 || !f.asked[0].NoTotal || f.asked[0].Order != store.OrderNewest || f.asked[2].After != "4" {
		t.Errorf("asked for %+v; want 3 pages, newest first, without totals", f.asked)
	}
}
