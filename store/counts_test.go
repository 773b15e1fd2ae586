package store

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// countsOf counts by hand what StatusCounts(f) should.
func countsOf(f TicketFilter, ts []Ticket) map[Status]int {
	f.Status = nil
	want := map[Status]int{}
	for _, s := range openStatuses() {
		want[s] = 0
	}
	for _, t := range ts {
		if t.Status.Open() && selects(f, t) {
			want[t.Status]++
		}
	}
	return want
}

// TestStatusCounts compares StatusCounts with counting by hand, for
// filters read from ticket_counts and filters that count tickets, before
// and after tickets change in every way the counts depend on.
func TestStatusCounts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(12, 10))
	ts := seed(t, db, randomTickets(r, 300, now)...)
	filters := []struct {
		name string
		f    TicketFilter
	}{
		{"all", TicketFilter{}},
		{"status is ignored", TicketFilter{Status: []Status{StatusClosed}}},
		{"urgent", TicketFilter{Priority: []Priority{PriorityHigh}}},
		{"a category", TicketFilter{Category: []string{"access"}}},
		{"no category", TicketFilter{Category: []string{""}}},
		{"anna's", TicketFilter{Assignee: []string{"anna"}}},
		{"nobody's or anna's, urgent, two categories", TicketFilter{Assignee: []string{"", "anna"},
			Priority: []Priority{PriorityHigh}, Category: []string{"access", "documents"}}},
		{"due in the next two hours", TicketFilter{DueAfter: now, DueBefore: now.Add(2 * time.Hour)}},
		{"anna's, due later", TicketFilter{Assignee: []string{"anna"}, DueAfter: now.Add(3 * time.Hour)}},
		{"page fields", TicketFilter{Order: OrderQueue, Limit: 3, NoTotal: true}},
	}
	check := func(when string) {
		t.Helper()
		for _, tt := range filters {
			got, err := db.StatusCounts(ctx, tt.f)
			if want := countsOf(tt.f, ts); err != nil || !maps.Equal(got, want) {
				t.Errorf("%s: StatusCounts(%s) = %v, %v; want %v", when, tt.name, got, err, want)
			}
		}
	}
	check("seeded")

	// Change a third of the tickets through the store's actions.
	for i := range ts {
		if i%3 != 0 {
			continue
		}
		tk := &ts[i]
		var err error
		switch i % 4 {
		case 0:
			tk.Status = []Status{StatusNew, StatusAnswered, StatusClosed}[r.IntN(3)]
			err = db.SetStatus(ctx, tk.Number, 0, tk.Status, "operator:anna")
		case 1:
			tk.Assignee = []string{"", "anna", "boris"}[r.IntN(3)]
			err = db.Assign(ctx, tk.Number, 0, tk.Assignee, "operator:anna")
		case 2:
			tk.Priority = []Priority{PriorityNormal, PriorityHigh}[r.IntN(2)]
			err = db.SetPriority(ctx, tk.Number, 0, tk.Priority, "because", "operator:anna")
		case 3:
			tk.Category = "payments"
			_, err = db.sql.ExecContext(ctx, "UPDATE tickets SET category = ? WHERE id = ?", tk.Category, tk.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	check("after changes")

	// A new ticket from a letter, and a follow-up that reopens a closed one.
	res := must(db.Ingest(ctx, inbound("new@citizen", "raw new", 1), nil))
	ts = append(ts, must(db.Ticket(ctx, res.Ticket.Number)))
	for i := range ts {
		if ts[i].Status == StatusClosed {
			in := inbound("follow@citizen", "raw follow", 2)
			in.TicketID, in.Reopen = ts[i].ID, true
			must(db.Ingest(ctx, in, nil))
			ts[i] = must(db.Ticket(ctx, ts[i].Number))
			break
		}
	}
	check("after ingest")
}

// TestStatusCountsReadsNoTickets checks that counts without a due range
// or a search add up rows of ticket_counts, and those with one read an
// index of tickets rather than every ticket.
func TestStatusCountsReadsNoTickets(t *testing.T) {
	db := openTest(t)
	plan := queryPlan(t, db, `SELECT status, SUM(n) FROM ticket_counts WHERE status IN (?, ?, ?, ?) AND assignee IN (?)
		GROUP BY status`, "new", "in_progress", "waiting_for_citizen", "answered", "anna")
	if !strings.HasPrefix(plan, "SEARCH ticket_counts") || strings.Contains(plan, "tickets ") {
		t.Errorf("plan of a count by assignee:\n%s\nwant ticket_counts only", plan)
	}
	plan = queryPlan(t, db, `SELECT status, COUNT(*) FROM tickets WHERE status IN (?, ?, ?, ?) AND due_at < ?
		GROUP BY status`, "new", "in_progress", "waiting_for_citizen", "answered", 0)
	if !strings.Contains(plan, "USING COVERING INDEX tickets_queue (status=?)") {
		t.Errorf("plan of a count by due date:\n%s\nwant tickets_queue alone", plan)
	}
}

// BenchmarkStatusCountsAndChangedTickets counts 100,000 tickets by status,
// with and without filters, and reads the live feed from its end and from
// its middle.
func BenchmarkStatusCountsAndChangedTickets(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, testLocation(b, "ticketd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(5, 6))
	ts := randomTickets(r, 100_000, now)
	for i := range ts {
		ts[i].Assignee = []string{"", "", "anna", "boris", "vera"}[r.IntN(5)]
		ts[i].Subject = fmt.Sprintf("Вопрос %d", i)
	}
	seed(b, db, ts...)
	// seed writes rows as they are: give them versions as the migration does.
	if _, err := db.sql.ExecContext(ctx, "UPDATE tickets SET version = id"); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    TicketFilter
	}{
		{"counts/all", TicketFilter{}},
		{"counts/assignee+priority", TicketFilter{Assignee: []string{"anna"}, Priority: []Priority{PriorityHigh}}},
		{"counts/due", TicketFilter{DueBefore: now.Add(2 * time.Hour)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.StatusCounts(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, c := range []struct {
		name  string
		after int64
	}{{"changed/latest", int64(len(ts))}, {"changed/middle", int64(len(ts) / 2)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.ChangedTickets(ctx, c.after, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
