package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// seed stores tickets as given, status, assignee and times included,
// in one transaction, indexed for search, and returns them with their ids
// and numbers.
func seed(tb testing.TB, db *DB, ts ...Ticket) []Ticket {
	tb.Helper()
	ctx := context.Background()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO tickets (number, status, priority, category, citizen_name,
		citizen_address, subject, account_number, application_number, assignee, created_at, due_at, updated_at)
		VALUES ('', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		tb.Fatal(err)
	}
	num, err := tx.PrepareContext(ctx, "UPDATE tickets SET number = ? WHERE id = ?")
	if err != nil {
		tb.Fatal(err)
	}
	// With a key, the fields are sealed as insertTicket seals them.
	sealFields, err := tx.PrepareContext(ctx, `UPDATE tickets SET citizen_name = '', subject = '', account_number = '',
		application_number = '', sealed_fields = ? WHERE id = ?`)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]Ticket, len(ts))
	for i, t := range ts {
		if t.Status == "" {
			t.Status = StatusNew
		}
		if t.Priority == "" {
			t.Priority = PriorityNormal
		}
		if t.CreatedAt.IsZero() {
			t.CreatedAt = time.UnixMilli(0)
		}
		t.CreatedAt, t.DueAt = t.CreatedAt.UTC().Truncate(time.Millisecond), t.DueAt.UTC().Truncate(time.Millisecond)
		t.UpdatedAt = t.CreatedAt
		err := ins.QueryRowContext(ctx, t.Status, t.Priority, t.Category, t.CitizenName, t.CitizenAddress, t.Subject,
			t.AccountNumber, t.ApplicationNumber, t.Assignee, millis(t.CreatedAt), millis(t.DueAt), millis(t.UpdatedAt)).Scan(&t.ID)
		if err != nil {
			tb.Fatal(err)
		}
		t.Number = TicketNumber(t.ID)
		if _, err := num.ExecContext(ctx, t.Number, t.ID); err != nil {
			tb.Fatal(err)
		}
		if db.seal != nil {
			f := ticketFields{t.CitizenName, t.Subject, t.AccountNumber, t.ApplicationNumber}
			if _, err := sealFields.ExecContext(ctx, f.seal(db, t.ID), t.ID); err != nil {
				tb.Fatal(err)
			}
		}
		ts := terms{}
		ticketTerms(ts, t)
		if err := db.indexTerms(ctx, conn{db: db, tx: tx}, t.ID, ts); err != nil {
			tb.Fatal(err)
		}
		out[i] = t
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// numbers lists the numbers of ts without their "TKT-00000" prefix, as
// the test tables write them.
func numbers(ts []Ticket) string {
	var s []string
	for _, t := range ts {
		s = append(s, strings.TrimLeft(strings.TrimPrefix(t.Number, "TKT-"), "0"))
	}
	return strings.Join(s, " ")
}

func TestFindTicketsFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return now.Add(time.Duration(n) * time.Hour) }
	seed(t, db,
		Ticket{Status: StatusNew, Priority: PriorityHigh, Category: "access", DueAt: h(5),
			Subject: "Не могу войти", CitizenAddress: "ivan@example.ru", AccountNumber: "1234567"}, // 1
		Ticket{Status: StatusNew, Category: "documents", Assignee: "anna", DueAt: h(20),
			Subject: "Справка о доходах", CitizenAddress: "olga@example.ru", CitizenName: "Ольга"}, // 2
		Ticket{Status: StatusInProgress, Priority: PriorityHigh, Category: "access", Assignee: "anna", DueAt: h(2),
			Subject: "Password reset 100%", CitizenAddress: "petr@example.com"}, // 3
		Ticket{Status: StatusWaiting, DueAt: h(30), Subject: "Вопрос", CitizenAddress: "ivan@example.ru", AccountNumber: "7654321"}, // 4
		Ticket{Status: StatusAnswered, Category: "documents", Assignee: "boris", DueAt: h(-3),
			Subject: "Re: справка", CitizenAddress: "maria@example.ru"}, // 5
		Ticket{Status: StatusClosed, Priority: PriorityHigh, Category: "access", Assignee: "boris", DueAt: h(-10),
			Subject: "Locked out_now", CitizenAddress: "IVAN@example.ru"}, // 6
		Ticket{Status: StatusNew, DueAt: h(5), Subject: "Subject", CitizenAddress: "x@example.org", ApplicationNumber: "A-77"},        // 7
		Ticket{Status: StatusInProgress, Category: "documents", DueAt: h(20), Subject: "Ещё вопрос", CitizenAddress: "y@example.org"}, // 8
	)
	tests := []struct {
		name string
		f    TicketFilter
		want string // numbers in order; the total is their count
	}{
		{"everything, newest first", TicketFilter{}, "8 7 6 5 4 3 2 1"},
		{"the queue: urgent first, then by deadline, then oldest", TicketFilter{Order: OrderQueue}, "6 3 1 5 7 2 8 4"},
		{"one status", TicketFilter{Status: []Status{StatusNew}}, "7 2 1"},
		{"two statuses in the queue", TicketFilter{Order: OrderQueue, Status: []Status{StatusNew, StatusInProgress}}, "3 1 7 2 8"},
		{"a status named twice", TicketFilter{Status: []Status{StatusNew, StatusNew}}, "7 2 1"},
		{"urgent", TicketFilter{Priority: []Priority{PriorityHigh}}, "6 3 1"},
		{"a category", TicketFilter{Category: []string{"access"}}, "6 3 1"},
		{"no category", TicketFilter{Category: []string{""}}, "7 4"},
		{"two categories", TicketFilter{Category: []string{"", "documents"}}, "8 7 5 4 2"},
		{"an operator's", TicketFilter{Assignee: []string{"anna"}}, "3 2"},
		{"nobody's", TicketFilter{Assignee: []string{""}}, "8 7 4 1"},
		{"an operator's in statuses where only one holds any", TicketFilter{Order: OrderQueue,
			Status: []Status{StatusNew, StatusClosed, StatusWaiting}, Assignee: []string{"boris"}}, "6"},
		{"an operator's in statuses that hold none", TicketFilter{Status: []Status{StatusNew, StatusWaiting}, Assignee: []string{"boris"}}, ""},
		{"due in the next 10 hours", TicketFilter{DueAfter: now, DueBefore: h(10)}, "7 3 1"},
		{"overdue", TicketFilter{DueBefore: now}, "6 5"},
		{"due from 20 hours", TicketFilter{DueAfter: h(20)}, "8 4 2"},
		{"a word of the sender's address", TicketFilter{Search: "ivan"}, "6 4 1"},
		{"another case, punctuation around", TicketFilter{Search: "IVAN@"}, "6 4 1"},
		{"a whole address", TicketFilter{Search: "Ivan@Example.ru"}, "6 4 1"},
		{"Cyrillic in any case", TicketFilter{Search: "СПРАВКА"}, "5 2"},
		{"no prefixes", TicketFilter{Search: "справ"}, ""},
		{"sender's name", TicketFilter{Search: "ольга"}, "2"},
		{"a word before %", TicketFilter{Search: "100%"}, "3"},
		{"words joined by _", TicketFilter{Search: "out_now"}, "6"},
		{"ticket number", TicketFilter{Search: "TKT-000004"}, "4"},
		{"ticket number without zeros", TicketFilter{Search: "tkt-4"}, "4"},
		{"ticket number's digits", TicketFilter{Search: "000004"}, "4"},
		{"account number", TicketFilter{Search: "7654321"}, "4"},
		{"account number with separators", TicketFilter{Search: "765-43-21"}, "4"},
		{"application number", TicketFilter{Search: "a-77"}, "7"},
		{"application number without its separator", TicketFilter{Search: "A77"}, "7"},
		{"every word must occur", TicketFilter{Search: "ivan  7654321"}, "4"},
		{"one word missing", TicketFilter{Search: "ivan 7654320"}, ""},
		{"nothing", TicketFilter{Search: "nobody@nowhere"}, ""},
		{"only punctuation: no search", TicketFilter{Search: " — , "}, "8 7 6 5 4 3 2 1"},
		{"everything at once", TicketFilter{Order: OrderQueue, Status: []Status{StatusNew, StatusInProgress, StatusWaiting},
			Priority: []Priority{PriorityNormal}, Assignee: []string{""}, DueAfter: now, Search: "example.org"}, "7 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.FindTickets(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			wantTotal := len(strings.Fields(tt.want))
			if got := numbers(page.Tickets); got != tt.want || page.Total != wantTotal || page.Next != "" {
				t.Errorf("FindTickets(%+v) = [%s] of %d, next %q; want [%s] of %d, no next page",
					tt.f, got, page.Total, page.Next, tt.want, wantTotal)
			}
		})
	}
}

func TestFindTicketsLeavesDescriptionSealed(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.UseKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	in := inbound("a@x", "raw", 1)
	in.Ticket.Description = "СНИЛС 112-233-445 95"
	res, err := db.Ingest(ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.FindTickets(ctx, TicketFilter{})
	if err != nil || len(page.Tickets) != 1 {
		t.Fatalf("FindTickets = %+v, %v", page, err)
	}
	got := page.Tickets[0]
	if got.Description != "" || got.Number != res.Ticket.Number || got.Subject != in.Ticket.Subject ||
		got.Priority != PriorityHigh || !got.DueAt.Equal(res.Ticket.DueAt.Truncate(time.Millisecond)) {
		t.Errorf("listed %+v; want the ticket without its description", got)
	}
	if tk, err := db.Ticket(ctx, got.Number); err != nil || tk.Description != in.Ticket.Description {
		t.Errorf("Ticket(%s).Description = %q, %v; want it unsealed", got.Number, tk.Description, err)
	}
}

func TestFindTicketsRefusesBadFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seed(t, db, Ticket{}, Ticket{})
	first, err := db.FindTickets(ctx, TicketFilter{Limit: 1})
	if err != nil || first.Next == "" {
		t.Fatalf("first page = %+v, %v; want a next page", first, err)
	}
	tests := []struct {
		name    string
		f       TicketFilter
		wantErr error
	}{
		{"unknown status", TicketFilter{Status: []Status{"done"}}, nil},
		{"unknown priority", TicketFilter{Priority: []Priority{"urgent"}}, nil},
		{"unknown order", TicketFilter{Order: 7}, nil},
		{"too many words", TicketFilter{Search: "a b c d e f g h i"}, nil},
		{"not a cursor", TicketFilter{After: "TKT-000001"}, ErrBadCursor},
		{"a cursor of the other order", TicketFilter{After: first.Next, Order: OrderQueue}, ErrBadCursor},
		{"a cursor cut short", TicketFilter{After: cursor{order: OrderQueue, id: 1}.String()[:4], Order: OrderQueue}, ErrBadCursor},
	}
	for _, tt := range tests {
		_, err := db.FindTickets(ctx, tt.f)
		if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: FindTickets(%+v) = %v; want an error (%v)", tt.name, tt.f, err, tt.wantErr)
		}
	}
}

func TestFindTicketsLimits(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seed(t, db, make([]Ticket, MaxTicketLimit+5)...)
	for _, tt := range []struct{ limit, want int }{{0, DefaultTicketLimit}, {-3, DefaultTicketLimit}, {7, 7}, {MaxTicketLimit + 1, MaxTicketLimit}} {
		page, err := db.FindTickets(ctx, TicketFilter{Limit: tt.limit})
		if err != nil || len(page.Tickets) != tt.want || page.Total != MaxTicketLimit+5 {
			t.Errorf("Limit %d: %d tickets of %d, %v; want %d of %d", tt.limit, len(page.Tickets), page.Total, err, tt.want, MaxTicketLimit+5)
		}
	}
	if page, _ := db.FindTickets(ctx, TicketFilter{NoTotal: true}); page.Total != -1 {
		t.Errorf("NoTotal: Total = %d, want -1", page.Total)
	}
}

// randomTickets makes n tickets of every status and priority, a third of
// them assigned, due within a few hours, many at the same moment.
func randomTickets(r *rand.Rand, n int, now time.Time) []Ticket {
	statuses := []Status{StatusNew, StatusInProgress, StatusWaiting, StatusAnswered, StatusClosed}
	ts := make([]Ticket, n)
	for i := range ts {
		ts[i] = Ticket{
			Status:   statuses[r.IntN(len(statuses))],
			Priority: []Priority{PriorityNormal, PriorityHigh}[r.IntN(2)],
			Category: []string{"", "access", "documents"}[r.IntN(3)],
			Assignee: []string{"", "", "anna"}[r.IntN(3)],
			DueAt:    now.Add(time.Duration(r.IntN(6)) * time.Hour),
			Subject:  fmt.Sprintf("letter %d", r.IntN(4)),
		}
	}
	return ts
}

// selects reports whether f selects t, which has only its own fields to
// search.
func selects(f TicketFilter, t Ticket) bool {
	ts := terms{}
	ticketTerms(ts, t)
	for _, st := range searchTerms(f.Search) {
		if _, ok := ts[st]; !ok {
			return false
		}
	}
	return (len(f.Status) == 0 || slices.Contains(f.Status, t.Status)) &&
		(len(f.Priority) == 0 || slices.Contains(f.Priority, t.Priority)) &&
		(len(f.Category) == 0 || slices.Contains(f.Category, t.Category)) &&
		(len(f.Assignee) == 0 || slices.Contains(f.Assignee, t.Assignee)) &&
		(f.DueAfter.IsZero() || !t.DueAt.Before(f.DueAfter)) &&
		(f.DueBefore.IsZero() || t.DueAt.Before(f.DueBefore))
}

// placeOf is t's place in order: comparing two places orders tickets.
func placeOf(order TicketOrder, t Ticket) cursor {
	c := cursor{order: order, id: t.ID}
	if order == OrderQueue {
		c.urgency, c.due = 1, millis(t.DueAt)
		if t.Priority == PriorityHigh {
			c.urgency = 0
		}
	} else {
		c.id = -t.ID
	}
	return c
}

func comparePlaces(a, b cursor) int {
	if a.urgency != b.urgency {
		return a.urgency - b.urgency
	}
	if a.due != b.due {
		return int(a.due - b.due)
	}
	return int(a.id - b.id)
}

// walk reads every page of f, calling between after each page but the
// last, and returns the tickets in the order the pages gave them.
func walk(t *testing.T, db *DB, f TicketFilter, between func()) []Ticket {
	t.Helper()
	var got []Ticket
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("more than 1000 pages")
		}
		page, err := db.FindTickets(context.Background(), f)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if len(page.Tickets) > f.Limit || (page.Next != "" && len(page.Tickets) < f.Limit) {
			t.Fatalf("page %d: %d tickets with next %q; want %d, or fewer on the last page", pages, len(page.Tickets), page.Next, f.Limit)
		}
		got = append(got, page.Tickets...)
		if page.Next == "" {
			return got
		}
		f.After = page.Next
		if between != nil {
			between()
		}
	}
}

func TestFindTicketsPagesGiveEveryTicketOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	db := openTest(t)
	all := seed(t, db, randomTickets(r, 230, now)...)
	filters := []struct {
		name string
		f    TicketFilter
	}{
		{"all", TicketFilter{}},
		{"one status", TicketFilter{Status: []Status{StatusInProgress}}},
		{"open", TicketFilter{Status: []Status{StatusNew, StatusInProgress, StatusWaiting}}},
		{"urgent and unassigned", TicketFilter{Priority: []Priority{PriorityHigh}, Assignee: []string{""}}},
		{"a category, due in two hours", TicketFilter{Category: []string{"access"}, DueBefore: now.Add(2 * time.Hour)}},
		{"open, of a category", TicketFilter{Status: []Status{StatusNew, StatusWaiting}, Category: []string{"documents"}}},
		{"a word", TicketFilter{Search: "Letter"}},
		{"two words", TicketFilter{Search: "letter 2"}},
		{"open, two words", TicketFilter{Status: []Status{StatusNew, StatusWaiting}, Search: "2 letter"}},
		{"urgent, a word", TicketFilter{Priority: []Priority{PriorityHigh}, Search: "1"}},
	}
	// A search in the queue's order sorts what the index matches when it
	// is few tickets, and checks the tickets of the queue when it is many.
	for _, sorted := range []int{1, 1 << 20} {
		db.matchesToSort = sorted
		for _, order := range []TicketOrder{OrderNewest, OrderQueue} {
			for _, tt := range filters {
				if tt.f.Search == "" && sorted == 1 {
					continue
				}
				for _, limit := range []int{1, 7, 50} {
					f := tt.f
					f.Order, f.Limit = order, limit
					name := fmt.Sprintf("%s/order %d/limit %d", tt.name, order, limit)
					if tt.f.Search != "" {
						name += fmt.Sprintf("/sorting up to %d", sorted)
					}
					t.Run(name, func(t *testing.T) {
						var want []Ticket
						for _, tk := range all {
							if selects(f, tk) {
								want = append(want, tk)
							}
						}
						if len(want) == 0 {
							t.Fatal("the filter selects no ticket: the case tests nothing")
						}
						slices.SortFunc(want, func(a, b Ticket) int { return comparePlaces(placeOf(order, a), placeOf(order, b)) })
						got := walk(t, db, f, nil)
						if numbers(got) != numbers(want) {
							t.Errorf("pages gave\n[%s]\nwant\n[%s]", numbers(got), numbers(want))
						}
						// A search matching many, filtered by other
						// fields, is not counted.
						wantTotal := len(want)
						if f.Search != "" && sorted == 1 && len(f.Status)+len(f.Priority)+len(f.Category)+len(f.Assignee) > 0 {
							wantTotal = -1
						}
						if page, err := db.FindTickets(ctx, f); err != nil || page.Total != wantTotal {
							t.Errorf("Total = %d, %v; want %d", page.Total, err, wantTotal)
						}
					})
				}
			}
		}
	}
}

// TestFindTicketsPagesWhileTicketsArrive checks that tickets stored while
// a reader pages through do not make it miss or repeat any: every ticket
// there from the start comes once, all in order; a new one comes at most
// once, and only when it belongs after the pages already read.
func TestFindTicketsPagesWhileTicketsArrive(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, order := range []TicketOrder{OrderNewest, OrderQueue} {
		for _, statuses := range [][]Status{nil, {StatusNew}, {StatusNew, StatusInProgress}} {
			t.Run(fmt.Sprintf("order %d/%v", order, statuses), func(t *testing.T) {
				r := rand.New(rand.NewPCG(3, uint64(order)))
				db := openTest(t)
				before := seed(t, db, randomTickets(r, 120, now)...)
				f := TicketFilter{Status: statuses, Order: order, Limit: 9}
				got := walk(t, db, f, func() { seed(t, db, randomTickets(r, 4, now)...) })
				seen := map[int64]int{}
				for i, tk := range got {
					seen[tk.ID]++
					if i > 0 && comparePlaces(placeOf(order, got[i-1]), placeOf(order, tk)) >= 0 {
						t.Errorf("%s came after %s", tk.Number, got[i-1].Number)
					}
					if !selects(f, tk) {
						t.Errorf("%s (%s) is not %v", tk.Number, tk.Status, statuses)
					}
				}
				for _, tk := range before {
					if selects(f, tk) && seen[tk.ID] != 1 {
						t.Errorf("%s, there from the start, came %d times", tk.Number, seen[tk.ID])
					}
				}
			})
		}
	}
}

// TestFindTicketsReadsAnIndexInOrder checks the query plans: a page of
// one status, or of all tickets, is a range of an index read in order,
// with no sorting of the tickets selected; with several statuses, each
// status's range is, and only the pages are merged. A search newest first
// reads the search index in order; in the queue, it sorts the tickets the
// index matches only when they are few (find_search.go).
func TestFindTicketsReadsAnIndexInOrder(t *testing.T) {
	db := openTest(t)
	queueAfter := cursor{order: OrderQueue, urgency: 1, due: 5, id: 3}.String()
	newestAfter := cursor{order: OrderNewest, id: 3}.String()
	one, two := []Status{StatusNew}, []Status{StatusNew, StatusInProgress}
	tests := []struct {
		f    TicketFilter
		want []string // in the plan, once per status
		few  bool     // the search matches few tickets: they are sorted
	}{
		{TicketFilter{Order: OrderQueue, Status: one}, []string{"tickets_queue (status=?)"}, false},
		{TicketFilter{Order: OrderQueue, Status: one, After: queueAfter}, []string{"tickets_queue (status=? AND (urgency,due_at)>(?,?))"}, false},
		{TicketFilter{Order: OrderQueue}, []string{"SCAN tickets USING INDEX tickets_urgency"}, false},
		{TicketFilter{Order: OrderQueue, After: queueAfter}, []string{"tickets_urgency ((urgency,due_at)>(?,?))"}, false},
		{TicketFilter{Order: OrderQueue, Status: two, After: queueAfter, Category: []string{"x"}},
			[]string{"tickets_queue (status=? AND (urgency,due_at)>(?,?))", "tickets_queue (status=? AND (urgency,due_at)>(?,?))"}, false},
		{TicketFilter{}, []string{"SCAN tickets"}, false},
		{TicketFilter{After: newestAfter}, []string{"tickets USING INTEGER PRIMARY KEY (rowid<?)"}, false},
		{TicketFilter{Status: one, After: newestAfter}, []string{"tickets_status (status=? AND rowid<?)"}, false},
		// A search newest first reads the index in order.
		{TicketFilter{Status: two, Search: "x"}, []string{"SCAN ticket_search VIRTUAL TABLE"}, false},
		{TicketFilter{Search: "x", After: newestAfter}, []string{"SCAN ticket_search VIRTUAL TABLE"}, false},
		{TicketFilter{Search: "x", After: newestAfter}, []string{"SCAN ticket_search VIRTUAL TABLE"}, true},
		// In the queue, with many matches, it reads the queue in order and
		// looks each ticket up in ticket_terms.
		{TicketFilter{Order: OrderQueue, Status: two, Search: "x y"},
			[]string{"SEARCH ticket_terms EXISTS USING INTEGER PRIMARY KEY", "SEARCH ticket_terms EXISTS USING INTEGER PRIMARY KEY"}, false},
		{TicketFilter{Order: OrderQueue, Status: one, Search: "x", After: queueAfter},
			[]string{"tickets_queue (status=? AND (urgency,due_at)>(?,?))"}, false},
		{TicketFilter{Order: OrderQueue, Search: "x"}, []string{"SCAN tickets USING INDEX tickets_urgency"}, false},
		// With few, it sorts them.
		{TicketFilter{Order: OrderQueue, Status: two, Search: "x y", After: queueAfter}, []string{"SCAN ticket_search VIRTUAL TABLE"}, true},
	}
	for _, tt := range tests {
		q, err := newTicketQuery(tt.f, db.index)
		if err != nil {
			t.Fatal(err)
		}
		if tt.few {
			q.search.few = true
		}
		text, args := q.page()
		all := queryPlan(t, db, text, args...)
		// The merge of several statuses sorts each status's page, which
		// is already in order: at most Limit+1 rows.
		sorted := strings.Count(all, "USE TEMP B-TREE FOR ORDER BY")
		if tt.few && tt.f.Order == OrderQueue {
			sorted-- // the tickets the search matched
		}
		if strings.Count(all, tt.want[0]) != len(tt.want) || (len(tt.want) == 1 && sorted > 0) || sorted > len(tt.want) {
			t.Errorf("plan of %+v:\n%s\nwant %q %d times and no sort of the tickets", tt.f, all, tt.want[0], len(tt.want))
		}
	}
}

// BenchmarkFindTickets reads pages of 50 from 100,000 tickets, most of
// them closed as in a store that has run for a while: the first page and
// a page from the middle of the order, of all tickets and of some
// statuses, with the total counted and without; from a store without a
// key (plain/...) and from one with a key (sealed/...), whose pages open
// the fields of each ticket (fields.go).
func BenchmarkFindTickets(b *testing.B) {
	for _, sealed := range []bool{false, true} {
		name := "plain"
		if sealed {
			name = "sealed"
		}
		b.Run(name, func(b *testing.B) { benchmarkFindTickets(b, sealed) })
	}
}

func benchmarkFindTickets(b *testing.B, sealed bool) {
	ctx := context.Background()
	db, err := Open(ctx, testLocation(b, "ticketd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if sealed {
		if err := db.UseKey(testKey(8)); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(5, 6))
	ts := make([]Ticket, 100_000)
	for i := range ts {
		status := StatusClosed
		switch n := r.IntN(100); {
		case n < 8:
			status = StatusNew
		case n < 15:
			status = StatusInProgress
		case n < 20:
			status = StatusWaiting
		case n < 30:
			status = StatusAnswered
		}
		priority := PriorityNormal
		if r.IntN(100) < 15 {
			priority = PriorityHigh
		}
		ts[i] = Ticket{Status: status, Priority: priority, Category: []string{"access", "documents", "payments"}[r.IntN(3)],
			Subject: fmt.Sprintf("Вопрос %d", i), CitizenAddress: fmt.Sprintf("citizen%d@example.ru", r.IntN(20000)),
			CreatedAt: now.Add(time.Duration(i-len(ts)) * time.Minute), DueAt: now.Add(time.Duration(r.IntN(72*60)-24*60) * time.Minute)}
	}
	seed(b, db, ts...)
	open := []Status{StatusNew, StatusInProgress, StatusWaiting}
	// middle returns the cursor of the ticket halfway through what f
	// selects, read page by page as a reader would get there.
	middle := func(f TicketFilter) string {
		f.Limit = MaxTicketLimit
		for seen := 0; ; {
			page, err := db.FindTickets(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if seen += len(page.Tickets); seen >= page.Total/2 || page.Next == "" {
				return page.Next
			}
			f.After = page.Next
		}
	}
	cases := []struct {
		name string
		f    TicketFilter
	}{
		{"newest/all/first", TicketFilter{}},
		{"newest/all/middle", TicketFilter{After: middle(TicketFilter{})}},
		{"newest/all/middle/no-total", TicketFilter{After: middle(TicketFilter{}), NoTotal: true}},
		{"newest/new/first", TicketFilter{Status: []Status{StatusNew}}},
		{"newest/new/middle", TicketFilter{Status: []Status{StatusNew}, After: middle(TicketFilter{Status: []Status{StatusNew}})}},
		{"queue/all/first", TicketFilter{Order: OrderQueue}},
		{"queue/all/middle", TicketFilter{Order: OrderQueue, After: middle(TicketFilter{Order: OrderQueue})}},
		{"queue/open/first", TicketFilter{Order: OrderQueue, Status: open}},
		{"queue/open/first/no-total", TicketFilter{Order: OrderQueue, Status: open, NoTotal: true}},
		{"queue/open/middle", TicketFilter{Order: OrderQueue, Status: open, After: middle(TicketFilter{Order: OrderQueue, Status: open})}},
		{"queue/open/search", TicketFilter{Order: OrderQueue, Status: open, Search: "citizen1"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, err := db.FindTickets(ctx, c.f)
				if err != nil || len(page.Tickets) != DefaultTicketLimit {
					b.Fatalf("FindTickets = %d tickets, %v", len(page.Tickets), err)
				}
			}
		})
	}
}
