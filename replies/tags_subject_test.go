package replies

import (
	"context"
	"errors"
	"net/mail"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

// TestAcknowledgeStripsOtherTickets: a stranger who put another ticket's
// tag in the subject gets an acknowledgement whose subject carries only his
// own ticket's tag, once, and says nothing of the other ticket.
func TestAcknowledgeStripsOtherTickets(t *testing.T) {
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	ack := &Acknowledger{Templates: set, From: mail.Address{Address: "support@example.gov"}}
	tests := []struct{ subject, want string }{
		{"Re: [TKT-000123] Не могу войти", "[TKT-000005] Обращение зарегистрировано: Re: Не могу войти"},
		{"TKT-000123", "[TKT-000005] Обращение зарегистрировано: (без темы)"},
		{"Re: [TKT-000005] Не могу войти (TKT-7)", "[TKT-000005] Обращение зарегистрировано: Re: Не могу войти"},
		{"Не могу войти", "[TKT-000005] Обращение зарегистрировано: Не могу войти"},
	}
	for _, tt := range tests {
		tk := store.Ticket{Number: "TKT-000005", Subject: tt.subject, Language: "ru", DueAt: time.Now().Add(24 * time.Hour)}
		out, err := ack.Acknowledge(tk, Received{From: mail.Address{Address: "mallory@example.org"}, Template: TemplateAck, At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		l, _ := mailparse.Parse(out.Raw, nil)
		if out.Subject != tt.want || l.Subject != tt.want {
			t.Errorf("Acknowledge(subject %q): subject %q, written %q; want %q", tt.subject, out.Subject, l.Subject, tt.want)
		}
		if TagOf(l.Subject) != "TKT-000005" {
			t.Errorf("Acknowledge(subject %q): the subject names %q, want TKT-000005", tt.subject, TagOf(l.Subject))
		}
	}
}

// TestComposeKeepsOwnTagOnce: whatever subject a caller passes, a letter
// on a ticket carries its tag at most once and no other ticket's.
func TestComposeKeepsOwnTagOnce(t *testing.T) {
	d := Draft{From: mail.Address{Address: "support@example.gov"}, To: mail.Address{Address: "ivan@example.ru"},
		Subject: "[TKT-000005] Ответ: Re: [TKT-000005] [TKT-000123] вопрос", Text: "Текст", Template: "resolved", Ticket: "TKT-000005"}
	out, err := Compose(d, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := "[TKT-000005] Ответ: Re: вопрос"; out.Subject != want {
		t.Errorf("Compose(%q).Subject = %q, want %q", d.Subject, out.Subject, want)
	}
}

// TestOperatorReplyStripsOtherTickets: an operator's reply on a ticket
// whose subject named another ticket carries only its own tag.
func TestOperatorReplyStripsOtherTickets(t *testing.T) {
	ctx := context.Background()
	db, op := operatorStore(t)
	res, err := db.Ingest(ctx, store.Inbound{
		Raw: []byte("Subject: x\r\n\r\nx\r\n"), MessageID: "q1@stranger", FromAddress: "mallory@example.org", ReplyHeader: "from",
		Ticket: store.Ticket{Subject: "Re: [TKT-000123] вопрос", CitizenAddress: "mallory@example.org", DueAt: time.Now().Add(24 * time.Hour)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := op.Compose(ctx, Reply{Number: res.Ticket.Number, Template: "resolved", By: "anna"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "[" + res.Ticket.Number + "] Вопрос решён: Re: вопрос"; out.Subject != want {
		t.Errorf("operator's reply subject = %q, want %q", out.Subject, want)
	}
}

// TestOperatorAnswersTheAddressAnswered: an operator's reply goes to the
// address the citizen's letter was answered at (its Reply-To), and a
// ticket whose only letter held no address to answer gets no reply to its
// no-reply From.
func TestOperatorAnswersTheAddressAnswered(t *testing.T) {
	ctx := context.Background()
	db, op := operatorStore(t)
	file := func(id, from, header, citizen string) string {
		res, err := db.Ingest(ctx, store.Inbound{
			Raw: []byte("Subject: x\r\n\r\n" + id + "\r\n"), MessageID: id, FromAddress: from, ReplyHeader: header,
			Ticket: store.Ticket{Subject: "Вопрос", CitizenAddress: citizen, DueAt: time.Now().Add(24 * time.Hour)},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Ticket.Number
	}
	form := file("f1@portal", "olga@example.ru", "reply-to", "olga@example.ru")
	if out, err := op.Compose(ctx, Reply{Number: form, Template: "resolved", By: "anna"}); err != nil || out.ToAddress != "olga@example.ru" {
		t.Errorf("reply on the web form's ticket to %q, %v; want olga@example.ru", out.ToAddress, err)
	}
	none := file("f2@portal", "noreply@portal.example", store.ReplyHeaderNone, "")
	if out, err := op.Compose(ctx, Reply{Number: none, Template: "resolved", By: "anna"}); !errors.Is(err, ErrBadRecipient) {
		t.Errorf("reply on a ticket with no address to answer: to %q, %v; want ErrBadRecipient", out.ToAddress, err)
	}
}

// operatorStore is an empty store and an Operator on it.
func operatorStore(t *testing.T) (*store.DB, *Operator) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return db, &Operator{Tickets: db, Templates: set, From: mail.Address{Name: "Поддержка", Address: "support@example.gov"}}
}
