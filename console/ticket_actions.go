package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketd/ticketd/console/internal/mailview"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// maxTicketForm bounds the body of a ticket page's form.
const maxTicketForm = 1 << 20

// readForm reads a POSTed form of at most maxTicketForm and the ticket
// version it carries, which must be there: a page always sends the
// version it shows, and 0 would act whatever changed. It answers 400 and
// returns false when either is wrong.
func (tp *ticketPages) readForm(w http.ResponseWriter, r *http.Request, needVersion bool) (int64, bool) {
	if tp.operator() == nil {
		tp.fail(w, r, http.StatusServiceUnavailable, "error.read_only")
		return 0, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTicketForm)
	if err := r.ParseForm(); err != nil {
		tp.fail(w, r, http.StatusBadRequest, "error.bad_request")
		return 0, false
	}
	if !needVersion {
		return 0, true
	}
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version <= 0 {
		tp.fail(w, r, http.StatusBadRequest, "error.bad_request")
		return 0, false
	}
	return version, true
}

// reply serves POST /tickets/{number}/reply: action=preview composes the
// letter and shows it under the form, or, when the template is not the
// one whose fields the form held (shown), shows the new template's
// fields (a send is then refused, so that nothing goes out whose fields
// the operator has not seen); action=send queues it through
// replies.Operator, as "ticketd reply" does, recorded with the operator,
// then redirects to the page (Post/Redirect/Get). A missing or wrong
// variable shows the form again naming it (422); a ticket changed since
// the page's version shows what changed, with the form kept (409).
func (tp *ticketPages) reply(w http.ResponseWriter, r *http.Request) {
	version, ok := tp.readForm(w, r, true)
	if !ok {
		return
	}
	number := ticketNumber(r)
	v := tp.newView(r, "ticket.title", nil)
	form := newReplyForm(tp.letters(), r.PostFormValue("template"), formVars(r.PostForm), version, v.Lang, v.T)
	send := r.PostFormValue("action") == "send"
	again := func(status int, adjust func(p *ticketPage)) {
		p, perr := tp.loadPage(r, v, number, pageOptionsOf(r))
		if perr != nil {
			tp.fail(w, r, perr.status, perr.key, perr.args...)
			return
		}
		p.Reply, p.Version = form, version
		p.StatusAfter = tp.statusAfter(form.Template)
		if adjust != nil {
			adjust(p)
		}
		tp.show(w, r, status, v, p)
	}
	if r.PostFormValue("shown") != form.Template {
		// The operator chose another template: show its fields, no
		// complaint about values not typed yet; and send nothing the
		// operator has not seen the fields of.
		form.Problems = nil
		for i := range form.Fields {
			form.Fields[i].Missing, form.Fields[i].Invalid = false, false
		}
		status := http.StatusOK
		if send && form.Template != "" {
			v.Flash, status = v.T("reply.check_fields"), http.StatusUnprocessableEntity
		}
		if form.Template != "" || !send {
			again(status, nil)
			return
		}
	}
	if form.Template == "" && len(form.Problems) == 0 {
		form.Problems = []string{v.T("reply.no_template")}
	}
	if !form.Ready() {
		v.Flash = strings.Join(form.Problems, " ")
		again(http.StatusUnprocessableEntity, nil)
		return
	}
	rep := replies.Reply{Number: number, Template: form.Template, Vars: form.Vars(), By: currentUser(r).Name, Version: version}
	if !send {
		out, err := tp.operator().Compose(r.Context(), rep)
		if err != nil {
			tp.actionFailed(w, r, v, err, again)
			return
		}
		pv := tp.preview(out)
		again(http.StatusOK, func(p *ticketPage) { p.Preview = &pv })
		return
	}
	if _, err := tp.operator().Queue(r.Context(), rep); err != nil {
		tp.actionFailed(w, r, v, err, again)
		return
	}
	tp.done(w, r, number, "reply")
}

// preview is the view of a composed reply: its text, and its HTML behind
// the same walls as a citizen's letter.
func (tp *ticketPages) preview(out store.Outgoing) replyPreview {
	mv := tp.mail.Letter(out.Raw, nil, mailview.Options{})
	return replyPreview{To: out.ToAddress, Subject: out.Subject, Text: strings.TrimSpace(mv.Letter.Text), HTML: mv.HTML}
}

// statusAfter is the status template leads to, "" when unknown.
func (tp *ticketPages) statusAfter(template string) string {
	if template == "" || tp.operator() == nil {
		return ""
	}
	s, err := tp.operator().StatusAfter(template)
	if err != nil {
		return ""
	}
	return string(s)
}

// status serves POST /tickets/{number}/status (status, version).
func (tp *ticketPages) status(w http.ResponseWriter, r *http.Request) {
	version, ok := tp.readForm(w, r, true)
	if !ok {
		return
	}
	st := store.Status(r.PostFormValue("status"))
	kept := keptForms{Status: string(st)}
	if !st.Valid() {
		tp.invalid(w, r, "error.bad_request", kept, version)
		return
	}
	err := tp.operator().SetStatus(r.Context(), ticketNumber(r), version, st, currentUser(r).Name)
	tp.after(w, r, "status", err, kept, version)
}

// assign serves POST /tickets/{number}/assign: action=take gives the
// ticket to the user, action=release takes it from whoever has it.
func (tp *ticketPages) assign(w http.ResponseWriter, r *http.Request) {
	version, ok := tp.readForm(w, r, true)
	if !ok {
		return
	}
	var assignee string
	switch r.PostFormValue("action") {
	case "take":
		assignee = currentUser(r).Name
	case "release":
	default:
		tp.invalid(w, r, "error.bad_request", keptForms{}, version)
		return
	}
	err := tp.operator().Assign(r.Context(), ticketNumber(r), version, assignee, currentUser(r).Name)
	tp.after(w, r, "assign", err, keptForms{}, version)
}

// priority serves POST /tickets/{number}/priority (priority, reason,
// version): the reason is required and recorded in the event log.
func (tp *ticketPages) priority(w http.ResponseWriter, r *http.Request) {
	version, ok := tp.readForm(w, r, true)
	if !ok {
		return
	}
	pr := store.Priority(r.PostFormValue("priority"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	kept := keptForms{Priority: string(pr), Reason: reason}
	switch {
	case !pr.Valid():
		tp.invalid(w, r, "error.bad_request", kept, version)
		return
	case reason == "" || len(reason) > 500:
		tp.invalid(w, r, "priority.no_reason", kept, version)
		return
	}
	err := tp.operator().SetPriority(r.Context(), ticketNumber(r), version, pr, reason, currentUser(r).Name)
	tp.after(w, r, "priority", err, kept, version)
}

// note serves POST /tickets/{number}/notes (text): an internal note,
// never mailed. Notes take no version: adding one changes nothing another
// operator decided on.
func (tp *ticketPages) note(w http.ResponseWriter, r *http.Request) {
	if _, ok := tp.readForm(w, r, false); !ok {
		return
	}
	text := r.PostFormValue("text")
	kept := keptForms{Note: text}
	switch {
	case strings.TrimSpace(text) == "":
		tp.invalid(w, r, "note.empty", kept, 0)
		return
	case len(text) > store.MaxNoteLength:
		tp.invalid(w, r, "note.too_long", kept, 0)
		return
	}
	_, err := tp.operator().AddNote(r.Context(), ticketNumber(r), text, currentUser(r).Name)
	tp.after(w, r, "note", err, kept, 0)
}

// after ends a small form's action: a redirect to the page on success,
// the page again with what changed on a conflict, 404 for a ticket that
// is not there, 500 otherwise.
func (tp *ticketPages) after(w http.ResponseWriter, r *http.Request, action string, err error, kept keptForms, version int64) {
	if err == nil {
		tp.done(w, r, ticketNumber(r), action)
		return
	}
	v := tp.newView(r, "ticket.title", nil)
	tp.actionFailed(w, r, v, err, func(status int, adjust func(*ticketPage)) {
		p, perr := tp.loadPage(r, v, ticketNumber(r), pageOptionsOf(r))
		if perr != nil {
			tp.fail(w, r, perr.status, perr.key, perr.args...)
			return
		}
		p.Kept = kept
		if version > 0 {
			p.Version = version
		}
		if adjust != nil {
			adjust(p)
		}
		tp.show(w, r, status, v, p)
	})
}

// invalid shows the page again with an error about what was typed (422),
// keeping it.
func (tp *ticketPages) invalid(w http.ResponseWriter, r *http.Request, key string, kept keptForms, version int64) {
	v := tp.newView(r, "ticket.title", nil)
	p, perr := tp.loadPage(r, v, ticketNumber(r), pageOptionsOf(r))
	if perr != nil {
		tp.fail(w, r, perr.status, perr.key, perr.args...)
		return
	}
	v.Flash = v.T(key)
	p.Kept = kept
	if version > 0 {
		p.Version = version
	}
	tp.show(w, r, http.StatusUnprocessableEntity, v, p)
}

// actionFailed answers an action the operator actions refused: a
// conflict shows the page again (by again) with what changed and the
// current version, so that the operator can decide again; a ticket gone
// is 404, one purged (which takes no changes) 410; anything else is
// logged and 500.
func (tp *ticketPages) actionFailed(w http.ResponseWriter, r *http.Request, v *view, err error, again func(int, func(*ticketPage))) {
	var conflict *store.ConflictError
	switch {
	case errors.As(err, &conflict):
		again(http.StatusConflict, func(p *ticketPage) {
			p.Conflict = conflict
			p.Version = p.Ticket.Version
			p.Reply.Version = p.Ticket.Version
		})
	case errors.Is(err, store.ErrNotFound):
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
	case errors.Is(err, store.ErrPurged):
		tp.fail(w, r, http.StatusGone, "error.purged")
	case errors.Is(err, context.Canceled):
	default:
		tp.log.Error("console ticket action", "ticket", ticketNumber(r), "route", r.Pattern, redact.Err(err))
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
	}
}

// done redirects to the ticket page after a successful action, saying
// which (Post/Redirect/Get).
func (tp *ticketPages) done(w http.ResponseWriter, r *http.Request, number, action string) {
	http.Redirect(w, r, "/tickets/"+number+"?done="+action, http.StatusSeeOther)
}
