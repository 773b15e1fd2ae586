package replies

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ticketd/ticketd/internal/backoff"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// Dialer opens a session with the outgoing mail server.
type Dialer interface {
	Dial(ctx context.Context) (*Session, error)
}

// Queue is what the outbox needs of the store: the letters due, when the
// next one is due, and what became of each attempt. *store.DB is one.
type Queue interface {
	// DueDeliveries returns up to limit letters due at now, oldest first,
	// with their bytes.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]store.Delivery, error)
	// NextDelivery reports when the earliest unsent letter is due; ok is
	// false when none is waiting.
	NextDelivery(ctx context.Context) (at time.Time, ok bool, err error)
	// MarkAllSent records that the server accepted ds.
	MarkAllSent(ctx context.Context, ds []store.Delivery, at time.Time) error
	// Postpone records a failed attempt and when to try again.
	Postpone(ctx context.Context, d store.Delivery, reason string, next time.Time) error
	// GiveUp records that a letter failed for good.
	GiveUp(ctx context.Context, d store.Delivery, reason string) error
}

// Outbox delivers the letters the store has queued. It sends each due letter,
// marks it sent only after the server's 250, and postpones a failed one with
// exponential backoff; a letter refused for good, or still failing after
// MaxAttempts, is given up and recorded on its ticket.
type Outbox struct {
	DB          Queue // the store that keeps the queue
	SMTP        Dialer
	Log         *slog.Logger
	MinDelay    time.Duration // first retry delay; 0 means DefaultMinDelay
	MaxDelay    time.Duration // retry delay cap; 0 means DefaultMaxDelay
	MaxAttempts int           // 0 means DefaultMaxAttempts
	IdleCheck   time.Duration // how often an idle outbox looks for letters queued elsewhere; 0 means DefaultIdleCheck
	Connections int           // parallel SMTP connections; 0 means DefaultConnections
	// Observer is told of the letters sent and given up; nil: nobody is.
	// Set it before Run.
	Observer Observer

	wake chan struct{}
}

// NewOutbox returns an outbox sending the letters queued in q through d.
func NewOutbox(q Queue, d Dialer, log *slog.Logger) *Outbox {
	return &Outbox{DB: q, SMTP: d, Log: log, wake: make(chan struct{}, 1)}
}

// Wake tells a running outbox that a letter was queued.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run delivers letters until ctx is done. It sleeps until the earliest
// queued letter is due or Wake is called.
func (o *Outbox) Run(ctx context.Context) error {
	failures := 0
	for {
		_, err := o.Drain(ctx)
		if ctx.Err() != nil {
			return nil
		}
		// Letters queued by another process ("ticketd reply") are seen
		// within IdleCheck; our own ingest calls Wake.
		wait := orDefault(o.IdleCheck, DefaultIdleCheck)
		if at, ok, nerr := o.DB.NextDelivery(ctx); nerr != nil {
			err = errors.Join(err, nerr)
		} else if ok {
			wait = min(wait, max(time.Until(at), 0)+10*time.Millisecond)
		}
		if err != nil {
			// The server is away or the store fails: letters stay queued.
			failures++
			wait = max(wait, backoff.Delay(failures, time.Second, time.Minute))
			o.Log.Warn("outbox: sending failed, will retry", redact.Err(err), "retry_in", wait)
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-o.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Drain sends every letter due now, including letters queued while it
// runs, over Connections parallel connections kept open until the work is
// done, and reports how many the server accepted. A connection that cannot
// be opened (servers often limit how many one client may hold) leaves the
// work to the others; Drain returns an error when connections failed and
// none delivered a letter, or when the store fails. Letters not sent stay
// queued.
func (o *Outbox) Drain(ctx context.Context) (int, error) {
	conns := orDefault(o.Connections, DefaultConnections)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	rec := newRecorder(o.DB, o.Log, stop)
	jobs := make(chan store.Delivery)
	feeding := make(chan error, 1)
	go func() {
		defer close(jobs)
		feeding <- o.feed(sctx, jobs, conns)
	}()
	errs := make([]error, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { errs[i] = o.send(sctx, jobs, rec) })
	}
	wg.Wait()
	stop() // no sender is left: nothing more can be handed over
	ferr := <-feeding
	sent, rerr := rec.close()
	if sent > 0 && o.Observer != nil {
		o.Observer.Sent(sent)
	}
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	switch {
	case rerr != nil:
		return sent, rerr
	case ferr != nil:
		return sent, ferr
	case failed > 0 && sent == 0:
		return sent, errors.Join(errs...)
	case failed > 0:
		// A letter a failed sender held is still due: the next drain,
		// right after this one, sends it.
		o.Log.Warn("outbox: some connections failed while others sent; lower [smtp] connections if the server limits them",
			"failed", failed, "of", conns, redact.Err(errors.Join(errs...)))
	}
	return sent, ctx.Err()
}

// feed hands every due letter to the senders once, until a look at the
// outbox finds nothing new. Letters in flight are still due in the store until
// recorded, so those handed over are remembered and skipped; a letter no
// longer due (recorded, or postponed) is forgotten.
func (o *Outbox) feed(ctx context.Context, jobs chan<- store.Delivery, conns int) error {
	handed := map[int64]bool{}
	for ctx.Err() == nil {
		due, err := o.DB.DueDeliveries(ctx, time.Now(), 64*conns+len(handed))
		if err != nil {
			return err
		}
		still := make(map[int64]bool, len(due))
		var fresh []store.Delivery
		for _, d := range due {
			if handed[d.ID] {
				still[d.ID] = true
			} else {
				fresh = append(fresh, d)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		handed = still
		for _, d := range fresh {
			handed[d.ID] = true
			select {
			case jobs <- d:
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}

// send delivers letters from jobs over one connection, dialled when the
// first letter comes and kept for the next. A letter that fails for a
// passing reason is postponed and the connection dropped; the next letter
// dials again. It returns when jobs is closed, ctx ends, the connection
// cannot be opened, or the store fails; a letter taken and not sent then
// stays due.
func (o *Outbox) send(ctx context.Context, jobs <-chan store.Delivery, rec *recorder) error {
	var sess *Session
	defer func() {
		if sess != nil {
			sess.Close()
		}
	}()
	for d := range jobs {
		if ctx.Err() != nil {
			return nil
		}
		if sess == nil {
			var err error
			if sess, err = o.SMTP.Dial(ctx); err != nil {
				// The letters stay due; Run backs off from 1 s to 1 min
				// between tries, so they go soon after the server is back.
				return err
			}
		}
		err := sess.Send(d.EnvelopeFrom, d.EnvelopeTo, d.Raw)
		if err == nil {
			rec.sent(d)
			continue
		}
		// What the server said is recorded even when shutdown has begun.
		if err := o.fail(context.WithoutCancel(ctx), d, err); err != nil {
			return err
		}
		var perm *PermanentError
		if !errors.As(err, &perm) || sess.broken {
			sess.Close()
			sess = nil
		}
	}
	return nil
}

func (o *Outbox) fail(ctx context.Context, d store.Delivery, cause error) error {
	var perm *PermanentError
	limit := orDefault(o.MaxAttempts, DefaultMaxAttempts)
	if errors.As(cause, &perm) || d.Attempts+1 >= limit {
		o.Log.Warn("giving up", "ticket", d.TicketNumber, "message_id", d.MessageID, "attempts", d.Attempts+1, redact.Err(cause))
		if err := o.DB.GiveUp(ctx, d, cause.Error()); err != nil {
			return err
		}
		if o.Observer != nil {
			o.Observer.Failed(1)
		}
		return nil
	}
	next := time.Now().Add(o.delay(d.Attempts))
	o.Log.Warn("send failed, will retry", "ticket", d.TicketNumber, "message_id", d.MessageID, "retry_at", next, redact.Err(cause))
	return o.DB.Postpone(ctx, d, cause.Error(), next)
}

// delay is the wait before attempt n+1: MinDelay doubled per attempt, capped
// at MaxDelay, with up to 20 % jitter so a fleet does not retry in step.
func (o *Outbox) delay(attempts int) time.Duration {
	lo, hi := orDefault(o.MinDelay, DefaultMinDelay), orDefault(o.MaxDelay, DefaultMaxDelay)
	return backoff.Jitter(backoff.Delay(attempts, lo, hi))
}
