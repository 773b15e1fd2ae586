package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ticketd/ticketd/applications"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/triage"
)

// Applications is the agency's register of applications, asked for the
// status of one (see package applications). applications.Register is
// one.
type Applications interface {
	Lookup(ctx context.Context, number string) (applications.Application, error)
}

// StatusLookup is what the register of applications said about the
// application a letter asks the status of.
type StatusLookup struct {
	Number      string                   // as triage read it in the letter
	Application applications.Application // when Err is nil
	Err         error                    // applications.ErrUnknown for a number it does not hold
}

// Events recorded on a ticket about a letter asking an application's
// status.
const (
	EventStatusAnswered    = "status.answered"     // the status template went instead of the acknowledgement
	EventStatusNotAnswered = "status.not_answered" // the acknowledgement went; the ticket waits for an operator
)

// lookUpStatus asks the register about the application a letter asks the
// status of, when the letter is a status request with an application
// number from someone who gets an automatic answer. It runs while the
// letter is being read, outside any transaction of the store: a slow
// register holds up that letter, never the store.
func (d *Daemon) lookUpStatus(ctx context.Context, p pending, u *Understanding) {
	f := u.Fields
	unanswered := p.origin != nil && !p.origin.answer // a backlog imported without answers
	if d.Applications == nil || unanswered || p.tooLarge || f.Category != triage.CategoryStatusRequest || f.ApplicationNumber == "" ||
		d.silence(u.Letter) != "" {
		return
	}
	app, err := d.lookUp(ctx, f.ApplicationNumber)
	if err != nil && !errors.Is(err, applications.ErrUnknown) {
		d.Log.Warn("cannot ask the register of applications; the letter gets the acknowledgement",
			"mailbox", d.Mailbox.key(), "uid", uint32(p.uid), redact.Err(err))
	}
	u.Status = &StatusLookup{Number: f.ApplicationNumber, Application: app, Err: err}
}

// lookUp asks the register, turning a panic of its into an error: one
// letter cannot stop the daemon.
func (d *Daemon) lookUp(ctx context.Context, number string) (app applications.Application, err error) {
	defer func() {
		if r := recover(); r != nil {
			app, err = applications.Application{}, fmt.Errorf("internal error asking the register of applications: %v", r)
		}
	}()
	return d.Applications.Lookup(ctx, number)
}

// statusAnswer decides whether a status request filed on ticket t is
// answered with its application's status instead of r, the
// acknowledgement due: only on a new ticket, in place of the plain
// acknowledgement (not an urgent letter's, nor one listing refused files),
// when the register knows the application and the address the answer goes
// to, r.From, is the one registered for it. It then makes r the status
// answer. It returns the events that say what was decided, none for a
// letter that is no status request the register was asked about.
//
// The events and the log never name an address (why an address was not
// good enough is said without saying which) nor the application's number,
// which the store seals with the ticket's fields while events are kept
// plain; the status answered is named, as the letter queued is.
func (d *Daemon) statusAnswer(log *slog.Logger, t store.Ticket, s store.Situation, u Understanding, r *replies.Received) []store.AnswerEvent {
	q := u.Status
	if q == nil || s.FollowUp {
		return nil
	}
	not := func(code, why string) []store.AnswerEvent {
		log.Info("application status not answered automatically; the ticket waits for an operator", "ticket", t.Number, "reason", code)
		return []store.AnswerEvent{{Action: EventStatusNotAnswered, Detail: why}}
	}
	switch {
	case r.Template != replies.TemplateAck:
		return not("not_plain_ack", "the letter gets the "+r.Template+" answer instead")
	case len(r.Rejected) > 0:
		return not("refused_files", "files of the letter were refused, and the acknowledgement lists them")
	case errors.Is(q.Err, applications.ErrUnknown):
		return not("unknown_application", "the register of applications does not know the application's number")
	case q.Err != nil:
		return not("lookup_failed", "the register of applications could not be asked: "+q.Err.Error())
	case !q.Application.RegisteredTo(r.From.Address):
		return not("address_differs", "the answer would go to an address other than the one registered for the application")
	}
	r.Template = replies.TemplateStatus
	r.Vars = map[string]string{"status": string(q.Application.Status), "application": q.Number}
	log.Info("application status answered automatically", "ticket", t.Number)
	return []store.AnswerEvent{{Action: EventStatusAnswered,
		Detail: "status " + string(q.Application.Status) + " sent to the address registered for the application"}}
}
