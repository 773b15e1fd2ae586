package replies

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ticketd/ticketd/store"
)

// Dialer opens a session with the outgoing mail server.
type Dialer interface {
	Dial(ctx context.Context) (*Session, error)
}

// Outbox delivers the letters the store has queued. It sends each due letter,
// marks it sent only after the server's 250, and postpones a failed one with
// exponential backoff; a letter refused for good, or still failing after
// MaxAttempts, is given up and recorded on its ticket.
type Outbox struct {
	DB          *store.DB
	SMTP        Dialer
	Log         *slog.Logger
	MinDelay    time.Duration // first retry delay; 0 means 30 s
	MaxDelay    time.Duration // retry delay cap; 0 means 1 h
	MaxAttempts int           // 0 means 48
	IdleCheck   time.Duration // how often an idle outbox looks for letters queued elsewhere; 0 means 5 s
	Connections int           // parallel SMTP connections; 0 means 1

	wake chan struct{}
}

// NewOutbox returns an outbox sending the letters queued in db through d.
func NewOutbox(db *store.DB, d Dialer, log *slog.Logger) *Outbox {
	return &Outbox{DB: db, SMTP: d, Log: log, wake: make(chan struct{}, 1)}
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
		wait := o.IdleCheck
		if wait == 0 {
			wait = 5 * time.Second
		}
		if at, ok, err := o.DB.NextDelivery(ctx); err == nil && ok {
			wait = min(wait, max(time.Until(at), 0)+10*time.Millisecond)
		}
		if err != nil {
			// The server is away or the store fails: letters stay queued.
			failures++
			wait = max(wait, min(time.Second<<min(failures, 6), time.Minute))
			o.Log.Warn("outbox: sending failed, will retry", "err", err, "retry_in", wait)
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

// Drain sends every letter due now, over Connections parallel connections,
// and reports how many the server accepted. It returns an error when the
// store fails or the server cannot be reached; the letters stay queued.
func (o *Outbox) Drain(ctx context.Context) (int, error) {
	conns := max(o.Connections, 1)
	sent := 0
	for ctx.Err() == nil {
		due, err := o.DB.DueDeliveries(ctx, time.Now(), 64*conns)
		if err != nil || len(due) == 0 {
			return sent, err
		}
		shards := make([][]store.Delivery, min(conns, len(due)))
		for i, d := range due {
			shards[i%len(shards)] = append(shards[i%len(shards)], d)
		}
		var mu sync.Mutex
		g, gctx := errgroup.WithContext(ctx)
		for _, shard := range shards {
			g.Go(func() error {
				n, err := o.send(gctx, shard)
				mu.Lock()
				sent += n
				mu.Unlock()
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return sent, err
		}
	}
	return sent, ctx.Err()
}

// send delivers letters over one connection, in order. A letter that fails
// for a passing reason is postponed and the connection dropped; the rest
// stay due for the next round.
func (o *Outbox) send(ctx context.Context, letters []store.Delivery) (int, error) {
	sess, err := o.SMTP.Dial(ctx)
	if err != nil {
		// The letters stay due; Run backs off from 1 s to 1 min between
		// tries, so they go soon after the server is back.
		return 0, err
	}
	defer sess.Close()
	sent := 0
	for _, d := range letters {
		if ctx.Err() != nil {
			return sent, nil
		}
		err := sess.Send(d.EnvelopeFrom, d.EnvelopeTo, d.Raw)
		// What the server said is recorded even when shutdown has begun:
		// a letter it accepted but not recorded as sent would go twice.
		rctx := context.WithoutCancel(ctx)
		if err == nil {
			sent++
			if err := o.record(rctx, d); err != nil {
				return sent, err
			}
			o.Log.Info("sent", "ticket", d.TicketNumber, "message_id", d.MessageID)
			continue
		}
		if err := o.fail(rctx, d, err); err != nil {
			return sent, err
		}
		var perm *PermanentError
		if !errors.As(err, &perm) {
			return sent, nil
		}
	}
	return sent, nil
}

// record marks d sent, retrying for up to half a minute while the store
// refuses: sending the letter again would be worse than waiting.
func (o *Outbox) record(ctx context.Context, d store.Delivery) error {
	wait := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := o.DB.MarkSent(ctx, d, time.Now())
		if err == nil || attempt == 8 {
			return err
		}
		o.Log.Warn("outbox: cannot record a sent letter, retrying", "message_id", d.MessageID, "err", err)
		time.Sleep(wait)
		wait = min(wait*2, 5*time.Second)
	}
}

func (o *Outbox) fail(ctx context.Context, d store.Delivery, cause error) error {
	var perm *PermanentError
	limit := o.MaxAttempts
	if limit == 0 {
		limit = 48
	}
	if errors.As(cause, &perm) || d.Attempts+1 >= limit {
		o.Log.Warn("giving up", "ticket", d.TicketNumber, "message_id", d.MessageID, "attempts", d.Attempts+1, "err", cause)
		return o.DB.GiveUp(ctx, d, cause.Error())
	}
	next := time.Now().Add(o.delay(d.Attempts))
	o.Log.Warn("send failed, will retry", "ticket", d.TicketNumber, "message_id", d.MessageID, "retry_at", next, "err", cause)
	return o.DB.Postpone(ctx, d, cause.Error(), next)
}

// delay is the wait before attempt n+1: MinDelay doubled per attempt, capped
// at MaxDelay, with up to 20 % jitter so a fleet does not retry in step.
func (o *Outbox) delay(attempts int) time.Duration {
	lo, hi := o.MinDelay, o.MaxDelay
	if lo == 0 {
		lo = 30 * time.Second
	}
	if hi == 0 {
		hi = time.Hour
	}
	d := lo
	for i := 0; i < attempts && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}
