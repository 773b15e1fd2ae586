package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// TestPollAnswersTheReplyAddress files letters whose sender is not where
// RFC 5322 puts it and checks each ticket's citizen, the header recorded
// on its letter, and where its acknowledgement goes; then that the citizen
// of a web form's letter joins her ticket from her own address, and that a
// stranger's Reply-To does not.
func TestPollAnswersTheReplyAddress(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	header := func(fields, id string) []byte {
		if !strings.Contains(fields, "Subject:") {
			fields += "\nSubject: Вопрос"
		}
		return []byte(strings.ReplaceAll(fields, "\n", "\r\n") + "\r\nTo: support@example.gov\r\n" +
			"Message-ID: <" + id + ">\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nКак получить справку?\r\n")
	}
	letters := []struct {
		raw     []byte
		citizen string
		header  string
		problem bool
	}{
		// Python's email package, compat32: "Иван Петров <ivan@example.ru>" as one encoded word.
		{header("From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCyIDxpdmFuQGV4YW1wbGUucnU+?=", "m1@x"), "ivan@example.ru", "from-encoded-word", false},
		{header("From: Портал <noreply@portal.example>\nReply-To: Ольга <olga@example.ru>", "m2@x"), "olga@example.ru", "reply-to", false},
		{header(`From: "petr@example.ru" <>`, "m3@x"), "petr@example.ru", "from-display-name", false},
		{header("From: Портал <no-reply@portal.example>", "m4@x"), "", store.ReplyHeaderNone, true},
	}
	for _, l := range letters {
		f.imap.Append("INBOX", l.raw)
	}
	if _, err := f.d.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	for i, l := range letters {
		tk, msgs := f.ticket(t, int64(i+1))
		if tk.CitizenAddress != l.citizen || msgs[0].ReplyHeader != l.header || (tk.AnswerProblem != "") != l.problem {
			t.Errorf("%s: citizen %q, reply header %q, answer problem %q; want %q, %q, a problem %v",
				tk.Number, tk.CitizenAddress, msgs[0].ReplyHeader, tk.AnswerProblem, l.citizen, l.header, l.problem)
		}
		var to []string
		for _, m := range msgs[1:] {
			to = append(to, m.ToAddress)
		}
		if want := l.citizen; (want == "" && len(to) != 0) || (want != "" && (len(to) != 1 || to[0] != want)) {
			t.Errorf("%s: answered %q, want one acknowledgement to %q", tk.Number, to, want)
		}
	}
	if tk, _ := f.ticket(t, 4); !strings.Contains(tk.AnswerProblem, "no-reply") {
		t.Errorf("answer problem of the no-reply letter = %q, want it to say why", tk.AnswerProblem)
	}

	// Olga answers from her own mailbox; a stranger sends the form with
	// her ticket's tag and his Reply-To.
	f.imap.Append("INBOX", header("From: Ольга <olga@example.ru>\nSubject: Re: [TKT-000002] Вопрос", "m5@x"))
	f.imap.Append("INBOX", header("From: Портал <noreply@portal.example>\nReply-To: mallory@example.org\nSubject: [TKT-000002]", "m6@x"))
	if _, err := f.d.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, msgs := f.ticket(t, 2); len(msgs) != 4 || msgs[2].FromAddress != "olga@example.ru" || msgs[3].ToAddress != "olga@example.ru" {
		t.Errorf("TKT-000002 after Olga's reply: %d letters; want her letter and the follow-up answer to her", len(msgs))
	}
	if tk, msgs := f.ticket(t, 5); tk.LinkedTo != "TKT-000002" || tk.CitizenAddress != "mallory@example.org" || len(msgs) != 2 {
		t.Errorf("the stranger's letter: ticket %s linked to %q from %q; want a new ticket linked to TKT-000002, answered to him",
			tk.Number, tk.LinkedTo, tk.CitizenAddress)
	}
}

// ticket reads ticket number n and its letters.
func (f *fixture) ticket(t *testing.T, n int64) (store.Ticket, []store.Message) {
	t.Helper()
	ctx := context.Background()
	tk, err := f.db.Ticket(ctx, store.TicketNumber(n))
	if err != nil {
		t.Fatal(fmt.Errorf("ticket %d: %w", n, err))
	}
	msgs, err := f.db.Messages(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tk, msgs
}
