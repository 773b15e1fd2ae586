package replies

import (
	"context"
	"errors"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

var _ Tickets = (*store.DB)(nil)

// operatorFixture stores one ticket: a technical error with no screenshot
// and no account number.
func operatorFixture(t *testing.T) (*Operator, *store.DB, store.Ticket) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Ingest(ctx, store.Inbound{
		Raw: []byte("Subject: Ошибка\r\n\r\nКнопка не работает\r\n"), MessageID: "q1@citizen",
		FromName: "Иван", FromAddress: "ivan@example.ru",
		Ticket: store.Ticket{Subject: "Ошибка", CitizenAddress: "ivan@example.ru", Category: "technical_error",
			Description: "Кнопка «Отправить» не работает с утра", DueAt: time.Now().Add(24 * time.Hour)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	op := &Operator{Tickets: db, Templates: set, From: mail.Address{Name: "Поддержка", Address: "support@example.gov"}}
	return op, db, res.Ticket
}

func TestOperatorQueue(t *testing.T) {
	ctx := context.Background()
	op, db, tk := operatorFixture(t)
	tests := []struct {
		template string
		vars     map[string]string
		want     store.Status
	}{
		{"request_info", nil, store.StatusWaiting},
		{"status", map[string]string{"status": "approved"}, store.StatusAnswered},
	}
	for _, tt := range tests {
		out, err := op.Queue(ctx, Reply{Number: tk.Number, Template: tt.template, Vars: tt.vars, By: "anna"})
		if err != nil {
			t.Fatalf("Queue(%s): %v", tt.template, err)
		}
		if out.Operator != "anna" || out.ToAddress != "ivan@example.ru" || !strings.Contains(string(out.Raw), "In-Reply-To: <q1@citizen>") {
			t.Errorf("Queue(%s) = operator %q to %q; want anna's reply to the citizen, threaded", tt.template, out.Operator, out.ToAddress)
		}
		got, _ := db.Ticket(ctx, tk.Number)
		if got.Status != tt.want {
			t.Errorf("after %s the status is %q, want %q (catalog)", tt.template, got.Status, tt.want)
		}
	}
	evs, _ := db.Events(ctx, tk.ID)
	if !slices.ContainsFunc(evs, func(e store.Event) bool { return e.Actor == "operator:anna" && e.Action == "reply.queued" }) {
		t.Errorf("events %+v, want reply.queued by operator:anna", evs)
	}
}

func TestOperatorRefuses(t *testing.T) {
	ctx := context.Background()
	op, _, tk := operatorFixture(t)
	tests := []struct {
		name string
		r    Reply
	}{
		{"nobody", Reply{Number: tk.Number, Template: "resolved"}},
		{"automatic template", Reply{Number: tk.Number, Template: "ack", By: "anna"}},
		{"unknown template", Reply{Number: tk.Number, Template: "nope", By: "anna"}},
		{"missing variable", Reply{Number: tk.Number, Template: "status", By: "anna"}},
		{"unknown ticket", Reply{Number: "TKT-999999", Template: "resolved", By: "anna"}},
	}
	for _, tt := range tests {
		if _, err := op.Queue(ctx, tt.r); err == nil {
			t.Errorf("Queue(%s) succeeded, want an error", tt.name)
		}
	}
	if err := op.SetStatus(ctx, tk.Number, 0, store.StatusClosed, ""); !errors.Is(err, ErrNoOperator) {
		t.Errorf("SetStatus by nobody = %v, want ErrNoOperator", err)
	}
	if err := op.SetStatus(ctx, tk.Number, 0, "done", "anna"); err == nil {
		t.Error("SetStatus(done) succeeded, want an error")
	}
}

// TestOperatorAsksForWhatIsMissing checks that a request for details asks
// for what triage.Missing says the ticket lacks: the acknowledgement's rule.
func TestOperatorAsksForWhatIsMissing(t *testing.T) {
	op, _, tk := operatorFixture(t)
	out, err := op.Compose(context.Background(), Reply{Number: tk.Number, Template: "request_info", By: "anna"})
	if err != nil {
		t.Fatal(err)
	}
	text := decodedText(t, out.Raw)
	for _, want := range []string{"номер личного кабинета", "скриншот ошибки"} {
		if !strings.Contains(strings.ToLower(text), want) {
			t.Errorf("request_info does not ask for %q:\n%s", want, text)
		}
	}
}

// decodedText is the plain text of a composed letter.
func decodedText(t *testing.T, raw []byte) string {
	t.Helper()
	l, err := mailparse.Parse(raw, nil)
	if err != nil {
		t.Fatalf("parse the composed letter: %v", err)
	}
	return l.Text
}

// TestOperatorActions runs each action the console and the command line
// share, by anna, and checks what the store recorded.
func TestOperatorActions(t *testing.T) {
	ctx := context.Background()
	op, db, tk := operatorFixture(t)
	tests := []struct {
		name   string
		do     func(version int64) error
		action string
		check  func(store.Ticket) bool
	}{
		{"SetStatus", func(v int64) error { return op.SetStatus(ctx, tk.Number, v, store.StatusInProgress, "anna") },
			"ticket.status", func(t store.Ticket) bool { return t.Status == store.StatusInProgress }},
		{"Assign", func(v int64) error { return op.Assign(ctx, tk.Number, v, "anna", "anna") },
			"ticket.assigned", func(t store.Ticket) bool { return t.Assignee == "anna" }},
		{"SetPriority", func(v int64) error {
			return op.SetPriority(ctx, tk.Number, v, store.PriorityHigh, "the minister asked", "anna")
		}, "priority.changed", func(t store.Ticket) bool { return t.Priority == store.PriorityHigh }},
		{"AddNote", func(int64) error { _, err := op.AddNote(ctx, tk.Number, "звонил", "anna"); return err },
			"note.added", func(store.Ticket) bool { return true }},
		{"Queue", func(v int64) error {
			_, err := op.Queue(ctx, Reply{Number: tk.Number, Template: "resolved", By: "anna", Version: v})
			return err
		}, "ticket.status", func(t store.Ticket) bool { return t.Status == store.StatusAnswered }},
	}
	for _, tt := range tests {
		read, _ := db.Ticket(ctx, tk.Number)
		if err := tt.do(read.Version); err != nil {
			t.Fatalf("%s at the current version: %v", tt.name, err)
		}
		got, _ := db.Ticket(ctx, tk.Number)
		evs, _ := db.Events(ctx, tk.ID)
		if last := evs[len(evs)-1]; !tt.check(got) || last.Action != tt.action || last.Actor != "operator:anna" {
			t.Errorf("after %s: ticket %+v, last event %+v; want %s by operator:anna", tt.name, got, last, tt.action)
		}
		// The version read before is stale now.
		if tt.name != "AddNote" {
			if err := tt.do(read.Version); !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s at a version read before = %v, want ErrConflict", tt.name, err)
			}
		}
	}
	if notes, err := db.Notes(ctx, tk.ID); err != nil || len(notes) != 1 || notes[0].Author != "operator:anna" {
		t.Errorf("Notes = %+v, %v; want anna's", notes, err)
	}
}

func TestOperatorActionsRefuse(t *testing.T) {
	ctx := context.Background()
	op, _, tk := operatorFixture(t)
	tests := []struct {
		name string
		err  error
		want error // nil: any error
	}{
		{"Assign by nobody", op.Assign(ctx, tk.Number, 0, "anna", ""), ErrNoOperator},
		{"SetPriority by nobody", op.SetPriority(ctx, tk.Number, 0, store.PriorityHigh, "why", ""), ErrNoOperator},
		{"SetPriority without a reason", op.SetPriority(ctx, tk.Number, 0, store.PriorityHigh, " ", "anna"), ErrNoReason},
		{"SetPriority unknown", op.SetPriority(ctx, tk.Number, 0, "urgent", "why", "anna"), nil},
		{"AddNote by nobody", second(op.AddNote(ctx, tk.Number, "text", "")), ErrNoOperator},
		{"AddNote empty", second(op.AddNote(ctx, tk.Number, "\t", "anna")), ErrEmptyNote},
		{"Assign an unknown ticket", op.Assign(ctx, "TKT-999999", 0, "anna", "anna"), store.ErrNotFound},
	}
	for _, tt := range tests {
		if tt.err == nil || (tt.want != nil && !errors.Is(tt.err, tt.want)) {
			t.Errorf("%s = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
