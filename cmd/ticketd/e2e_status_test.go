package main

import (
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// agencyRegister is the agency's register of applications as a real HTTP
// server on a loopback port: GET /api/applications/NUMBER answers the
// status and the registered address as JSON, 404 for a number it does not
// hold, and 500 to everything while down is set.
type agencyRegister struct {
	url  string // with {number}
	down atomic.Bool

	mu    sync.Mutex
	asked map[string]int // number → requests
}

func startAgencyRegister(t *testing.T, apps map[string][2]string) *agencyRegister {
	t.Helper()
	r := &agencyRegister{asked: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/applications/{number}", func(w http.ResponseWriter, req *http.Request) {
		number := req.PathValue("number")
		r.mu.Lock()
		r.asked[number]++
		r.mu.Unlock()
		if r.down.Load() {
			http.Error(w, "register is down for maintenance", http.StatusInternalServerError)
			return
		}
		app, ok := apps[number]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"status": app[0], "email": app[1]})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r.url = "http://" + ln.Addr().String() + "/api/applications/{number}"
	return r
}

// requests is how often number was asked for.
func (r *agencyRegister) requests(number string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked[number]
}

// statusRequest is a citizen's letter asking the status of application
// number; extra header lines (such as Reply-To) go after From.
func statusRequest(messageID, name, from, extra, number string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\n%sTo: support@ticketd.test\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"+
		"Добрый день. Подскажите, пожалуйста, какой статус у моего заявления № %s? Подавала его через личный кабинет.\r\n",
		mime.BEncoding.Encode("utf-8", name), from, extra, mime.BEncoding.Encode("utf-8", "Статус заявления"),
		time.Now().Format(time.RFC1123Z), messageID, number)
	return []byte(b.String())
}

// shownTicket is "ticketd show -json" read back.
func (s *servers) shownTicket(t *testing.T, number string) replies.Conversation {
	t.Helper()
	var c replies.Conversation
	if err := json.Unmarshal([]byte(s.ticketd(t, "show", number, "-json", "-operator", "e2e")), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// answerTemplate is the template of the ticket's first answer, and the
// address it went to.
func answerTemplate(c replies.Conversation) (string, string) {
	for _, m := range c.Messages {
		if m.Direction == store.DirectionOut {
			return m.Template, m.ToAddress
		}
	}
	return "", ""
}

// statusEvents are the ticket's events about the application's status, as
// "action: detail".
func statusEvents(c replies.Conversation) []string {
	var out []string
	for _, e := range c.Events {
		if strings.HasPrefix(e.Action, "status.") {
			out = append(out, e.Action+": "+e.Detail)
		}
	}
	return out
}

// TestEndToEndStatusAnswers runs "ticketd run" against Dovecot and Mailpit
// with the agency's register on a loopback HTTP server. The citizen
// registered for an application gets its status in Mailpit, and the ticket
// is answered; someone else asking about the same number, an unknown
// number, and a forged Reply-To get the acknowledgement, the ticket waits
// for an operator, and an event says why; with the register answering
// 500, the letter gets the acknowledgement and an event names the failure.
// The daemon's log holds no address, number or status.
func TestEndToEndStatusAnswers(t *testing.T) {
	reg := startAgencyRegister(t, map[string][2]string{
		"2026-004512": {"approved", "M.Sidorova@example.ru"},
		"2026-000317": {"in_progress", "ivan.petrov@example.ru"},
	})
	s := startServers(t, "")
	setKey(t, s, "status", fmt.Sprintf("url = %q\ntimeout = \"2s\"\nretries = 1", reg.url))
	d := startDaemon(t, buildTicketd(t), s)

	const registered, stranger = "m.sidorova@example.ru", "p.curious@example.org"
	for _, raw := range [][]byte{
		statusRequest("st-1@example.ru", "Мария Сидорова", registered, "", "2026-004512"),                             // TKT-000001
		statusRequest("st-2@example.org", "Пётр Любопытный", stranger, "", "2026-004512"),                             // TKT-000002
		statusRequest("st-3@example.ru", "Мария Сидорова", registered, "", "2026-999999"),                             // TKT-000003
		statusRequest("st-4@example.ru", "Мария Сидорова", registered, "Reply-To: <"+stranger+">\r\n", "2026-004512"), // TKT-000004
	} {
		s.dovecot.Append(t, "INBOX", raw)
	}
	waitSettled(t, s, d, 4)

	// The status reaches the registered address, and no other.
	statusLetters := 0
	for _, m := range s.mailpit.Messages(t) {
		l, err := mailparse.Parse(s.mailpit.Raw(t, m.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		to := m.To[0].Address
		if strings.Contains(l.Text, "Статус Вашей заявки") {
			statusLetters++
			if to != registered {
				t.Errorf("the status of the application went to %s:\n%s", to, l.Text)
			}
			for _, want := range []string{"№ 2026-004512: «Одобрено»", "отправлено автоматически"} {
				if !strings.Contains(l.Text, want) {
					t.Errorf("the status answer lacks %q:\n%s", want, l.Text)
				}
			}
			if !strings.HasPrefix(m.Subject, "[TKT-") || !strings.Contains(m.Subject, "Статус заявки") || l.Auto != mailparse.AutoReply {
				t.Errorf("the status answer has subject %q, Auto %q; want the ticket's tag, «Статус заявки», auto-replied", m.Subject, l.Auto)
			}
		} else if !strings.Contains(l.Text, "зарегистрировано под номером") {
			t.Errorf("the letter to %s is neither the status nor the acknowledgement:\n%s", to, l.Text)
		}
	}
	if statusLetters == 0 {
		t.Fatal("Mailpit caught no status answer")
	}

	// TKT-000001: answered by itself.
	c := s.shownTicket(t, "TKT-000001")
	if tmpl, to := answerTemplate(c); tmpl != replies.TemplateStatus || to != registered || c.Status != store.StatusAnswered {
		t.Errorf("TKT-000001: answer %s to %s, status %s; want status to %s, answered", tmpl, to, c.Status, registered)
	}
	if got := statusEvents(c); len(got) != 1 || got[0] != "status.answered: status approved sent to the address registered for the application" {
		t.Errorf("TKT-000001 status events = %q", got)
	}
	// TKT-000002 and TKT-000003: the acknowledgement; waiting for an operator.
	for number, why := range map[string]string{
		"TKT-000002": "status.not_answered: the answer would go to an address other than the one registered for the application",
		"TKT-000003": "status.not_answered: the register of applications does not know the application's number",
	} {
		c := s.shownTicket(t, number)
		if tmpl, _ := answerTemplate(c); tmpl != replies.TemplateAck || c.Status != store.StatusNew {
			t.Errorf("%s: answer %s, status %s; want ack, new", number, tmpl, c.Status)
		}
		if got := statusEvents(c); len(got) != 1 || got[0] != why {
			t.Errorf("%s status events = %q, want %q", number, got, why)
		}
	}
	// TKT-000004, with Reply-To a stranger: whichever address the answer
	// goes to, the status goes only to the registered one.
	c = s.shownTicket(t, "TKT-000004")
	switch tmpl, to := answerTemplate(c); {
	case tmpl == replies.TemplateStatus && to != registered:
		t.Errorf("TKT-000004: the status went to %s", to)
	case tmpl == replies.TemplateAck && c.Status != store.StatusNew:
		t.Errorf("TKT-000004: acknowledged, but status %s, want new", c.Status)
	case tmpl != replies.TemplateStatus && tmpl != replies.TemplateAck:
		t.Errorf("TKT-000004: answered with %s", tmpl)
	}

	// The register goes down: the next request gets the acknowledgement,
	// after the first attempt and one retry, and the daemon goes on.
	reg.down.Store(true)
	before := reg.requests("2026-004512")
	s.dovecot.Append(t, "INBOX", statusRequest("st-5@example.ru", "Мария Сидорова", registered, "", "2026-004512"))
	waitSettled(t, s, d, 5)
	c = s.shownTicket(t, "TKT-000005")
	if tmpl, to := answerTemplate(c); tmpl != replies.TemplateAck || to != registered || c.Status != store.StatusNew {
		t.Errorf("TKT-000005 with the register down: answer %s to %s, status %s; want ack to %s, new", tmpl, to, c.Status, registered)
	}
	want := "status.not_answered: the register of applications could not be asked: applications: GET " +
		reg.url + ": 2 attempts, the last: HTTP 500 Internal Server Error"
	if got := statusEvents(c); len(got) != 1 || got[0] != want {
		t.Errorf("TKT-000005 status events = %q, want %q", got, want)
	}
	if n := reg.requests("2026-004512") - before; n != 2 {
		t.Errorf("with the register down it was asked %d times, want 2 (retries = 1)", n)
	}

	if _, err := d.terminate(); err != nil {
		t.Errorf("ticketd run: %v\n%s", err, d.logs())
	}
	logs := d.logs()
	if !strings.Contains(logs, "cannot ask the register of applications") || !strings.Contains(logs, "application status answered automatically") {
		t.Errorf("the log does not tell what happened to the status requests:\n%s", logs)
	}
	for _, secret := range []string{"sidorova", "Sidorova", "curious", "2026-004512", "2026-999999", "approved", "Одобрено"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the daemon's log holds %q:\n%s", secret, logs)
		}
	}
}
