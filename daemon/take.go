package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
	"github.com/ticketd/ticketd/triage"
)

// take files one fetched letter in batch b as a ticket, with its
// acknowledgement when one is due; the letter is stored whole or not at all.
func (d *Daemon) take(ctx context.Context, b Batch, validity uint32, p pending, u Understanding) (filed, error) {
	arrived := p.arrived
	if arrived.IsZero() {
		arrived = time.Now()
	}
	l, f := u.Letter, u.Fields
	priority := f.Priority == triage.PriorityHigh && !p.tooLarge
	from, header := sender(l)
	mailbox := d.Mailbox.key()
	if p.origin != nil {
		mailbox = "" // no watermark: the letter was not read from the watched mailbox
	}
	in := store.Inbound{
		Mailbox: mailbox, Queue: d.Queue, UIDValidity: validity, UID: uint32(p.uid),
		Raw: p.raw, Spool: p.spool, Note: u.Note, Fingerprint: u.Fingerprint, Text: l.Text,
		MessageID: l.MessageID, FromName: from.Name, FromAddress: from.Address, ReplyHeader: header,
		ToAddress: firstAddress(l.To), Auto: l.AutoSubmitted(),
		Ticket: store.Ticket{
			Priority:          storePriority(f.Priority),
			PriorityReason:    string(f.PriorityReason),
			Category:          string(f.Category),
			Language:          f.Language,
			CitizenName:       citizenName(f, l),
			CitizenAddress:    answeredAt(l),
			Subject:           l.Subject,
			AccountNumber:     f.AccountNumber,
			ApplicationNumber: f.ApplicationNumber,
			Description:       description(l),
			DueAt:             arrived.Add(d.sla(priority)),
			StartedAt:         arrived,
		},
		Attachments: storedFiles(l.Parts, u),
		// The follow-up answer goes at most once an hour (see answer).
		LastSentTemplate: replies.TemplateAckFollowUp,
	}
	if p.tooLarge {
		in.Ticket.Priority = store.PriorityNormal
	}
	log := d.Log.With("mailbox", d.Mailbox.key(), "uid", uint32(p.uid), "message_id", l.MessageID)
	if o := p.origin; o != nil {
		in.Ticket.CreatedAt = o.written
		in.Ticket.Mailbox, in.Ticket.Queue = o.mailbox, o.mailbox
		in.Events = []store.InboundEvent{o.event}
		log = d.Log.With("import", o.source, "letter", o.index, "message_id", l.MessageID)
	}
	if l.ReplyHeader != mailparse.FromHeader && header != "" {
		log = log.With("reply_header", header)
	}
	if u.Err != nil {
		// The letter's bytes could not be read back or its files stored:
		// it stays on the server and is read again.
		return filed{}, storeError{u.Err}
	}
	if err := d.thread(ctx, b, &in, l); err != nil {
		return filed{}, storeError{err}
	}
	var answer store.AnswerFunc // a backlog imported without answers gets none
	if p.origin == nil || p.origin.answer {
		answer = d.answer(log, l, u, p, arrived)
	}
	refused := p.tooLarge
	res, err := b.Ingest(ctx, in, answer)
	if errors.Is(err, store.ErrFileMissing) {
		// A file stored for it was purged meanwhile: read it again.
		return filed{}, storeError{err}
	}
	if err != nil && b.Err() == nil {
		// The store refused this letter, not the database: file its bytes
		// bare, on a ticket of its own, for an operator to read.
		log.Error("cannot file the letter as read; storing it bare", redact.Err(err))
		var unanswered store.AnswerFunc // automatic mail gets no answer either way
		if answer != nil {
			unanswered = failed(errFiledBare)
		}
		res, err = b.Ingest(ctx, bare(in, err), unanswered)
		refused = true
	}
	if err != nil {
		return filed{}, storeError{err}
	}
	return filed{log: log, res: res, refused: refused}, nil
}

// answer returns what composes the automatic answer to l once it is filed,
// or nil when l gets none. Whatever goes wrong composing it is returned as
// an error, which the store records on the ticket for an operator.
func (d *Daemon) answer(log *slog.Logger, l *mailparse.Letter, u Understanding, p pending, arrived time.Time) store.AnswerFunc {
	if why := d.silence(l); why != "" {
		log.Info("not acknowledging", "reason", why)
		switch why {
		case silenceNoAddress:
			return failed(errNoAddress)
		case silenceNoReply:
			return failed(errNoReply)
		}
		return nil
	}
	return func(t store.Ticket, s store.Situation) (out *store.Outgoing, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("internal error composing the answer: %v", r)
				log.Error("internal error composing the answer", "panic", redact.Text(fmt.Sprint(r)), "stack", string(debug.Stack()))
			}
		}()
		r := received(l, u, p, arrived, d.maxSize())
		switch {
		case s.RecentAutoReplies >= d.autoLimit():
			log.Info("not acknowledging", "reason", "sender over the hourly limit of automatic answers")
			return nil, nil
		case s.FollowUp && !s.LastSent.IsZero() && arrived.Sub(s.LastSent) < time.Hour:
			return nil, nil // at most one follow-up answer per ticket per hour
		case s.FollowUp:
			r.Template = replies.TemplateAckFollowUp
		}
		events := d.statusAnswer(log, t, s, u, &r)
		out, err = d.current().ack.Acknowledge(t, r)
		if out != nil {
			out.Events = append(out.Events, events...)
		}
		return out, err
	}
}

// Reasons a letter from a person is not answered automatically, recorded on
// its ticket.
var (
	errNoAddress = errors.New("the letter has no sender address that an answer could go to")
	errNoReply   = errors.New("the sender's address is a no-reply address and the letter names no other (no Reply-To) that an answer could go to")
	errFiledBare = errors.New("the letter could not be filed as read; only its bytes are stored")
)

// failed returns an AnswerFunc that composes nothing and reports why, so
// that the store records it on the ticket.
func failed(why error) store.AnswerFunc {
	return func(store.Ticket, store.Situation) (*store.Outgoing, error) { return nil, why }
}

// bare is in reduced to what cannot fail: the letter's bytes on a new
// ticket with the header's subject and sender, and why; its text still
// goes to the search index.
func bare(in store.Inbound, cause error) store.Inbound {
	return store.Inbound{
		Mailbox: in.Mailbox, UIDValidity: in.UIDValidity, UID: in.UID,
		Raw: in.Raw, Spool: in.Spool, Fingerprint: in.Fingerprint, Text: in.Text, MessageID: in.MessageID,
		FromName: in.FromName, FromAddress: in.FromAddress, ReplyHeader: in.ReplyHeader, ToAddress: in.ToAddress, Auto: in.Auto,
		Note: strings.TrimSpace(in.Note + "\ncould not be filed as read: " + cause.Error()),
		Ticket: store.Ticket{
			Priority: in.Ticket.Priority, PriorityReason: in.Ticket.PriorityReason,
			Language: in.Ticket.Language, CitizenAddress: in.Ticket.CitizenAddress,
			Subject: in.Ticket.Subject, DueAt: in.Ticket.DueAt, StartedAt: in.Ticket.StartedAt,
			CreatedAt: in.Ticket.CreatedAt,
		},
		Events: in.Events,
	}
}

// thread decides whether l continues a ticket. It does when its
// In-Reply-To/References name a letter of the ticket, or its subject
// carries the ticket's tag, and the sender took part in that ticket; a
// delivery report joins the ticket of the letter it reports on. A stranger
// naming a ticket opens a new ticket linked to it, so nobody can write into
// someone else's ticket by guessing its number.
//
// The sender of a letter from a person is the address it is answered at
// (answeredAt): a letter joins a ticket only when that address already
// takes part in it, so its answer never goes to a new address, such as a
// stranger's Reply-To under a citizen's From. A letter with no address to
// answer joins no ticket.
func (d *Daemon) thread(ctx context.Context, b Batch, in *store.Inbound, l *mailparse.Letter) error {
	if l.Auto == mailparse.AutoBounce && l.BounceOf != "" {
		th, ok, err := b.Thread(ctx, []string{l.BounceOf}, "", "")
		if err != nil {
			return err
		}
		if ok {
			in.TicketID, in.BounceOf = th.TicketID, l.BounceOf
			return nil
		}
	}
	ids := append(append([]string(nil), l.References...), l.InReplyTo...)
	th, ok, err := b.Thread(ctx, ids, replies.TagOf(l.Subject), answeredAt(l))
	if err != nil || !ok {
		return err
	}
	if th.Participant {
		in.TicketID, in.Reopen = th.TicketID, !l.AutoSubmitted()
	} else {
		in.LinkTo = th.TicketID
	}
	return nil
}

func (d *Daemon) autoLimit() int { return orDefault(d.AutoRepliesPerHour, DefaultAutoRepliesPerHour) }

// understand reads a fetched letter; for one too large to download, only
// its header.
func (d *Daemon) understand(ctx context.Context, p pending) Understanding {
	var u Understanding
	if p.spool != nil {
		u = d.current().intake.UnderstandAt(ctx, p.spool, p.spool.Size(), d.DB)
	} else {
		u = d.current().intake.Understand(ctx, p.raw)
	}
	if p.tooLarge {
		u.Note = fmt.Sprintf("letter of %d bytes is over the %d byte limit: only its header was downloaded", p.size, d.maxSize())
		u.Verdicts, u.Kept = nil, nil
		u.Letter.Parts = nil
	}
	d.lookUpStatus(ctx, p, &u)
	return u
}

// Reasons of silence for a letter with no address to answer.
const (
	silenceNoAddress = "no sender address"
	silenceNoReply   = "no-reply sender address and no other"
)

// silence returns why l must get no automatic answer, or "".
func (d *Daemon) silence(l *mailparse.Letter) string {
	from := strings.ToLower(l.Reply.Address)
	local, _, _ := strings.Cut(from, "@")
	switch {
	case l.AutoSubmitted():
		return "automatic mail (" + string(l.Auto) + ")"
	case from == "" && mailparse.NoReply(l.From.Address):
		return silenceNoReply
	case from == "":
		return silenceNoAddress
	case local == "mailer-daemon" || local == "postmaster":
		return "mail system"
	}
	for _, self := range d.Self {
		if strings.EqualFold(self, from) {
			return "our own address"
		}
	}
	return ""
}

func received(l *mailparse.Letter, u Understanding, p pending, at time.Time, limit int64) replies.Received {
	r := replies.Received{
		MessageID:  l.MessageID,
		References: l.References,
		From:       mail.Address{Name: l.Reply.Name, Address: l.Reply.Address},
		Subject:    l.Subject,
		At:         at,
		Template:   replies.TemplateAck,
		Missing:    missing(u),
	}
	if u.Fields.Priority == triage.PriorityHigh {
		r.Template = replies.TemplateAckPriority
	}
	if p.tooLarge {
		r.Template, r.Size, r.Limit, r.Missing = replies.TemplateTooLarge, p.size, limit, nil
	}
	for _, v := range u.Verdicts {
		switch {
		case v.Accepted:
			r.Accepted++
		case !v.Skipped:
			r.Rejected = append(r.Rejected, templates.File{Name: v.Filename, Reason: v.Explain(u.Fields.Language)})
		}
	}
	return r
}

// missing lists what the support page asks for and the letter lacks
// (triage.Missing, the same rule an operator's request for details uses).
func missing(u Understanding) []string {
	accepted := 0
	for _, v := range u.Verdicts {
		if v.Accepted {
			accepted++
		}
	}
	return triage.Missing(u.Fields, u.Letter.Description, accepted)
}

// storedFiles is what the store keeps of the files of a letter: their
// bytes from parts, or, for a letter read by UnderstandAt, the files it
// stored already (Understanding.Kept).
func storedFiles(parts []mailparse.Part, u Understanding) []store.Attachment {
	var out []store.Attachment
	for i, v := range u.Verdicts {
		if i >= len(parts) {
			break
		}
		verdict := store.VerdictRejected
		switch {
		case v.Accepted:
			verdict = store.VerdictAccepted
		case v.Skipped:
			verdict = store.VerdictSkipped
		}
		a := store.Attachment{
			Filename: v.Filename, OriginalName: v.OriginalName,
			DeclaredType: v.DeclaredType, DetectedType: v.DetectedType,
			Size: v.Size, SHA256: v.SHA256, Verdict: verdict, Reason: string(v.Reason), Detail: v.Detail,
			Width: v.Width, Height: v.Height, Pages: v.Pages,
			Data: parts[i].Body, Thumbnail: v.Thumbnail, Display: v.Display,
		}
		if i < len(u.Kept) {
			a.Data, a.Stored = nil, true
			a.ThumbnailSHA256, a.DisplaySHA256 = u.Kept[i].Thumbnail, u.Kept[i].Display
		}
		out = append(out, a)
	}
	return out
}

// storePriority is the ticket priority for what triage found.
func storePriority(p triage.Priority) store.Priority {
	if p == triage.PriorityHigh {
		return store.PriorityHigh
	}
	return store.PriorityNormal
}

func citizenName(f triage.Fields, l *mailparse.Letter) string {
	if f.FullName != "" {
		return f.FullName
	}
	from, _ := sender(l)
	return from.Name
}

// sender is who the ticket records l is from, and the header that held the
// address (store.Inbound.ReplyHeader): for a letter from a person, the
// address it is answered at (mailparse.Letter.Reply), or, when it has
// none, its From with store.ReplyHeaderNone; for automatic mail, which is
// never answered, its From.
func sender(l *mailparse.Letter) (mailparse.Address, string) {
	switch {
	case l.AutoSubmitted():
		return l.From, ""
	case l.Reply.Address != "":
		return l.Reply, string(l.ReplyHeader)
	}
	return l.From, store.ReplyHeaderNone
}

// answeredAt is the address l's ticket is answered at, and by which it
// takes part in a ticket: for a letter from a person, l.Reply ("" when it
// has none); for automatic mail, its From.
func answeredAt(l *mailparse.Letter) string {
	if l.AutoSubmitted() {
		return l.From.Address
	}
	return l.Reply.Address
}

func description(l *mailparse.Letter) string {
	if strings.TrimSpace(l.Description) != "" {
		return l.Description
	}
	return l.Text
}

func firstAddress(as []mailparse.Address) string {
	if len(as) == 0 {
		return ""
	}
	return as[0].Address
}
