package daemon

import (
	"context"
	"net/mail"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// TestLetterThatCannotBeAnsweredDoesNotStopIntake checks that a letter
// whose acknowledgement cannot be composed is stored, marked done on the
// server, and recorded on its ticket, and that the letters after it are
// filed too.
func TestLetterThatCannotBeAnsweredDoesNotStopIntake(t *testing.T) {
	tests := []struct {
		name string
		// spoil makes composing every acknowledgement fail.
		spoil func(f *fixture)
	}{
		{"composing fails", func(f *fixture) { f.d.Ack.From = mail.Address{Address: "not an address"} }},
		{"composing panics", func(f *fixture) { f.d.Ack.Templates = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			tt.spoil(f)
			f.imap.Append("INBOX", letter("ivan@example.ru", "Не могу войти", "p1@x", "Не могу войти в личный кабинет уже два дня."))
			f.imap.Append("INBOX", letter("", "Без адреса", "p2@x", "Письмо без адреса отправителя."))
			f.imap.Append("INBOX", letter("petr@example.ru", "Справка", "p3@x", "Как получить справку о статусе заявления?"))
			if n, err := f.d.Poll(ctx); err != nil || n != 3 {
				t.Fatalf("Poll = %d, %v; want 3 letters stored and no error", n, err)
			}
			if n, err := f.d.Poll(ctx); err != nil || n != 0 {
				t.Errorf("second Poll = %d, %v; want 0: no letter is tried again", n, err)
			}
			wm, _ := f.db.Watermark(ctx, "INBOX")
			if wm.LastUID != 3 || wm.DoneUID != 3 {
				t.Errorf("watermark = %+v, want every letter stored and marked done", wm)
			}
			for _, number := range []string{"TKT-000001", "TKT-000002", "TKT-000003"} {
				tk, err := f.db.Ticket(ctx, number)
				if err != nil {
					t.Fatal(err)
				}
				if tk.AnswerProblem == "" {
					t.Errorf("%s (%s): AnswerProblem is empty, want why it was not answered", number, tk.Subject)
				}
				evs, _ := f.db.Events(ctx, tk.ID)
				if !hasAction(evs, "answer.failed") {
					t.Errorf("%s: events %v, want answer.failed", number, evs)
				}
			}
			if c := f.counts(t); c.Outbound != 0 {
				t.Errorf("counts = %+v, want nothing queued", c)
			}
		})
	}
}

// TestLetterWithoutAddressIsRecorded checks that a person's letter with no
// address to answer is recorded as such, while the others are answered.
func TestLetterWithoutAddressIsRecorded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.imap.Append("INBOX", letter("Иван Петров", "Не могу войти", "n1@x", "Не могу войти в личный кабинет."))
	f.imap.Append("INBOX", letter("petr@example.ru", "Справка", "n2@x", "Как получить справку?"))
	if n, err := f.d.Poll(ctx); err != nil || n != 2 {
		t.Fatalf("Poll = %d, %v; want 2", n, err)
	}
	first, _ := f.db.Ticket(ctx, "TKT-000001")
	second, _ := f.db.Ticket(ctx, "TKT-000002")
	if !strings.Contains(first.AnswerProblem, "no sender address") || second.AnswerProblem != "" {
		t.Errorf("AnswerProblem = %q and %q, want the first to say it has no sender address, the second none",
			first.AnswerProblem, second.AnswerProblem)
	}
	if c := f.counts(t); c.Outbound != 1 {
		t.Errorf("counts = %+v, want the second letter answered", c)
	}
}

// TestReusedMessageID checks that a different letter under a Message-ID
// already stored is a new letter, answered, while the same letter
// delivered again with a relay's fields added is not.
func TestReusedMessageID(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first := letter("ivan@example.ru", "Не могу войти", "same@x", "Не могу войти в личный кабинет.")
	f.imap.Append("INBOX", first)
	f.imap.Append("INBOX", append([]byte("Received: from relay.example.ru by mx.example.gov\r\nDelivered-To: support@example.gov\r\n"), first...))
	f.imap.Append("INBOX", letter("mallory@example.com", "Другое", "same@x", "Совсем другое письмо с тем же Message-ID."))
	if n, err := f.d.Poll(ctx); err != nil || n != 3 {
		t.Fatalf("Poll = %d, %v; want 3", n, err)
	}
	c := f.counts(t)
	if c.Tickets != 2 || c.Inbound != 2 || c.Outbound != 2 {
		t.Errorf("counts = %+v, want 2 tickets, 2 letters, 2 acknowledgements", c)
	}
	tk, err := f.db.Ticket(ctx, "TKT-000002")
	if err != nil || tk.CitizenAddress != "mallory@example.com" {
		t.Fatalf("second ticket = %+v, %v; want the different letter's", tk, err)
	}
	evs, _ := f.db.Events(ctx, tk.ID)
	if !hasAction(evs, "message.id_reused") {
		t.Errorf("events %v, want message.id_reused", evs)
	}
}

func hasAction(evs []store.Event, action string) bool {
	for _, ev := range evs {
		if ev.Action == action {
			return true
		}
	}
	return false
}
