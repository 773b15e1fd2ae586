package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// senderLetter is a letter whose header fields up to Subject are fields.
func senderLetter(fields, id, body string) []byte {
	return []byte(fmt.Sprintf("%s\r\nTo: support@ticketd.test\r\nMessage-ID: <%s>\r\nDate: %s\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
		strings.ReplaceAll(fields, "\n", "\r\n"), id, time.Now().Format(time.RFC1123Z), body))
}

// TestEndToEndRecoveredSenders appends to Dovecot the letters whose sender
// is not where RFC 5322 puts it, runs the daemon, and checks that Mailpit
// got each acknowledgement at the address a mail client's Reply would use,
// and that the ticket records where it was found; that a no-reply sender
// with no Reply-To gets nothing and its ticket says why; that the citizen
// of a web form joins her ticket from her own mailbox; and that a stranger
// who names her ticket gets a ticket of his own, whose acknowledgement
// repeats no other ticket's tag.
func TestEndToEndRecoveredSenders(t *testing.T) {
	s := startServers(t, "")
	letters := []struct {
		name, fields, citizen, header string
	}{
		// Python's email package, compat32: msg["From"] = "Иван Петров <ivan@example.ru>".
		{"compat32 From", "From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCyIDxpdmFuQGV4YW1wbGUucnU+?=\nSubject: Справка",
			"ivan@example.ru", "from-encoded-word"},
		{"web form", "From: =?utf-8?b?0J/QvtGA0YLQsNC7?= <noreply@portal.example>\nReply-To: Ольга Смирнова <olga@example.ru>\nSubject: Заявка с сайта",
			"olga@example.ru", "reply-to"},
		{"address as the display name", "From: \"petr@example.ru\" <>\nSubject: Лифт", "petr@example.ru", "from-display-name"},
		{"no-reply alone", "From: Портал <no-reply@portal.example>\nSubject: Уведомление с сайта", "", store.ReplyHeaderNone},
	}
	for i, l := range letters {
		s.dovecot.Append(t, "INBOX", senderLetter(l.fields, fmt.Sprintf("s%d@example.test", i+1), "Как получить справку о статусе заявления?"))
	}
	s.ticketd(t, "run", "-once")

	acks := map[string]mailtest.Message{}
	msgs := s.mailpit.WaitMessages(t, 3, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	for _, m := range s.mailpit.Messages(t) {
		if len(m.To) != 1 || len(m.Cc) != 0 || len(m.Bcc) != 0 {
			t.Errorf("acknowledgement %q to %v, cc %v, bcc %v; want one recipient", m.Subject, m.To, m.Cc, m.Bcc)
			continue
		}
		acks[m.To[0].Address] = m
	}
	if len(msgs) != 3 || len(acks) != 3 {
		t.Errorf("Mailpit caught %d letters to %d addresses, want 3 acknowledgements", len(msgs), len(acks))
	}
	for i, l := range letters {
		number := store.TicketNumber(int64(i + 1))
		shown := s.show(t, number)
		if shown.CitizenAddress != l.citizen || len(shown.Messages) == 0 || shown.Messages[0].ReplyHeader != l.header {
			t.Errorf("%s: %s has citizen %q, first letter's reply header %q; want %q, %q",
				l.name, number, shown.CitizenAddress, firstHeader(shown), l.citizen, l.header)
		}
		if l.citizen == "" {
			if !strings.Contains(shown.AnswerProblem, "no-reply") {
				t.Errorf("%s: answer problem %q, want it to say the sender is a no-reply address", l.name, shown.AnswerProblem)
			}
			continue
		}
		m, ok := acks[l.citizen]
		if !ok {
			t.Errorf("%s: no acknowledgement to %s", l.name, l.citizen)
			continue
		}
		if replies.TagOf(m.Subject) != number {
			t.Errorf("%s: acknowledgement %q, want it on %s", l.name, m.Subject, number)
		}
	}
	for _, noreply := range []string{"noreply@portal.example", "no-reply@portal.example"} {
		if _, ok := acks[noreply]; ok {
			t.Errorf("an acknowledgement went to %s", noreply)
		}
	}
	if out := s.ticketd(t, "show", "TKT-000002", "-operator", "e2e"); !strings.Contains(out, "olga@example.ru") ||
		!strings.Contains(out, "(answered at the address in Reply-To)") {
		t.Errorf("ticketd show TKT-000002 does not say the address came from Reply-To:\n%s", out)
	}

	// Olga answers her acknowledgement from her own mailbox; a stranger
	// names her ticket in the subject, through the same web form.
	olgaAck, err := mailparse.Parse(s.mailpit.Raw(t, acks["olga@example.ru"].ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.dovecot.Append(t, "INBOX", clientReply("Ольга Смирнова <olga@example.ru>", "s5@example.test", olgaAck, "Номер заявления 77-123."))
	s.dovecot.Append(t, "INBOX", senderLetter("From: Портал <noreply@portal.example>\nReply-To: mallory@example.org\nSubject: Re: [TKT-000002] Заявка",
		"s6@example.test", "Пришлите мне её данные."))
	s.ticketd(t, "run", "-once")
	s.mailpit.WaitMessages(t, 5, 30*time.Second)
	if olga := s.show(t, "TKT-000002"); len(olga.Messages) != 4 || olga.Messages[2].FromAddress != "olga@example.ru" ||
		olga.Messages[2].ReplyHeader != "from" || olga.Messages[3].ToAddress != "olga@example.ru" {
		t.Errorf("TKT-000002 after Olga's answer has %d letters; want her answer (from, reply header from) and the follow-up to her:\n%+v",
			len(olga.Messages), olga.Messages)
	}
	mallory := s.show(t, "TKT-000005")
	if mallory.LinkedTo != "TKT-000002" || mallory.CitizenAddress != "mallory@example.org" {
		t.Errorf("the stranger's letter: %s linked to %q from %q; want a new ticket linked to TKT-000002, his own",
			mallory.Number, mallory.LinkedTo, mallory.CitizenAddress)
	}
	m := s.letterTo(t, "mallory@example.org", 5)
	if strings.Contains(m.Subject, "TKT-000002") || replies.TagOf(m.Subject) != "TKT-000005" || strings.Count(m.Subject, "TKT-") != 1 {
		t.Errorf("the stranger's acknowledgement %q: want TKT-000005's tag once and no other", m.Subject)
	}
}

// show reads ticket number as "ticketd show -json" prints it.
func (s *servers) show(t *testing.T, number string) replies.Conversation {
	t.Helper()
	var c replies.Conversation
	if err := json.Unmarshal([]byte(s.ticketd(t, "show", number, "-json", "-operator", "e2e")), &c); err != nil {
		t.Fatalf("show %s: %v", number, err)
	}
	return c
}

// firstHeader is the reply header of a conversation's first letter.
func firstHeader(c replies.Conversation) string {
	if len(c.Messages) == 0 {
		return "(no letter)"
	}
	return c.Messages[0].ReplyHeader
}
