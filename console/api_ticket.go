package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ticketd/ticketd/console/internal/mailview"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

// maxAPIBody bounds the JSON body of an API request.
const maxAPIBody = 256 << 10

// apiTicketBody is the body of GET /api/v1/tickets/{number}: what
// "ticketd show -json" prints (replies.Conversation), each letter with its
// id (for .../messages/{id}/raw), and the internal notes.
type apiTicketBody struct {
	replies.Conversation
	Messages []apiMessage `json:"messages"`
	Notes    []store.Note `json:"notes"`
}

// apiMessage is one letter of apiTicketBody.
type apiMessage struct {
	ID int64 `json:"id"`
	replies.ConversationMessage
}

// apiTicket serves GET /api/v1/tickets/{number}, a read of the ticket
// (read.ticket).
func (tp *ticketPages) apiTicket(w http.ResponseWriter, r *http.Request) {
	t, ok := tp.ticketOf(w, r, ticketNumber(r))
	if !ok {
		return
	}
	body, err := tp.conversation(r, t)
	if err != nil {
		tp.log.Error("console api ticket", "ticket", t.Number, redact.Err(err))
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	if perr := tp.recordRead(r, store.ReadTicket, t.ID, ""); perr != nil {
		tp.fail(w, r, perr.status, perr.key)
		return
	}
	tp.writeJSON(w, http.StatusOK, body)
}

// conversation reads ticket t's conversation as "ticketd show" does
// (replies.ReadConversation), with each letter's id, and its notes. Empty
// lists are [] rather than null.
func (tp *ticketPages) conversation(r *http.Request, t store.Ticket) (apiTicketBody, error) {
	ctx := r.Context()
	conv, err := replies.ReadConversation(ctx, tp.store, t)
	if err != nil {
		return apiTicketBody{}, err
	}
	body := apiTicketBody{Conversation: conv, Messages: []apiMessage{}, Notes: []store.Note{}}
	for _, cm := range conv.Messages {
		body.Messages = append(body.Messages, apiMessage{ID: cm.ID, ConversationMessage: cm})
	}
	if body.Events == nil {
		body.Events = []store.Event{}
	}
	notes, err := tp.store.Notes(ctx, t.ID)
	if err != nil {
		return body, err
	}
	if notes != nil {
		body.Notes = notes
	}
	return body, nil
}

// apiReplyRequest is the body of POST /api/v1/tickets/{number}/replies.
type apiReplyRequest struct {
	Template string            `json:"template"`
	Vars     map[string]string `json:"vars"`
	Preview  bool              `json:"preview"`
	// Version is the ticket's version the reply was written on; 0 (or
	// none) queues it whatever changed, as "ticketd reply" does.
	Version int64 `json:"version"`
}

// apiReplyBody is the answer to a reply: the letter composed, and for one
// queued, the ticket's status and version after.
type apiReplyBody struct {
	Preview   bool   `json:"preview"`
	Queued    bool   `json:"queued"`
	MessageID string `json:"message_id"`
	To        string `json:"to"`
	Subject   string `json:"subject"`
	Text      string `json:"text"`
	HTML      string `json:"html"` // sanitised; "" when the letter has no HTML
	Status    string `json:"status,omitempty"`
	Version   int64  `json:"version,omitempty"`
}

// apiConflict is the answer to an action refused because the ticket
// changed since Version: 409, with the changes.
type apiConflict struct {
	apiError
	Version int64         `json:"version"`
	Current int64         `json:"current"`
	Changes []store.Event `json:"changes"`
}

// apiReply serves POST /api/v1/tickets/{number}/replies: with preview it
// composes the letter and queues nothing; otherwise it queues it, 201. A
// missing, unknown or wrong variable is 422 naming it.
func (tp *ticketPages) apiReply(w http.ResponseWriter, r *http.Request) {
	var req apiReplyRequest
	if !tp.readJSON(w, r, &req) {
		return
	}
	if tp.letters() == nil {
		tp.fail(w, r, http.StatusServiceUnavailable, "error.read_only")
		return
	}
	if d, ok := tp.letters().Describe(req.Template); !ok || d.Automatic {
		tp.fail(w, r, http.StatusUnprocessableEntity, "error.invalid_reply", fmt.Sprintf("%v %q", templates.ErrUnknown, req.Template))
		return
	}
	if err := tp.letters().Check(req.Template, req.Vars); err != nil {
		tp.fail(w, r, http.StatusUnprocessableEntity, "error.invalid_reply", strings.ReplaceAll(err.Error(), "\n", "; "))
		return
	}
	number := ticketNumber(r)
	rep := replies.Reply{Number: number, Template: req.Template, Vars: req.Vars, By: currentUser(r).Name, Version: req.Version}
	var out store.Outgoing
	var err error
	if req.Preview {
		out, err = tp.operator().Compose(r.Context(), rep)
	} else {
		out, err = tp.operator().Queue(r.Context(), rep)
	}
	if err != nil {
		tp.apiFailed(w, r, err)
		return
	}
	mv := tp.mail.Letter(out.Raw, nil, mailview.Options{})
	body := apiReplyBody{Preview: req.Preview, Queued: !req.Preview, MessageID: out.MessageID, To: out.ToAddress,
		Subject: out.Subject, Text: strings.TrimSpace(mv.Letter.Text), HTML: strings.TrimSpace(mv.Letter.HTML)}
	status := http.StatusOK
	if !req.Preview {
		status = http.StatusCreated
		if t, err := tp.store.Ticket(r.Context(), number); err == nil {
			body.Status, body.Version = string(t.Status), t.Version
		}
	}
	tp.writeJSON(w, status, body)
}

// apiStatusRequest is the body of POST /api/v1/tickets/{number}/status.
type apiStatusRequest struct {
	Status  store.Status `json:"status"`
	Version int64        `json:"version"` // 0 or none: whatever changed
}

// apiStatusBody is the answer to a change of status.
type apiStatusBody struct {
	Number  string       `json:"number"`
	Status  store.Status `json:"status"`
	Version int64        `json:"version"`
}

// apiStatus serves POST /api/v1/tickets/{number}/status.
func (tp *ticketPages) apiStatus(w http.ResponseWriter, r *http.Request) {
	var req apiStatusRequest
	if !tp.readJSON(w, r, &req) {
		return
	}
	if !req.Status.Valid() {
		tp.fail(w, r, http.StatusUnprocessableEntity, "error.bad_request")
		return
	}
	number := ticketNumber(r)
	if err := tp.operator().SetStatus(r.Context(), number, req.Version, req.Status, currentUser(r).Name); err != nil {
		tp.apiFailed(w, r, err)
		return
	}
	t, ok := tp.ticketOf(w, r, number)
	if !ok {
		return
	}
	tp.writeJSON(w, http.StatusOK, apiStatusBody{Number: t.Number, Status: t.Status, Version: t.Version})
}

// readJSON decodes a JSON body of at most maxAPIBody into v, refusing
// unknown fields; it answers 400 itself and returns false when it cannot.
func (tp *ticketPages) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if tp.operator() == nil {
		tp.fail(w, r, http.StatusServiceUnavailable, "error.read_only")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		tp.fail(w, r, http.StatusBadRequest, "error.bad_request")
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		tp.fail(w, r, http.StatusBadRequest, "error.bad_request")
		return false
	}
	return true
}

// apiFailed answers an action the operator actions refused: 409 with the
// changes for a conflict, 404, or 500 logged.
func (tp *ticketPages) apiFailed(w http.ResponseWriter, r *http.Request, err error) {
	var conflict *store.ConflictError
	switch {
	case errors.As(err, &conflict):
		changes := conflict.Changes
		if changes == nil {
			changes = []store.Event{}
		}
		v := tp.newView(r, "error.title", nil)
		tp.writeJSON(w, http.StatusConflict, apiConflict{
			apiError: apiError{Error: "conflict", Message: v.T("error.conflict", conflict.Version, conflict.Current)},
			Version:  conflict.Version, Current: conflict.Current, Changes: changes,
		})
	case errors.Is(err, store.ErrNotFound):
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
	case errors.Is(err, store.ErrPurged):
		tp.fail(w, r, http.StatusGone, "error.purged")
	default:
		tp.log.Error("console api action", "ticket", ticketNumber(r), "route", r.Pattern, redact.Err(err))
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
	}
}
