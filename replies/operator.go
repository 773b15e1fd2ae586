package replies

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
	"github.com/ticketd/ticketd/triage"
)

// Tickets is what an operator's actions read and write of the store.
// *store.DB is one.
type Tickets interface {
	Ticket(ctx context.Context, number string) (store.Ticket, error)
	Messages(ctx context.Context, ticketID int64) ([]store.Message, error)
	AttachmentsOfTicket(ctx context.Context, ticketID int64) (map[int64][]store.Attachment, error)
	Events(ctx context.Context, ticketID int64) ([]store.Event, error)
	Queue(ctx context.Context, number string, version int64, out store.Outgoing, status store.Status) error
	SetStatus(ctx context.Context, number string, version int64, status store.Status, actor string) error
	Assign(ctx context.Context, number string, version int64, assignee, actor string) error
	SetPriority(ctx context.Context, number string, version int64, p store.Priority, reason, actor string) error
	AddNote(ctx context.Context, number, text, actor string) (store.Note, error)
}

// Operator is what a person does to a ticket: read it, answer it from a
// template, change its status, priority or assignee, or note something on
// it. The command line and the console are two faces on it; every action
// names the person acting, and the store records it.
//
// An action that changes a ticket takes the version of the ticket it was
// decided on (store.Ticket.Version; 0 decides on none, as the command line
// does): when the ticket has changed since, the store refuses it with a
// *store.ConflictError saying what changed (errors.Is(err,
// store.ErrConflict)).
type Operator struct {
	Tickets   Tickets
	Templates *templates.Set
	From      mail.Address     // the support mailbox
	Now       func() time.Time // nil: time.Now
	// Mailboxes are the addresses answers go out from, by the key of the
	// mailbox a ticket came in by (store.Ticket.Mailbox); a ticket of a
	// mailbox not listed is answered from From.
	Mailboxes map[string]mail.Address
}

// from is the address t is answered from: its mailbox's, else From.
func (o *Operator) from(t store.Ticket) mail.Address {
	if a, ok := o.Mailboxes[t.Mailbox]; ok && t.Mailbox != "" {
		return a
	}
	return o.From
}

// Reply is an operator's answer to a ticket.
type Reply struct {
	Number   string            // the ticket, e.g. TKT-000123
	Template string            // see templates.Set.Catalog
	Vars     map[string]string // the template's variables
	By       string            // the operator
	// Version is the version of the ticket the reply was written on; 0
	// queues it whatever changed since.
	Version int64
}

// ErrNoOperator is returned for an action that names nobody.
var ErrNoOperator = errors.New("replies: no operator named")

// ErrNoReason is returned for a change of priority that says not why.
var ErrNoReason = errors.New("replies: no reason given")

// ErrEmptyNote is returned for a note with no text.
var ErrEmptyNote = errors.New("replies: note is empty")

// Compose renders r's template in the ticket's language and composes it as
// a letter continuing the ticket's thread, to the citizen's latest
// address: the one the latest letter that could be answered was answered
// at (its Reply-To, say), else the ticket's citizen's. Its subject carries
// the ticket's tag once and no other ticket's. It queues nothing: it is the preview. A missing or misspelt
// variable is an error naming it (templates.Set.Check).
func (o *Operator) Compose(ctx context.Context, r Reply) (store.Outgoing, error) {
	if err := o.Templates.Check(r.Template, r.Vars); err != nil {
		return store.Outgoing{}, err
	}
	t, err := o.Tickets.Ticket(ctx, r.Number)
	if err != nil {
		return store.Outgoing{}, err
	}
	msgs, err := o.Tickets.Messages(ctx, t.ID)
	if err != nil {
		return store.Outgoing{}, err
	}
	files, err := o.Tickets.AttachmentsOfTicket(ctx, t.ID)
	if err != nil {
		return store.Outgoing{}, err
	}
	last := lastInbound(msgs)
	data := templates.Data{
		Number: t.Number, Subject: StripTags(t.Subject), CitizenName: t.CitizenName, AccountNumber: t.AccountNumber,
		ApplicationNumber: t.ApplicationNumber, Status: string(t.Status), Received: last.CreatedAt, Due: t.DueAt,
		Hours: int(t.DueAt.Sub(t.CreatedAt).Round(time.Hour).Hours()), Operator: r.By, Vars: r.Vars,
	}
	accepted := describeFiles(t, msgs, files, &data)
	fields := triage.Fields{AccountNumber: t.AccountNumber, Category: triage.Category(t.Category)}
	data.Missing = triage.Missing(fields, t.Description, accepted)
	rendered, err := o.Templates.Render(r.Template, t.Language, data)
	if err != nil {
		return store.Outgoing{}, err
	}
	to := mail.Address{Name: t.CitizenName, Address: t.CitizenAddress}
	if last.FromAddress != "" {
		to = mail.Address{Name: last.FromName, Address: last.FromAddress}
	}
	return Compose(Draft{
		From: o.from(t), To: to, Subject: rendered.Subject, Text: rendered.Text, HTML: rendered.HTML,
		InReplyTo: last.MessageID, References: earlier(msgs, last.MessageID), Template: r.Template, Operator: r.By,
		Ticket: t.Number,
	}, o.now())
}

// Queue composes r and puts it in the outbox, setting the status its
// template leads to (the catalog's status), in one transaction. The
// running daemon sends it.
func (o *Operator) Queue(ctx context.Context, r Reply) (store.Outgoing, error) {
	if r.By == "" {
		return store.Outgoing{}, ErrNoOperator
	}
	status, err := o.StatusAfter(r.Template)
	if err != nil {
		return store.Outgoing{}, err
	}
	out, err := o.Compose(ctx, r)
	if err != nil {
		return store.Outgoing{}, err
	}
	if err := o.Tickets.Queue(ctx, r.Number, r.Version, out, status); err != nil {
		return store.Outgoing{}, err
	}
	return out, nil
}

// SetStatus changes a ticket's status on behalf of by.
func (o *Operator) SetStatus(ctx context.Context, number string, version int64, status store.Status, by string) error {
	if by == "" {
		return ErrNoOperator
	}
	if !status.Valid() {
		return fmt.Errorf("replies: unknown status %q", status)
	}
	return o.Tickets.SetStatus(ctx, number, version, status, Actor(by))
}

// Assign gives a ticket to the operator assignee on behalf of by; ""
// takes it from whoever had it.
func (o *Operator) Assign(ctx context.Context, number string, version int64, assignee, by string) error {
	if by == "" {
		return ErrNoOperator
	}
	return o.Tickets.Assign(ctx, number, version, assignee, Actor(by))
}

// SetPriority changes a ticket's priority on behalf of by, who must say
// why.
func (o *Operator) SetPriority(ctx context.Context, number string, version int64, p store.Priority, reason, by string) error {
	if by == "" {
		return ErrNoOperator
	}
	if !p.Valid() {
		return fmt.Errorf("replies: unknown priority %q", p)
	}
	if strings.TrimSpace(reason) == "" {
		return ErrNoReason
	}
	return o.Tickets.SetPriority(ctx, number, version, p, reason, Actor(by))
}

// AddNote adds by's internal note to a ticket. Notes are never mailed.
func (o *Operator) AddNote(ctx context.Context, number, text, by string) (store.Note, error) {
	if by == "" {
		return store.Note{}, ErrNoOperator
	}
	if strings.TrimSpace(text) == "" {
		return store.Note{}, ErrEmptyNote
	}
	return o.Tickets.AddNote(ctx, number, text, Actor(by))
}

// StatusAfter is the status a ticket takes when an operator sends
// template, from the catalog.
func (o *Operator) StatusAfter(template string) (store.Status, error) {
	return statusAfter(o.Templates, template)
}

// statusAfter is the status a ticket takes when a letter from template is
// sent, from the catalog of set; an automatic template has none.
func statusAfter(set *templates.Set, template string) (store.Status, error) {
	t, ok := set.Describe(template)
	if !ok {
		return "", fmt.Errorf("replies: no template %q", template)
	}
	if t.Automatic {
		return "", fmt.Errorf("replies: template %q is sent by the daemon, not an operator", template)
	}
	s := store.Status(t.Status)
	if !s.Valid() {
		return "", fmt.Errorf("replies: template %q: catalog status %q is not a ticket status", template, t.Status)
	}
	return s, nil
}

// Actor is how the event log names operator by.
func Actor(by string) string { return "operator:" + by }

func (o *Operator) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// describeFiles lists the files of the citizen's letters that were refused,
// with the reasons in the ticket's language, and returns how many were
// accepted.
func describeFiles(t store.Ticket, msgs []store.Message, files map[int64][]store.Attachment, data *templates.Data) int {
	accepted := 0
	for _, m := range msgs {
		if m.Direction != store.DirectionIn {
			continue
		}
		for _, a := range files[m.ID] {
			switch a.Verdict {
			case store.VerdictAccepted:
				accepted++
			case store.VerdictRejected:
				v := attachments.Verdict{Filename: a.Filename, OriginalName: a.OriginalName, DeclaredType: a.DeclaredType,
					DetectedType: a.DetectedType, Size: a.Size, Reason: attachments.Reason(a.Reason), Detail: a.Detail,
					Width: a.Width, Height: a.Height, Pages: a.Pages}
				data.Rejected = append(data.Rejected, templates.File{Name: a.Filename, Reason: v.Explain(t.Language)})
			}
		}
	}
	return accepted
}

// lastInbound is the citizen's latest letter on the ticket that can be
// answered: not automatic mail, nor a letter that held no address to
// answer (a no-reply From without Reply-To, store.ReplyHeaderNone), whose
// FromAddress is not the citizen's.
func lastInbound(msgs []store.Message) store.Message {
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := msgs[i]; m.Direction == store.DirectionIn && !m.Auto && m.ReplyHeader != store.ReplyHeaderNone {
			return m
		}
	}
	return store.Message{}
}

// earlier is the thread before the letter answered: the Message-IDs of the
// ticket's letters, without parent when it is the last.
func earlier(msgs []store.Message, parent string) []string {
	var refs []string
	for _, m := range msgs {
		if m.MessageID != "" {
			refs = append(refs, m.MessageID)
		}
	}
	if len(refs) > 0 && refs[len(refs)-1] == parent {
		refs = refs[:len(refs)-1]
	}
	return refs
}
