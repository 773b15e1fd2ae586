package replies

import (
	"context"
	"net/mail"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

func TestOperatorAnswersFromTheTicketsMailbox(t *testing.T) {
	ctx := context.Background()
	op, db, general := operatorFixture(t)
	res, err := db.Ingest(ctx, store.Inbound{
		Mailbox: "access", Raw: []byte("Subject: Не войти\r\n\r\nНе могу войти\r\n"), MessageID: "q2@citizen",
		FromAddress: "petr@example.ru",
		Ticket:      store.Ticket{Subject: "Не войти", CitizenAddress: "petr@example.ru", DueAt: time.Now().Add(time.Hour)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	op.Mailboxes = map[string]mail.Address{"access": {Name: "Доступ", Address: "access@example.gov"}}
	tests := []struct {
		name, number, want string
	}{
		{"mailbox listed", res.Ticket.Number, "access@example.gov"},
		{"no mailbox: the default", general.Number, "support@example.gov"},
	}
	for _, tt := range tests {
		out, err := op.Compose(ctx, Reply{Number: tt.number, Template: "request_info", By: "anna"})
		if err != nil {
			t.Fatal(err)
		}
		if out.FromAddress != tt.want || out.EnvelopeFrom != tt.want {
			t.Errorf("%s: Compose = from %q (envelope %q), want %q", tt.name, out.FromAddress, out.EnvelopeFrom, tt.want)
		}
	}
}
