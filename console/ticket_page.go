package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketd/ticketd/console/internal/mailview"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/triage"
)

// ticketPage is what the ticket page's template shows.
type ticketPage struct {
	Ticket  store.Ticket
	Letters []letterView
	Events  []store.Event
	Notes   []store.Note
	// Viewers are the other users who have the ticket open now.
	Viewers []string
	// Personal lists the kinds of personal data found in the citizen's
	// letters (triage), for a warning.
	Personal []triage.PersonalData
	// Images is true when the operator asked for remote images;
	// BlockedImages counts those not loaded, over all letters.
	Images        bool
	BlockedImages int

	// CanAct shows the forms: the user may change tickets, and the console
	// has the operator actions.
	CanAct bool
	// CanExport shows the link to the ticket's export: auditors and
	// admins (the route checks it again).
	CanExport   bool
	Reply       replyForm
	StatusAfter string // the status the chosen template leads to
	Preview     *replyPreview
	Conflict    *store.ConflictError
	// Version is the version the forms act on: the page's, or the one
	// posted with a form the page is shown again for.
	Version    int64
	Statuses   []store.Status
	Priorities []store.Priority
	Me         string
	// Done names the action that just succeeded (a message key suffix),
	// after the redirect that follows it.
	Done string
	// Kept holds what the operator typed in the other forms, shown again
	// when the page comes back with an error.
	Kept keptForms

	// Reads is a page of who read the ticket, newest first, for auditors
	// and admins (CanAudit); ReadsOlder and ReadsNewest are the links to
	// the page after it and to the first ("" for none).
	Reads                   []store.ReadEvent
	ReadsOlder, ReadsNewest string
}

// ticketReadsPage is how many reads the ticket page lists at a time.
const ticketReadsPage = 20

// keptForms holds the values of the small forms across an error.
type keptForms struct {
	Status, Priority, Reason, Note string
}

// replyPreview is a composed reply, as the citizen will get it.
type replyPreview struct {
	To, Subject string
	Text        string
	HTML        string // a srcdoc document (mailview), "" without HTML
}

// pageOptions say how to build a ticket page.
type pageOptions struct {
	images      bool  // load remote images
	readsBefore int64 // list the reads before this one (reads_before=); 0: the newest
}

// loadPage reads ticket number and everything its page shows, and
// records the read (read.ticket): every page shown is one read. A ticket
// that does not exist is 404; a failure of the store, or to record the
// read, is logged and 500.
func (tp *ticketPages) loadPage(r *http.Request, v *view, number string, opt pageOptions) (*ticketPage, *pageError) {
	ctx := r.Context()
	t, err := tp.store.Ticket(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &pageError{status: http.StatusNotFound, key: "error.not_found"}
	}
	if err != nil {
		tp.log.Error("console ticket", "ticket", number, redact.Err(err))
		return nil, internalError()
	}
	if perr := tp.recordRead(r, store.ReadTicket, t.ID, ""); perr != nil {
		return nil, perr
	}
	p := &ticketPage{
		Ticket: t, Images: opt.images, Version: t.Version, Me: v.User.Name,
		CanAct:     v.CanWrite && tp.operator() != nil && t.PurgedAt.IsZero(), // a purged ticket takes no changes
		CanExport:  v.CanAudit,                                                // exports are the auditors' too
		Statuses:   []store.Status{store.StatusNew, store.StatusInProgress, store.StatusWaiting, store.StatusAnswered, store.StatusClosed},
		Priorities: []store.Priority{store.PriorityNormal, store.PriorityHigh},
	}
	conv, err := replies.ReadConversation(ctx, tp.store, t)
	if err != nil {
		tp.log.Error("console ticket conversation", "ticket", number, redact.Err(err))
		return nil, internalError()
	}
	p.Letters, p.Events = tp.letterViews(ctx, v, conv, opt), conv.Events
	if p.Notes, err = tp.store.Notes(ctx, t.ID); err != nil {
		tp.log.Error("console ticket notes", "ticket", number, redact.Err(err))
		return nil, internalError()
	}
	for _, l := range p.Letters {
		p.BlockedImages += l.RemoteImages
		for _, k := range l.Personal {
			if !slices.Contains(p.Personal, k) {
				p.Personal = append(p.Personal, k)
			}
		}
	}
	slices.Sort(p.Personal)
	for _, name := range tp.viewers(t.Number) {
		if name != v.User.Name && !slices.Contains(p.Viewers, name) {
			p.Viewers = append(p.Viewers, name)
		}
	}
	p.Reply = newReplyForm(tp.letters(), "", nil, t.Version, v.Lang, v.T)
	if v.CanAudit {
		if perr := tp.loadReads(ctx, p, opt); perr != nil {
			return nil, perr
		}
	}
	return p, nil
}

// loadReads reads the page of the ticket's reads opt asks for into p.
func (tp *ticketPages) loadReads(ctx context.Context, p *ticketPage, opt pageOptions) *pageError {
	rs, err := tp.store.Reads(ctx, store.ReadFilter{TicketID: p.Ticket.ID, Before: opt.readsBefore, Limit: ticketReadsPage + 1})
	if err != nil {
		tp.log.Error("console ticket reads", "ticket", p.Ticket.Number, redact.Err(err))
		return internalError()
	}
	base := "/tickets/" + p.Ticket.Number
	if len(rs) > ticketReadsPage {
		rs = rs[:ticketReadsPage]
		p.ReadsOlder = fmt.Sprintf("%s?reads_before=%d#reads-box", base, rs[len(rs)-1].ID)
	}
	if opt.readsBefore > 0 {
		p.ReadsNewest = base + "#reads-box"
	}
	p.Reads = rs
	return nil
}

// page serves GET /tickets/{number}: the ticket with its conversation,
// files, notes, event log and, for writers, the forms that act on it.
// ?images=1 loads the letters' remote images; ?done=ACTION says which
// action has just succeeded.
func (tp *ticketPages) page(w http.ResponseWriter, r *http.Request) {
	number := ticketNumber(r)
	v := tp.newView(r, "ticket.title", nil)
	p, perr := tp.loadPage(r, v, number, pageOptionsOf(r))
	if perr != nil {
		tp.fail(w, r, perr.status, perr.key, perr.args...)
		return
	}
	if d := r.URL.Query().Get("done"); slices.Contains(doneActions, d) {
		p.Done = d
	}
	tp.show(w, r, http.StatusOK, v, p)
}

// doneActions are the actions ?done= may name.
var doneActions = []string{"reply", "status", "assign", "priority", "note"}

// show renders the ticket page p with status, under the page's own
// Content-Security-Policy (ticketCSP).
func (tp *ticketPages) show(w http.ResponseWriter, r *http.Request, status int, v *view, p *ticketPage) {
	v.Data = p
	w.Header().Set("Content-Security-Policy", ticketCSP(p.Images))
	tp.render(w, r, status, "ticket", v)
}

// ticketCSP is the ticket page's Content-Security-Policy: the console's,
// with the letters' style sheet allowed by its hash (a srcdoc document
// inherits the page's policy) and, when the operator asked for them,
// images from the web.
func ticketCSP(remoteImages bool) string {
	csp := strings.Replace(contentSecurityPolicy, "style-src 'self'", "style-src 'self' "+mailview.StyleHash(), 1)
	if remoteImages {
		csp = strings.Replace(csp, "img-src 'self' data:", "img-src 'self' data: http: https:", 1)
	}
	return csp
}

// pageOptionsOf reads a ticket page's options from its query. A
// reads_before= that is not a read's ID is the first page.
func pageOptionsOf(r *http.Request) pageOptions {
	q := r.URL.Query()
	before, err := strconv.ParseInt(q.Get("reads_before"), 10, 64)
	if err != nil || before < 0 {
		before = 0
	}
	return pageOptions{images: q.Get("images") == "1", readsBefore: before}
}

// ticketNumber is the {number} of the request's path, in upper case as
// the store keeps numbers.
func ticketNumber(r *http.Request) string {
	return strings.ToUpper(r.PathValue("number"))
}
