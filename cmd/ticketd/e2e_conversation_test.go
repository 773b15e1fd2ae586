package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/mailparse"
)

// clientReply builds the reply a mail client makes to msg: "Re:" subject,
// In-Reply-To and References continuing the thread, the quote below.
func clientReply(from, id string, msg *mailparse.Letter, body string) []byte {
	refs := append(append([]string(nil), msg.References...), msg.MessageID)
	for i := range refs {
		refs[i] = "<" + refs[i] + ">"
	}
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <%s>\r\n"+
		"In-Reply-To: <%s>\r\nReferences: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n\r\n> %s\r\n",
		from, msg.From.Address, msg.Subject, id, msg.MessageID, strings.Join(refs, " "),
		time.Now().Format(time.RFC1123Z), body, strings.ReplaceAll(strings.TrimSpace(msg.Text), "\n", "\n> ")))
}

func (s *servers) letterTo(t *testing.T, to string, n int) *mailparse.Letter {
	t.Helper()
	var got []mailtest.Message
	for _, m := range s.mailpit.WaitMessages(t, n, 30*time.Second) {
		for _, a := range m.To {
			if a.Address == to {
				got = append(got, m)
			}
		}
	}
	if len(got) == 0 {
		t.Fatalf("no letter to %s", to)
	}
	l, err := mailparse.Parse(s.mailpit.Raw(t, got[len(got)-1].ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestEndToEndConversation(t *testing.T) {
	s := startServers(t, "")
	citizen := "Иван Петров <ivan@example.ru>"
	s.dovecot.Append(t, "INBOX", letterFrom(citizen, "Справка о статусе", "c1@example.ru", "Как получить справку о статусе заявления?"))
	s.ticketd(t, "run", "-once")
	ack := s.letterTo(t, "ivan@example.ru", 1)

	// The citizen answers the acknowledgement from a mail client.
	s.dovecot.Append(t, "INBOX", clientReply(citizen, "c2@example.ru", ack, "Номер личного кабинета 1234567."))
	// A vacation notice answers the acknowledgement too.
	vacation := clientReply(citizen, "v1@example.ru", ack, "Я в отпуске до понедельника.")
	s.dovecot.Append(t, "INBOX", append([]byte("Auto-Submitted: auto-replied\r\n"), vacation...))
	// A stranger names the ticket in the subject.
	s.dovecot.Append(t, "INBOX", letterFrom("mallory@example.org", "Re: "+ack.Subject, "m1@example.org", "Пришлите мне его данные."))
	s.ticketd(t, "run", "-once")

	followUp := s.letterTo(t, "ivan@example.ru", 3)
	if !strings.HasPrefix(followUp.Subject, "[TKT-000001]") || followUp.MessageID == ack.MessageID {
		t.Errorf("follow-up answer %q: want a new letter on TKT-000001", followUp.Subject)
	}
	if got := s.ticketd(t, "show", "TKT-000002", "-json", "-operator", "e2e"); !strings.Contains(got, `"linked_to": "TKT-000001"`) ||
		!strings.Contains(got, "mallory@example.org") {
		t.Errorf("the stranger's letter did not open a linked ticket:\n%s", got)
	}

	// The operator answers through a template.
	if out := s.ticketd(t, "reply", "TKT-000001", "-template", "instructions_sms", "-operator", "Анна", "-preview"); !strings.Contains(out, "Анна") {
		t.Errorf("preview lacks the operator's name:\n%s", out)
	}
	s.ticketd(t, "reply", "TKT-000001", "-template", "instructions_sms", "-operator", "Анна")
	s.ticketd(t, "run", "-once")
	answer := s.letterTo(t, "ivan@example.ru", 4)
	if answer.AutoSubmitted() || !strings.HasPrefix(answer.Subject, "[TKT-000001]") {
		t.Errorf("operator's answer %q: Auto %q, want a person's letter on TKT-000001", answer.Subject, answer.Auto)
	}
	if len(answer.InReplyTo) != 1 || answer.InReplyTo[0] != "c2@example.ru" {
		t.Errorf("operator's answer In-Reply-To = %v, want the citizen's last letter c2@example.ru", answer.InReplyTo)
	}
	if !strings.Contains(strings.Join(answer.References, " "), "c1@example.ru") {
		t.Errorf("operator's answer References = %v, want the whole thread", answer.References)
	}

	// The whole conversation, in order, with who sent each letter.
	show := s.ticketd(t, "show", "TKT-000001", "-operator", "e2e")
	for _, want := range []string{"[ack]", "[ack_followup]", "[instructions_sms] by Анна", "ticket.followup", "(automatic)"} {
		if !strings.Contains(show, want) {
			t.Errorf("show TKT-000001 lacks %q:\n%s", want, show)
		}
	}
	if i, j := strings.Index(show, "[ack]"), strings.Index(show, "[instructions_sms]"); i < 0 || j < i {
		t.Errorf("show TKT-000001 is out of order:\n%s", show)
	}
	if n := len(s.mailpit.Messages(t)); n != 4 {
		t.Errorf("Mailpit caught %d letters, want 4: acknowledgements to Ivan and to the stranger, the follow-up answer, the operator's answer; none for the vacation notice", n)
	}
}

func letterFrom(from, subject, id, body string) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: support@ticketd.test\r\nSubject: %s\r\nMessage-ID: <%s>\r\n"+
		"Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", from, subject, id, time.Now().Format(time.RFC1123Z), body))
}

// TestTwoInstancesStopAfterOneExchange runs two ticketd instances whose
// answers land in each other's mailboxes: the automatic answer of one must
// not be answered by the other.
func TestTwoInstancesStopAfterOneExchange(t *testing.T) {
	a := startServers(t, "")
	b := startServersSharing(t, a, "support2", "secret2", "Поддержка Б <support-b@ticketd.test>")
	a.dovecot.Append(t, "INBOX", letterFrom("Оператор Б <support-b@ticketd.test>", "Вопрос коллегам", "b1@ticketd.test",
		"Подскажите, как у вас устроена проверка статуса заявлений?"))
	delivered := 0
	for round := 0; round < 4; round++ {
		a.ticketd(t, "run", "-once")
		b.ticketd(t, "run", "-once")
		msgs := a.mailpit.Messages(t)
		for _, m := range msgs[delivered:] {
			raw := a.mailpit.Raw(t, m.ID)
			switch m.To[0].Address {
			case "support-b@ticketd.test":
				a.dovecot.AppendAs(t, "support2", "secret2", "INBOX", raw)
			case "support@ticketd.test":
				a.dovecot.Append(t, "INBOX", raw)
			}
		}
		delivered = len(msgs)
	}
	if delivered != 1 {
		t.Errorf("the two instances exchanged %d letters, want 1 (A's acknowledgement, unanswered by B)", delivered)
	}
}
