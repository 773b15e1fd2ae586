package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ticketd/ticketd/applications"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

// register is a register of applications in memory that counts its
// lookups; down makes every lookup fail.
type register struct {
	mu    sync.Mutex
	apps  map[string]applications.Application
	down  bool
	asked []string
}

func (r *register) Lookup(_ context.Context, number string) (applications.Application, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, number)
	if r.down {
		return applications.Application{}, errors.New("applications: GET http://127.0.0.1:1/{number}: 3 attempts, the last: HTTP 500 Internal Server Error")
	}
	a, ok := r.apps[number]
	if !ok {
		return applications.Application{}, applications.ErrUnknown
	}
	return a, nil
}

func (r *register) lookups() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.asked)
}

// statusLetter asks the status of application number.
func statusLetter(from, id, number string) []byte {
	return letter(from, "Статус заявления", id,
		"Добрый день. Подскажите, пожалуйста, какой статус у моего заявления № "+number+"? Подавала его две недели назад.")
}

// filed is what became of the letter on ticket number: its status, the
// answer queued (template and address), and its events but letter.stored.
func (f *fixture) filed(t *testing.T, number string) (store.Ticket, store.Message, []string) {
	t.Helper()
	ctx := context.Background()
	tk, err := f.db.Ticket(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := f.db.Events(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if e.Action != "letter.stored" {
			got = append(got, e.Action+": "+e.Detail)
		}
	}
	return tk, f.lastOut(t, number), got
}

func TestStatusAnswer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var logged bytes.Buffer
	f.d.Log = slog.New(slog.NewTextHandler(&logged, nil))
	reg := &register{apps: map[string]applications.Application{
		"2026-004512": {Number: "2026-004512", Status: applications.StatusApproved, Email: "M.Sidorova@Example.ru"},
	}}
	f.d.Applications = reg
	for _, tc := range []struct {
		name     string
		raw      []byte
		down     bool
		template string
		status   store.Status
		event    string // the last event but ticket.status, "" for none about the status
	}{
		{
			name:     "the registered sender, in another case",
			raw:      statusLetter("Мария Сидорова <m.sidorova@example.ru>", "s1@x", "2026-004512"),
			template: replies.TemplateStatus, status: store.StatusAnswered,
			event: "status.answered: status approved sent to the address registered for the application",
		},
		{
			name:     "another sender asking about the same number",
			raw:      statusLetter("Пётр <p.curious@example.org>", "s2@x", "2026-004512"),
			template: replies.TemplateAck, status: store.StatusNew,
			event: "status.not_answered: the answer would go to an address other than the one registered for the application",
		},
		{
			name:     "an unknown number",
			raw:      statusLetter("m.sidorova@example.ru", "s3@x", "2026-999999"),
			template: replies.TemplateAck, status: store.StatusNew,
			event: "status.not_answered: the register of applications does not know the application's number",
		},
		{
			name:     "the register down",
			raw:      statusLetter("m.sidorova@example.ru", "s4@x", "2026-004512"),
			down:     true,
			template: replies.TemplateAck, status: store.StatusNew,
			event: "status.not_answered: the register of applications could not be asked: applications: GET http://127.0.0.1:1/{number}: 3 attempts, the last: HTTP 500 Internal Server Error",
		},
		{
			name:     "not a status request",
			raw:      letter("m.sidorova@example.ru", "Справка", "s5@x", "Как получить справку о доходах? Заявление № 2026-004512 я уже подавала."),
			template: replies.TemplateAck, status: store.StatusNew,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg.down = tc.down
			f.imap.Append("INBOX", tc.raw)
			if n, err := f.d.Poll(ctx); err != nil || n != 1 {
				t.Fatalf("Poll = %d, %v; want 1", n, err)
			}
			c := f.counts(t)
			tk, out, events := f.filed(t, store.TicketNumber(int64(c.Tickets)))
			if out.Template != tc.template || tk.Status != tc.status {
				t.Errorf("answer %s, ticket %s; want %s, %s\nevents: %q", out.Template, tk.Status, tc.template, tc.status, events)
			}
			if out.Template == replies.TemplateStatus && !strings.EqualFold(out.ToAddress, "m.sidorova@example.ru") {
				t.Errorf("the status went to %s, not the registered address", out.ToAddress)
			}
			var about []string
			for _, e := range events {
				if strings.HasPrefix(e, "status.") {
					about = append(about, e)
				}
			}
			if want := []string{tc.event}; tc.event == "" && len(about) != 0 || tc.event != "" && fmt.Sprint(about) != fmt.Sprint(want) {
				t.Errorf("events about the status = %q, want %q", about, tc.event)
			}
			if tc.status == store.StatusAnswered && events[len(events)-1] != "ticket.status: new → answered" {
				t.Errorf("last event %q, want the status change", events[len(events)-1])
			}
			for _, e := range events {
				if strings.HasPrefix(e, "status.") && (strings.Contains(strings.ToLower(e), "sidorova") || strings.Contains(e, "curious") || strings.Contains(e, "2026-")) {
					t.Errorf("event %q names an address or the number", e)
				}
			}
		})
	}
	for _, secret := range []string{"sidorova", "Sidorova", "curious", "2026-004512", "2026-999999", "approved"} {
		if strings.Contains(logged.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, logged.String())
		}
	}
	if !strings.Contains(logged.String(), "reason=address_differs") || !strings.Contains(logged.String(), "application status answered automatically") {
		t.Errorf("the log does not say what was decided:\n%s", logged.String())
	}
	if n := reg.lookups(); n != 4 {
		t.Errorf("the register was asked %d times, want 4 (not for the letter that asks no status)", n)
	}
}

// TestStatusFollowUpIsNotAnswered: a citizen's letter on an existing
// ticket gets the follow-up notice, whatever it asks; so does a ticket
// whose status was answered once already.
func TestStatusFollowUpIsNotAnswered(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.d.Applications = &register{apps: map[string]applications.Application{
		"2026-004512": {Number: "2026-004512", Status: applications.StatusInProgress, Email: "m.sidorova@example.ru"},
	}}
	f.imap.Append("INBOX", letter("m.sidorova@example.ru", "Справка", "f1@x", "Как получить справку о доходах?"))
	f.d.Poll(ctx)
	ack := f.lastOut(t, "TKT-000001")
	f.imap.Append("INBOX", reply("m.sidorova@example.ru", "Re: "+ack.Subject, "f2@x", ack.MessageID,
		"И ещё: какой статус у моего заявления № 2026-004512?"))
	f.d.Poll(ctx)
	tk, out, events := f.filed(t, "TKT-000001")
	if c := f.counts(t); c.Tickets != 1 {
		t.Fatalf("%d tickets, want the follow-up on the first", c.Tickets)
	}
	if out.Template != replies.TemplateAckFollowUp || tk.Status != store.StatusNew {
		t.Errorf("follow-up answered with %s, ticket %s; want ack_followup, new", out.Template, tk.Status)
	}
	for _, e := range events {
		if strings.HasPrefix(e, "status.") {
			t.Errorf("a follow-up has event %q", e)
		}
	}
}

// TestStatusWithoutRegister: without [status], a status request gets the
// acknowledgement and no event about it.
func TestStatusWithoutRegister(t *testing.T) {
	f := newFixture(t)
	f.imap.Append("INBOX", statusLetter("m.sidorova@example.ru", "n1@x", "2026-004512"))
	f.d.Poll(context.Background())
	_, out, events := f.filed(t, "TKT-000001")
	if out.Template != replies.TemplateAck || strings.Contains(strings.Join(events, "\n"), "status.") {
		t.Errorf("answer %s, events %q; want ack and no status events", out.Template, events)
	}
}

// TestStatusAnswerDecides covers what only statusAnswer sees: an urgent
// letter and refused files keep their acknowledgement.
func TestStatusAnswerDecides(t *testing.T) {
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &Daemon{Ack: &replies.Acknowledger{Templates: set}, Log: slog.New(slog.DiscardHandler)}
	found := &StatusLookup{Number: "1", Application: applications.Application{Status: applications.StatusRejected, Email: "a@example.ru"}}
	for _, tc := range []struct {
		name     string
		template string
		rejected []templates.File
		lookup   *StatusLookup
		followUp bool
		want     string // template after
		event    string // prefix of the event, "" for none
	}{
		{"plain", replies.TemplateAck, nil, found, false, replies.TemplateStatus, "status.answered: status rejected"},
		{"urgent", replies.TemplateAckPriority, nil, found, false, replies.TemplateAckPriority, "status.not_answered: the letter gets the ack_priority answer"},
		{"refused files", replies.TemplateAck, []templates.File{{Name: "a.exe"}}, found, false, replies.TemplateAck, "status.not_answered: files of the letter were refused"},
		{"follow-up", replies.TemplateAckFollowUp, nil, found, true, replies.TemplateAckFollowUp, ""},
		{"not asked", replies.TemplateAck, nil, nil, false, replies.TemplateAck, ""},
	} {
		r := replies.Received{Template: tc.template, Rejected: tc.rejected}
		r.From.Address = "A@example.ru"
		evs := d.statusAnswer(d.Log, store.Ticket{Number: "TKT-000001"}, store.Situation{FollowUp: tc.followUp}, Understanding{Status: tc.lookup}, &r)
		got := ""
		if len(evs) > 0 {
			got = evs[0].Action + ": " + evs[0].Detail
		}
		if r.Template != tc.want || len(evs) > 1 || !strings.HasPrefix(got, tc.event) || (tc.event == "") != (got == "") {
			t.Errorf("%s: statusAnswer made %s with events %+v; want %s and %q", tc.name, r.Template, evs, tc.want, tc.event)
		}
		if r.Template == replies.TemplateStatus && (r.Vars["status"] != "rejected" || r.Vars["application"] != "1") {
			t.Errorf("%s: the status answer's variables are %v", tc.name, r.Vars)
		}
	}
}

// panicking is a register that panics.
type panicking struct{}

func (panicking) Lookup(context.Context, string) (applications.Application, error) { panic("boom") }

// TestStatusRegisterPanics: a register that panics costs the letter its
// status answer, not the daemon.
func TestStatusRegisterPanics(t *testing.T) {
	f := newFixture(t)
	f.d.Applications = panicking{}
	f.imap.Append("INBOX", statusLetter("m.sidorova@example.ru", "p1@x", "2026-004512"))
	if n, err := f.d.Poll(context.Background()); err != nil || n != 1 {
		t.Fatalf("Poll = %d, %v; want 1", n, err)
	}
	_, out, events := f.filed(t, "TKT-000001")
	want := "status.not_answered: the register of applications could not be asked: internal error asking the register of applications: boom"
	if out.Template != replies.TemplateAck || !strings.Contains(strings.Join(events, "\n"), want) {
		t.Errorf("answer %s, events %q; want ack and %q", out.Template, events, want)
	}
}
