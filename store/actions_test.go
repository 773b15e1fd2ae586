package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// reply is an operator's letter on ticket number, as replies.Operator
// composes one.
func reply(number, mid string) Outgoing {
	return Outgoing{MessageID: mid, ToAddress: "ivan@example.ru", EnvelopeTo: "ivan@example.ru",
		EnvelopeFrom: "support@example.gov", Template: "answer", Operator: "anna",
		Raw: []byte("Subject: [" + number + "]\r\n\r\nanswer\r\n")}
}

// actionCase is a version-guarded action, applied to ticket number at
// version (ticket 1 of inbound: new and urgent); the last event it
// records, and what it changes of the ticket.
type actionCase struct {
	name   string
	do     func(ctx context.Context, db *DB, number string, version int64) error
	event  string
	detail string
	check  func(t Ticket) bool
}

func actionCases() []actionCase {
	return []actionCase{
		{"Queue", func(ctx context.Context, db *DB, number string, version int64) error {
			return db.Queue(ctx, number, version, reply(number, "r1@ticketd"), StatusAnswered)
		}, "ticket.status", "new → answered", func(t Ticket) bool { return t.Status == StatusAnswered }},
		{"SetStatus", func(ctx context.Context, db *DB, number string, version int64) error {
			return db.SetStatus(ctx, number, version, StatusInProgress, "operator:anna")
		}, "ticket.status", "new → in_progress", func(t Ticket) bool { return t.Status == StatusInProgress }},
		{"Assign", func(ctx context.Context, db *DB, number string, version int64) error {
			return db.Assign(ctx, number, version, "anna", "operator:anna")
		}, "ticket.assigned", "anna", func(t Ticket) bool { return t.Assignee == "anna" }},
		{"SetPriority", func(ctx context.Context, db *DB, number string, version int64) error {
			return db.SetPriority(ctx, number, version, PriorityNormal, "not urgent after all", "operator:anna")
		}, "priority.changed", "high → normal: not urgent after all", func(t Ticket) bool {
			return t.Priority == PriorityNormal && t.PriorityReason == "not urgent after all"
		}},
	}
}

func TestActionsAtVersion(t *testing.T) {
	ctx := context.Background()
	for _, tt := range actionCases() {
		for _, at := range []struct {
			name    string
			version func(read Ticket) int64
		}{
			{"unchecked", func(Ticket) int64 { return 0 }},
			{"at the version read", func(read Ticket) int64 { return read.Version }},
		} {
			t.Run(tt.name+"/"+at.name, func(t *testing.T) {
				db := openTest(t)
				res := must(db.Ingest(ctx, inbound("q@citizen", "raw", 1), nil))
				read := must(db.Ticket(ctx, res.Ticket.Number))
				if read.Version == 0 || read.Version != res.Ticket.Version {
					t.Fatalf("new ticket: Version %d, Ingest said %d; want the same, not 0", read.Version, res.Ticket.Version)
				}
				if err := tt.do(ctx, db, read.Number, at.version(read)); err != nil {
					t.Fatalf("%s = %v", tt.name, err)
				}
				got := must(db.Ticket(ctx, read.Number))
				if !tt.check(got) {
					t.Errorf("after %s: ticket %+v", tt.name, got)
				}
				if got.Version <= read.Version {
					t.Errorf("after %s: Version %d, want more than %d", tt.name, got.Version, read.Version)
				}
				evs := must(db.Events(ctx, got.ID))
				last := evs[len(evs)-1]
				if last.Action != tt.event || last.Detail != tt.detail || last.Actor != "operator:anna" || last.Version != got.Version {
					t.Errorf("after %s: last event %+v, want %s %q by operator:anna at version %d", tt.name, last, tt.event, tt.detail, got.Version)
				}
			})
		}
	}
}

// TestActionsRefuseAChangedTicket reads a ticket, lets a citizen's
// follow-up arrive, and then acts on the version read: each action is
// refused, saying what changed, and changes nothing.
func TestActionsRefuseAChangedTicket(t *testing.T) {
	ctx := context.Background()
	for _, tt := range actionCases() {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			res := must(db.Ingest(ctx, inbound("q@citizen", "raw", 1), nil))
			read := must(db.Ticket(ctx, res.Ticket.Number))
			follow := inbound("f@citizen", "raw follow-up", 2)
			follow.TicketID, follow.Reopen = read.ID, true
			if _, err := db.Ingest(ctx, follow, nil); err != nil {
				t.Fatal(err)
			}
			before := must(db.Ticket(ctx, read.Number))
			eventsBefore := must(db.Events(ctx, read.ID))

			err := tt.do(ctx, db, read.Number, read.Version)
			var conflict *ConflictError
			if !errors.As(err, &conflict) || !errors.Is(err, ErrConflict) {
				t.Fatalf("%s on a changed ticket = %v, want a *ConflictError", tt.name, err)
			}
			if conflict.Number != read.Number || conflict.Version != read.Version || conflict.Current != before.Version {
				t.Errorf("ConflictError = %+v, want %s from %d to %d", conflict, read.Number, read.Version, before.Version)
			}
			if len(conflict.Changes) != 1 || conflict.Changes[0].Action != "ticket.followup" ||
				conflict.Changes[0].Detail != "letter from ivan@example.ru" {
				t.Errorf("ConflictError.Changes = %+v, want the follow-up", conflict.Changes)
			}
			after := must(db.Ticket(ctx, read.Number))
			if after != before {
				t.Errorf("refused %s changed the ticket:\n%+v\nwas\n%+v", tt.name, after, before)
			}
			if n := len(must(db.Events(ctx, read.ID))); n != len(eventsBefore) {
				t.Errorf("refused %s recorded events: %d, was %d", tt.name, n, len(eventsBefore))
			}
			if msgs := must(db.Messages(ctx, read.ID)); len(msgs) != 2 {
				t.Errorf("refused %s: %d letters, want the 2 received", tt.name, len(msgs))
			}
			// With the version the refusal gave, the action goes through.
			if err := tt.do(ctx, db, read.Number, conflict.Current); err != nil {
				t.Errorf("%s at the current version = %v", tt.name, err)
			}
		})
	}
}

func TestActionsOnUnknownTicket(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, tt := range actionCases() {
		if err := tt.do(ctx, db, "TKT-000009", 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s on an unknown ticket = %v, want ErrNotFound", tt.name, err)
		}
	}
	if _, err := db.AddNote(ctx, "TKT-000009", "note", "operator:anna"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AddNote on an unknown ticket = %v, want ErrNotFound", err)
	}
}

func TestActionsRefuseBadValues(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	n := must(db.Ingest(ctx, inbound("q@citizen", "raw", 1), nil)).Ticket.Number
	tests := []struct {
		name string
		err  error
	}{
		{"SetStatus done", db.SetStatus(ctx, n, 0, "done", "operator:anna")},
		{"Queue with status done", db.Queue(ctx, n, 0, reply(n, "r@x"), "done")},
		{"SetPriority urgent", db.SetPriority(ctx, n, 0, "urgent", "why", "operator:anna")},
		{"SetPriority without a reason", db.SetPriority(ctx, n, 0, PriorityNormal, "  ", "operator:anna")},
		{"AddNote blank", second(db.AddNote(ctx, n, " \n", "operator:anna"))},
		{"AddNote too long", second(db.AddNote(ctx, n, string(make([]byte, MaxNoteLength+1)), "operator:anna"))},
	}
	for _, tt := range tests {
		if tt.err == nil || errors.Is(tt.err, ErrConflict) || errors.Is(tt.err, ErrNotFound) {
			t.Errorf("%s = %v, want a refusal", tt.name, tt.err)
		}
	}
	if evs := must(db.Events(ctx, 1)); len(evs) != 1 {
		t.Errorf("refused actions recorded events: %+v", evs)
	}
}

func second[T any](_ T, err error) error { return err }

// TestActionsThatChangeNothing: setting what a ticket already has records
// nothing and keeps its version, so that nobody else's page goes stale.
func TestActionsThatChangeNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	n := must(db.Ingest(ctx, inbound("q@citizen", "raw", 1), nil)).Ticket.Number
	if err := db.SetPriority(ctx, n, 0, PriorityNormal, "routine", "operator:anna"); err != nil {
		t.Fatal(err)
	}
	read := must(db.Ticket(ctx, n))
	for name, err := range map[string]error{
		"SetStatus new":         db.SetStatus(ctx, n, read.Version, StatusNew, "operator:anna"),
		"Assign nobody":         db.Assign(ctx, n, read.Version, "", "operator:anna"),
		"SetPriority unchanged": db.SetPriority(ctx, n, read.Version, PriorityNormal, "routine", "operator:anna"),
	} {
		if err != nil {
			t.Errorf("%s = %v", name, err)
		}
	}
	if got := must(db.Ticket(ctx, n)); got.Version != read.Version {
		t.Errorf("Version after actions that change nothing = %d, want %d", got.Version, read.Version)
	}
}

func TestAssignAndUnassign(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	tk := must(db.Ingest(ctx, inbound("q@citizen", "raw", 1), nil)).Ticket
	steps := []struct {
		assignee, event, detail string
	}{
		{"boris", "ticket.assigned", "boris"},
		{" anna ", "ticket.assigned", "boris → anna"},
		{"", "ticket.unassigned", "anna"},
	}
	for _, s := range steps {
		if err := db.Assign(ctx, tk.Number, 0, s.assignee, "operator:anna"); err != nil {
			t.Fatalf("Assign(%q) = %v", s.assignee, err)
		}
		evs := must(db.Events(ctx, tk.ID))
		if e := evs[len(evs)-1]; e.Action != s.event || e.Detail != s.detail {
			t.Errorf("Assign(%q): event %s %q, want %s %q", s.assignee, e.Action, e.Detail, s.event, s.detail)
		}
	}
}

// TestEveryChangeGivesANewVersion runs every way a ticket changes, in and
// out of operators' hands, and checks that each gives the ticket a version
// greater than any before, of any ticket, and that what does not change
// the ticket (a postponed delivery) keeps it.
func TestEveryChangeGivesANewVersion(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Now()
	first := must(db.Ingest(ctx, inbound("q1@citizen", "raw 1", 1), ack)).Ticket
	other := must(db.Ingest(ctx, inbound("q2@citizen", "raw 2", 2), nil)).Ticket
	failing := func(Ticket, Situation) (*Outgoing, error) { return nil, errors.New("no template") }
	steps := []struct {
		name    string
		ticket  Ticket
		do      func() error
		changes bool
	}{
		{"follow-up", first, func() error {
			in := inbound("f1@citizen", "raw f1", 3)
			in.TicketID = first.ID
			_, err := db.Ingest(ctx, in, nil)
			return err
		}, true},
		{"follow-up whose answer cannot be composed", first, func() error {
			in := inbound("f2@citizen", "raw f2", 4)
			in.TicketID = first.ID
			_, err := db.Ingest(ctx, in, failing)
			return err
		}, true},
		{"postponed delivery", first, func() error {
			d := must(db.DueDeliveries(ctx, now.Add(time.Hour), 10))
			return db.Postpone(ctx, d[0], "421 later", now.Add(time.Minute))
		}, false},
		{"sent", first, func() error {
			d := must(db.DueDeliveries(ctx, now.Add(time.Hour), 10))
			return db.MarkAllSent(ctx, d, now)
		}, true},
		{"bounce of the acknowledgement", first, func() error {
			msgs := must(db.Messages(ctx, first.ID))
			in := inbound("dsn@mx", "raw dsn", 5)
			in.BounceOf = msgs[1].MessageID // on a ticket of its own
			_, err := db.Ingest(ctx, in, nil)
			return err
		}, true},
		{"an operator's reply", first, func() error { return db.Queue(ctx, first.Number, 0, reply(first.Number, "r@x"), "") }, true},
		{"delivery given up", first, func() error {
			d := must(db.DueDeliveries(ctx, now.Add(time.Hour), 10))
			return db.GiveUp(ctx, d[0], "550 no such user")
		}, true},
		{"status", other, func() error { return db.SetStatus(ctx, other.Number, 0, StatusClosed, "operator:anna") }, true},
		{"assignee", other, func() error { return db.Assign(ctx, other.Number, 0, "anna", "operator:anna") }, true},
		{"priority", other, func() error {
			return db.SetPriority(ctx, other.Number, 0, PriorityNormal, "routine", "operator:anna")
		}, true},
		{"note", other, func() error { _, err := db.AddNote(ctx, other.Number, "called him", "operator:anna"); return err }, true},
	}
	for _, s := range steps {
		before := must(db.Ticket(ctx, s.ticket.Number)).Version
		latest := must(db.LatestVersion(ctx))
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		after := must(db.Ticket(ctx, s.ticket.Number)).Version
		switch {
		case !s.changes && after != before:
			t.Errorf("%s: Version %d → %d, want unchanged", s.name, before, after)
		case s.changes && after <= latest:
			t.Errorf("%s: Version %d → %d, want more than the latest, %d", s.name, before, after, latest)
		case after > must(db.LatestVersion(ctx)):
			t.Errorf("%s: Version %d, more than LatestVersion", s.name, after)
		}
	}
	// Versions are the store's, not a ticket's: no two tickets share one.
	all := must(db.ChangedTickets(ctx, 0, 100))
	seen := map[int64]bool{}
	for _, tk := range all {
		if seen[tk.Version] {
			t.Errorf("version %d given twice", tk.Version)
		}
		seen[tk.Version] = true
	}
}

func TestChangedTickets(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i := range 4 {
		if _, err := db.Ingest(ctx, inbound("", "raw "+string(rune('a'+i)), uint32(i+1)), nil); err != nil {
			t.Fatal(err)
		}
	}
	start := must(db.LatestVersion(ctx))
	// Changed after start, in this order: 2, 4, then 1; 2 again last.
	for _, err := range []error{
		db.SetStatus(ctx, "TKT-000002", 0, StatusInProgress, "operator:anna"),
		db.Assign(ctx, "TKT-000004", 0, "anna", "operator:anna"),
		second(db.AddNote(ctx, "TKT-000001", "n", "operator:anna")),
		db.SetStatus(ctx, "TKT-000002", 0, StatusClosed, "operator:anna"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	numbersOf := func(ts []Ticket) []string {
		var s []string
		for _, tk := range ts {
			s = append(s, tk.Number)
		}
		return s
	}
	tests := []struct {
		name  string
		after int64
		limit int
		want  []string
	}{
		{"everything", 0, 0, []string{"TKT-000003", "TKT-000004", "TKT-000001", "TKT-000002"}},
		{"since start", start, 0, []string{"TKT-000004", "TKT-000001", "TKT-000002"}},
		{"since start, two", start, 2, []string{"TKT-000004", "TKT-000001"}},
		{"since the last", must(db.LatestVersion(ctx)), 0, nil},
	}
	for _, tt := range tests {
		got := must(db.ChangedTickets(ctx, tt.after, tt.limit))
		if !slices.Equal(numbersOf(got), tt.want) {
			t.Errorf("%s: ChangedTickets(%d, %d) = %v, want %v", tt.name, tt.after, tt.limit, numbersOf(got), tt.want)
		}
		if !slices.IsSortedFunc(got, func(a, b Ticket) int { return int(a.Version - b.Version) }) {
			t.Errorf("%s: not in version order", tt.name)
		}
	}
	// Paging on by the last version read gives the rest.
	page := must(db.ChangedTickets(ctx, start, 2))
	rest := must(db.ChangedTickets(ctx, page[len(page)-1].Version, 2))
	if !slices.Equal(numbersOf(rest), []string{"TKT-000002"}) {
		t.Errorf("next page = %v, want TKT-000002", numbersOf(rest))
	}
	if plan := queryPlan(t, db, "SELECT "+ticketListColumns+" FROM tickets WHERE version > ? ORDER BY version LIMIT ?", 0, 10); !strings.Contains(plan, "USING INDEX tickets_version") {
		t.Errorf("ChangedTickets does not read the version index: %s", plan)
	}
}
