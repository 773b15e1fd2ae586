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
