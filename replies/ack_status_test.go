package replies

import (
	"net/mail"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

// TestAcknowledgeStatus: the daemon's status answer is checked as an
// operator's reply is, marked automatic, and leaves the ticket as an
// operator's letter from the same template would.
func TestAcknowledgeStatus(t *testing.T) {
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	ack := &Acknowledger{Templates: set, From: support}
	tk := store.Ticket{Number: "TKT-000042", Subject: "Статус заявления", Language: "ru", ApplicationNumber: "2026-004512", DueAt: at}
	r := Received{MessageID: "q@example.ru", At: at, Template: TemplateStatus, From: mail.Address{Address: "m.sidorova@example.ru"},
		Vars: map[string]string{"status": "approved", "application": "2026-004512"}}
	out, err := ack.Acknowledge(tk, r)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := (&Operator{Templates: set}).StatusAfter(TemplateStatus)
	if !out.Auto || out.Status != want || out.Template != TemplateStatus || out.ToAddress != "m.sidorova@example.ru" {
		t.Errorf("Acknowledge(status) = auto %v, status %q, template %q, to %q; want auto, %q, status, m.sidorova@example.ru",
			out.Auto, out.Status, out.Template, out.ToAddress, want)
	}
	if !strings.Contains(string(out.Raw), "Auto-Submitted: auto-replied") {
		t.Errorf("the status answer is not marked Auto-Submitted:\n%s", out.Raw)
	}
	if out.Subject != "[TKT-000042] Статус заявки: Статус заявления" {
		t.Errorf("Acknowledge(status).Subject = %q", out.Subject)
	}

	r.Vars = map[string]string{"status": "done"}
	if _, err := ack.Acknowledge(tk, r); err == nil || !strings.Contains(err.Error(), "done") {
		t.Errorf("Acknowledge(status=done) error = %v, want one naming the value", err)
	}
	// The automatic acknowledgements change no status.
	r.Template, r.Vars = TemplateAck, nil
	if out, err := ack.Acknowledge(tk, r); err != nil || out.Status != "" {
		t.Errorf("Acknowledge(ack) = status %q, %v; want none", out.Status, err)
	}
}
