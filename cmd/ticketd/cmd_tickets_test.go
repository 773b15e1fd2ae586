package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

// TestTicketsMaskPersonalData: "tickets" and "tickets -json" mask the
// personal data of subjects, names and senders; "show" prints them in full.
func TestTicketsMaskPersonalData(t *testing.T) {
	t.Setenv("TICKETD_OPERATOR", "anna") // "show" records who read the ticket
	config, db := offlineConfig(t)
	d, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Ingest(context.Background(), store.Inbound{MessageID: "pd@x", Raw: []byte("x"), FromAddress: "ivan.petrov@example.ru",
		Ticket: store.Ticket{Subject: "СНИЛС 112-233-445 95, тел. +7 (912) 345-67-89", CitizenName: "Иван, 8 903 555 12 34",
			CitizenAddress: "ivan.petrov@example.ru", DueAt: time.Now()}}, nil)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	full := []string{"112-233-445 95", "+7 (912) 345-67-89", "8 903 555 12 34", "ivan.petrov@example.ru"}
	for _, tc := range []struct {
		args   []string
		listed bool
		masked []string
	}{
		{[]string{"tickets"}, true, []string{"i…@example.ru", "СНИЛС •••-•••-••• ••, тел. +• (•••) •••-••-••"}},
		{[]string{"tickets", "-json"}, true, []string{`"citizen_address": "i…@example.ru"`, `"citizen_name": "Иван, • ••• ••• •• ••"`}},
		{[]string{"show", "TKT-000002"}, false, nil},
		{[]string{"show", "TKT-000002", "-json"}, false, nil},
	} {
		what := strings.Join(tc.args, " ")
		out, errb, code := run(t, append(tc.args, "-config", config)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", what, code, errb)
		}
		for _, v := range full {
			if shown := strings.Contains(out, v); shown == tc.listed {
				t.Errorf("%s shows %q: %v, want %v\n%s", what, v, shown, !tc.listed, out)
			}
		}
		for _, v := range tc.masked {
			if !strings.Contains(out, v) {
				t.Errorf("%s does not show %q:\n%s", what, v, out)
			}
		}
	}
}
