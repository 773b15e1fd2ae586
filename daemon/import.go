package daemon

import (
	"bytes"
	"context"
	"time"

	"github.com/ticketd/ticketd/store"
)

// Import files the letters of a backlog (the mailbox a service kept before
// ticketd, read from a file rather than over IMAP) exactly as the daemon
// files fetched ones: the same Intake, threading, dedupe, sealing and store
// batches (take). What differs is said on each ticket: the letter is not
// a mailbox's (no watermark moves), its ticket is created at the letter's
// own date, a "letter.imported" event names who imported it and from
// where, and without Answer no acknowledgement is queued.
//
// The deadline of an imported ticket runs from the import, not from the
// letter's date: it is ticketd's promise, which begins when ticketd has
// the letter. A deadline in the past would raise every letter of the
// backlog as overdue at the deadline watch's first look, and an
// acknowledgement (Answer) would promise a date already gone.
type Import struct {
	Daemon *Daemon
	// Actor is who imports, as events name actors ("operator:anna").
	Actor string
	// Source is where the letters come from, as the event records it: a
	// file name, not a path.
	Source string
	// Mailbox is the queue the tickets are meant for, recorded in the
	// event; "" when none was named.
	Mailbox string
	// Answer queues each letter's acknowledgement as the daemon would
	// (its rate limits and no-reply rules); the outbox of "ticketd run"
	// sends them. Without it no answer is queued.
	Answer bool
	// Now is the clock of the deadlines; nil: time.Now.
	Now func() time.Time
}

// BacklogLetter is one letter of a backlog.
type BacklogLetter struct {
	Raw []byte
	// Arrived is when the old mailbox received the letter (an mbox "From "
	// line, a Maildir file's time); zero when unknown. Its Date header,
	// when sane, comes first.
	Arrived time.Time
	// Size is the letter's whole size when Raw is only its beginning
	// (the reader stopped at a limit); 0 otherwise.
	Size int64
}

// Filed is what filing one letter of a backlog did.
type Filed struct {
	store.Ingested
	// Note is why the letter was not fully understood ("" when it was);
	// it is stored all the same. It may quote the letter: not for logs.
	Note string
}

// File files letters in order, several to a store batch, reading them on
// all cores meanwhile, and calls done with each letter's index and what
// filing it did once its batch is committed. A failure of the store stops
// it and is returned; the letters committed before it stay filed. When ctx
// ends it finishes the letter in hand, commits and returns.
func (im *Import) File(ctx context.Context, letters []BacklogLetter, done func(i int, f Filed)) error {
	d := im.Daemon
	now := time.Now
	if im.Now != nil {
		now = im.Now
	}
	batch := make([]pending, len(letters))
	for i, l := range letters {
		batch[i] = d.backlogPending(l, &origin{answer: im.Answer, source: im.Source, index: i, mailbox: im.Mailbox}, now())
	}
	understood := d.understandAll(ctx, batch)
	type taken struct {
		i    int
		note string
	}
	var queue []taken // filed, not yet committed, in order
	f := &filer{d: d}
	f.committed = func(res store.Ingested) {
		t := queue[0]
		queue = queue[1:]
		done(t.i, Filed{Ingested: res, Note: t.note})
	}
	for i, p := range batch {
		if ctx.Err() != nil {
			break
		}
		u, ok, err := f.next(understood[i])
		if err != nil {
			return f.finish(err)
		}
		if !ok {
			break
		}
		p.origin.written = written(u.Letter.Date, letters[i].Arrived, p.arrived)
		p.origin.event = store.InboundEvent{Actor: im.Actor, Action: "letter.imported", Detail: im.detail()}
		queue = append(queue, taken{i: i, note: u.Note})
		if err := f.take(context.WithoutCancel(ctx), p, u); err != nil {
			queue = queue[:len(queue)-1]
			return f.finish(err)
		}
		batch[i].raw = nil
	}
	return f.finish(nil)
}

// detail is what the "letter.imported" event says.
func (im *Import) detail() string {
	s := "imported from " + im.Source
	if im.Mailbox != "" {
		s += " into mailbox " + im.Mailbox
	}
	if im.Answer {
		return s + ", answered as the daemon answers"
	}
	return s + ", without an answer"
}

// origin is the import a letter comes from (pending.origin).
type origin struct {
	answer  bool
	source  string
	index   int
	mailbox string             // Import.Mailbox: the mailbox and queue of its ticket
	written time.Time          // when the letter arrived, for its ticket's creation
	event   store.InboundEvent // "letter.imported"
}

// backlogPending is l as a letter to file, its clock starting at now. A
// letter over the size limit keeps only its header, as one on the server
// is fetched.
func (d *Daemon) backlogPending(l BacklogLetter, o *origin, now time.Time) pending {
	size := max(l.Size, int64(len(l.Raw)))
	p := pending{raw: l.Raw, size: size, arrived: now, origin: o}
	if size > d.maxSize() || l.Size > int64(len(l.Raw)) {
		p.tooLarge, p.raw = true, header(l.Raw)
	}
	return p
}

// header is the header of raw, up to and including the empty line that
// ends it; raw whole when it has none.
func header(raw []byte) []byte {
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, sep); i >= 0 {
			return raw[:i+len(sep)]
		}
	}
	return raw
}

// earliestSane is the oldest date a letter's Date header may give.
var earliestSane = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// written is when a letter of a backlog arrived: its Date header when
// sane (after 1990 and not after the import, a day's clock skew allowed),
// else the time its mailbox gives (arrived), else the import's.
func written(date, arrived, now time.Time) time.Time {
	sane := func(t time.Time) bool { return !t.IsZero() && t.After(earliestSane) && !t.After(now.Add(24*time.Hour)) }
	at := now
	switch {
	case sane(date):
		at = date
	case sane(arrived):
		at = arrived
	}
	if at.After(now) {
		return now
	}
	return at
}
