package daemon

import (
	"context"
	"fmt"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// ackOf returns the Message-ID and subject of the answer queued on ticket.
func (f *fixture) lastOut(t *testing.T, number string) store.Message {
	t.Helper()
	tk, err := f.db.Ticket(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := f.db.Messages(context.Background(), tk.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Direction == store.DirectionOut {
			return msgs[i]
		}
	}
	t.Fatalf("%s has no answer", number)
	return store.Message{}
}

func reply(from, subject, id, inReplyTo, body string) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: support@example.gov\r\nSubject: %s\r\nMessage-ID: <%s>\r\n"+
		"In-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: Tue, 24 Nov 2026 12:00:00 +0300\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, subject, id, inReplyTo, inReplyTo, body))
}

func TestFollowUpJoinsTicketAndIsAnsweredOncePerHour(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.imap.Append("INBOX", letter("ivan@example.ru", "Не приходит СМС", "q1@x", "Не приходит код из СМС."))
	f.d.Poll(ctx)
	ack := f.lastOut(t, "TKT-000001")
	if err := f.db.SetStatus(ctx, "TKT-000001", 0, store.StatusAnswered, "operator:anna"); err != nil {
		t.Fatal(err)
	}
	f.imap.Append("INBOX", reply("Ivan <IVAN@example.ru>", "Re: "+ack.Subject, "q2@x", ack.MessageID, "Код так и не пришёл."))
	f.imap.Append("INBOX", reply("ivan@example.ru", "Re: "+ack.Subject, "q3@x", ack.MessageID, "И ещё: номер ЛК 1234567."))
	f.d.Poll(ctx)
	c := f.counts(t)
	if c.Tickets != 1 || c.Inbound != 3 {
		t.Fatalf("counts = %+v, want 1 ticket with 3 letters", c)
	}
	tk, _ := f.db.Ticket(ctx, "TKT-000001")
	if tk.Status != store.StatusInProgress {
		t.Errorf("status after follow-up = %s, want in_progress", tk.Status)
	}
	if out := f.lastOut(t, "TKT-000001"); out.Template != "ack_followup" || c.Outbound != 2 {
		t.Errorf("answers: last %s, %d in all; want one ack_followup after the ack", out.Template, c.Outbound)
	}
}

func TestTagFromStrangerOpensLinkedTicket(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.imap.Append("INBOX", letter("ivan@example.ru", "Вопрос", "q1@x", "Текст"))
	f.d.Poll(ctx)
	f.imap.Append("INBOX", letter("mallory@example.org", "Re: [TKT-000001] Вопрос", "m1@x", "Пришлите мне данные Ивана"))
	f.d.Poll(ctx)
	tk, err := f.db.Ticket(ctx, "TKT-000002")
	if err != nil {
		t.Fatalf("no new ticket for a stranger's letter: %v", err)
	}
	if tk.LinkedTo != "TKT-000001" || tk.CitizenAddress != "mallory@example.org" {
		t.Errorf("stranger's ticket = %+v, want linked to TKT-000001", tk)
	}
	first, _ := f.db.Ticket(ctx, "TKT-000001")
	msgs, _ := f.db.Messages(ctx, first.ID)
	if len(msgs) != 2 {
		t.Errorf("TKT-000001 has %d letters, want 2: the stranger must not join it", len(msgs))
	}
}

func TestAutoReplyToOurAnswerJoinsWithoutReopening(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.imap.Append("INBOX", letter("ivan@example.ru", "Вопрос", "q1@x", "Текст"))
	f.d.Poll(ctx)
	ack := f.lastOut(t, "TKT-000001")
	f.db.SetStatus(ctx, "TKT-000001", 0, store.StatusAnswered, "operator:anna")
	vacation := reply("ivan@example.ru", "Автоответ: "+ack.Subject, "v1@x", ack.MessageID, "Я в отпуске")
	vacation = append([]byte("Auto-Submitted: auto-replied\r\n"), vacation...)
	f.imap.Append("INBOX", vacation)
	f.d.Poll(ctx)
	c := f.counts(t)
	tk, _ := f.db.Ticket(ctx, "TKT-000001")
	if c.Tickets != 1 || c.Inbound != 2 || c.Outbound != 1 || tk.Status != store.StatusAnswered {
		t.Errorf("after a vacation notice: %+v, status %s; want it filed on the ticket, unanswered, status kept", c, tk.Status)
	}
}

func TestAutomaticAnswersPerSenderAreCapped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		f.imap.Append("INBOX", letter("flood@example.ru", fmt.Sprintf("Вопрос %d", i), fmt.Sprintf("f%d@x", i), "Текст"))
	}
	f.d.Poll(ctx)
	if c := f.counts(t); c.Tickets != 7 || c.Outbound != 5 {
		t.Errorf("seven letters from one sender: %+v, want 7 tickets and 5 answers", c)
	}
}

func TestBounceMarksOurAnswerUndeliverable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.imap.Append("INBOX", letter("gone@example.ru", "Вопрос", "q1@x", "Текст"))
	f.d.Poll(ctx)
	ack := f.lastOut(t, "TKT-000001")
	dsn := fmt.Sprintf("From: Mail Delivery System <MAILER-DAEMON@mx.example.ru>\r\nTo: support@example.gov\r\n"+
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"+
		"--r\r\nContent-Type: text/plain\r\n\r\nThe mail system: <gone@example.ru>: user unknown\r\n"+
		"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.ru\r\n\r\n"+
		"Final-Recipient: rfc822; gone@example.ru\r\nAction: failed\r\nStatus: 5.1.1\r\n"+
		"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <%s>\r\nSubject: %s\r\n"+
		"--r--\r\n", ack.MessageID, ack.Subject)
	f.imap.Append("INBOX", []byte(dsn))
	f.d.Poll(ctx)
	c := f.counts(t)
	out := f.lastOut(t, "TKT-000001")
	if c.Tickets != 1 || c.Outbound != 1 || out.Undeliverable == "" {
		t.Errorf("after a bounce: %+v, answer undeliverable %q; want the report on TKT-000001, no answer, the ack marked", c, out.Undeliverable)
	}
}

// A citizen who writes again before the first letter is read has both
// letters fetched in one batch and stored in one transaction: the second,
// referring to the first, must still join its ticket.
func TestFollowUpInTheSameBatchJoinsTicket(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.imap.Append("INBOX", letter("ivan@example.ru", "Не приходит СМС", "first@x", "Не приходит код из СМС."))
	f.imap.Append("INBOX", reply("ivan@example.ru", "Re: Не приходит СМС", "second@x", "first@x", "Забыл: номер ЛК 1234567."))
	if n, err := f.d.Poll(ctx); err != nil || n != 2 {
		t.Fatalf("Poll = %d, %v; want 2", n, err)
	}
	if c := f.counts(t); c.Tickets != 1 || c.Inbound != 2 {
		t.Fatalf("counts = %+v, want 1 ticket with both letters", c)
	}
}

// TestLettersAreSearchable checks that the daemon gives the store each
// letter's text for the search index: words of the first letter and of a
// follow-up find the ticket, in any case, and together.
func TestLettersAreSearchable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.imap.Append("INBOX", letter("ivan@example.ru", "Вопрос", "q1@x", "Не начислена субсидия за октябрь."))
	f.imap.Append("INBOX", letter("olga@example.ru", "Вопрос", "q2@x", "Прошу пересчитать пени."))
	f.d.Poll(ctx)
	ack := f.lastOut(t, "TKT-000001")
	f.imap.Append("INBOX", reply("ivan@example.ru", "Re: "+ack.Subject, "q3@x", ack.MessageID, "Прикладываю квитанцию."))
	f.d.Poll(ctx)
	for _, search := range []string{"субсидия", "КВИТАНЦИЮ", "субсидия квитанцию", "ivan@example.ru октябрь"} {
		page, err := f.db.FindTickets(ctx, store.TicketFilter{Search: search})
		if err != nil || len(page.Tickets) != 1 || page.Tickets[0].Number != "TKT-000001" {
			t.Errorf("FindTickets(Search %q) = %+v, %v; want TKT-000001 alone", search, page.Tickets, err)
		}
	}
	if page, err := f.db.FindTickets(ctx, store.TicketFilter{Search: "пени квитанцию"}); err != nil || len(page.Tickets) != 0 {
		t.Errorf("words of two tickets found %+v, %v; want none", page.Tickets, err)
	}
}
