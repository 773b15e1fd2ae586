package daemon

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/ticketd/ticketd/store"
)

// filer files the letters of a fetched batch, in UID order, several to a
// store transaction. It commits when the store's BatchLimits().Letters are
// filed, or when the next letter is not understood yet and the transaction
// has been open for BatchLimits().Hold (the store's write lock is held
// meanwhile: the outbox cannot record sent letters); the last letter of a
// fetch is committed at once.
type filer struct {
	d        *Daemon
	validity uint32
	limits   store.BatchLimits // the store's, read when the first batch begins

	batch  Batch     // open transaction; nil between commits
	opened time.Time // when batch began
	filed  []filed   // letters in batch, reported once committed
	last   imap.UID  // highest UID in batch
	done   imap.UID  // highest UID committed
	taken  int       // letters committed
	// committed, when not nil, is told what filing each letter did once
	// its batch is committed, in the order they were filed.
	committed func(store.Ingested)
}

// filed is one letter stored in the open batch, waiting to be reported.
type filed struct {
	log     *slog.Logger
	res     store.Ingested
	refused bool // too large to download, or filed bare (Observer.Refused)
}

// open returns the open batch, beginning one if needed.
func (f *filer) open(ctx context.Context) (Batch, error) {
	if f.batch == nil {
		// A transaction begun under ctx is rolled back when ctx ends; the
		// letters filed are committed even when shutdown begins.
		b, err := f.d.DB.Begin(context.WithoutCancel(ctx))
		if err != nil {
			return nil, storeError{err}
		}
		f.batch, f.opened, f.limits = b, time.Now(), f.d.DB.BatchLimits()
	}
	return f.batch, nil
}

// next waits for the next understood letter. When the open batch has been
// open for the store's Hold limit, it is committed rather than kept waiting.
func (f *filer) next(ch <-chan Understanding) (Understanding, bool, error) {
	if f.batch != nil {
		t := time.NewTimer(max(f.limits.Hold-time.Since(f.opened), 0))
		defer t.Stop()
		select {
		case u, ok := <-ch:
			return u, ok, nil
		case <-t.C:
		}
		if err := f.commit(); err != nil {
			return Understanding{}, false, err
		}
	}
	u, ok := <-ch
	return u, ok, nil
}

// take files one understood letter.
func (f *filer) take(ctx context.Context, p pending, u Understanding) error {
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	got, err := f.d.take(ctx, b, f.validity, p, u)
	if err != nil {
		return err
	}
	f.filed = append(f.filed, got)
	f.last = p.uid
	if len(f.filed) >= f.limits.Letters {
		return f.commit()
	}
	return nil
}

// skip moves the watermark past a letter that vanished before its fetch.
func (f *filer) skip(ctx context.Context, uid imap.UID) error {
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	if err := b.Advance(ctx, f.d.Mailbox.key(), f.validity, uint32(uid)); err != nil {
		return storeError{err}
	}
	return nil
}

// commit stores the open batch, then reports its letters and wakes the
// outbox for their answers.
func (f *filer) commit() error {
	if f.batch == nil {
		return nil
	}
	err := f.batch.Commit()
	f.batch = nil
	filed := f.filed
	f.filed = nil
	if err != nil {
		return storeError{err}
	}
	f.done = max(f.done, f.last)
	f.taken += len(filed)
	queued := 0
	for _, l := range filed {
		l.report()
		if f.committed != nil {
			f.committed(l.res)
		}
		f.d.observeFiled(l)
		if l.res.Queued {
			queued++
		}
	}
	if queued > 0 {
		f.d.observe(func(o Observer) { o.Queued(queued) })
	}
	if queued > 0 && f.d.Outbox != nil {
		f.d.Outbox.Wake()
	}
	return nil
}

// finish commits what is filed; when cause is not nil the letters filed
// before it are still kept, and cause is returned with any commit error.
func (f *filer) finish(cause error) error {
	return errors.Join(cause, f.commit())
}

// report logs what filing a letter did. Why a letter could not be answered
// is recorded on its ticket, not logged: it may quote the sender.
func (l filed) report() {
	res := l.res
	if res.ReusedMessageID {
		l.log.Warn("a different letter was stored before under this Message-ID; stored as a new letter", "ticket", res.Ticket.Number)
	}
	if res.AnswerProblem != "" {
		l.log.Warn("could not answer automatically; the ticket waits for an operator", "ticket", res.Ticket.Number)
	}
	switch {
	case res.Duplicate:
		l.log.Info("already stored", "ticket", res.Ticket.Number)
	case res.FollowUp:
		l.log.Info("follow-up filed", "ticket", res.Ticket.Number, "reopened", res.Reopened, "acknowledged", res.Queued)
	default:
		l.log.Info("ticket created", "ticket", res.Ticket.Number, "priority", res.Ticket.Priority,
			"linked_to", res.Ticket.LinkedTo, "acknowledged", res.Queued)
	}
}

// observeFiled reports a committed letter to the Observer.
func (d *Daemon) observeFiled(l filed) {
	if l.res.Duplicate {
		return
	}
	d.observe(func(o Observer) {
		o.Filed(d.key())
		if l.refused {
			o.Refused(d.key())
		}
	})
}

// storeError is a failure of the ticket store, told apart from mailbox
// failures in the logs.
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }
func (e storeError) Unwrap() error { return e.err }
