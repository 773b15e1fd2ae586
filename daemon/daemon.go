// Package daemon watches the support mailbox over IMAP and turns every new
// letter into a ticket: it fetches the letters it has not seen by UID, reads
// each one (mailparse, attachments, triage), stores it with its automatic
// acknowledgement, all or nothing (the letters of a fetch share a
// transaction, a savepoint each), and only then marks it processed on the
// server, once what stored it is durable (Store.Durable): a crash or a power
// cut at any moment leaves the letter unread on the server or stored with
// its watermark, never both missing; the store's dedupe makes a second
// delivery of the same letter harmless.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/ticketd/ticketd/internal/backoff"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
)

// SLA is how soon letters must be answered.
type SLA struct {
	Normal   time.Duration // default 24 h
	Priority time.Duration // loss of access or data leak; default 12 h
}

// Daemon is the mailbox loop with everything it hands letters to.
type Daemon struct {
	Mailbox      Mailbox
	DB           Store
	Intake       *Intake
	Ack          *replies.Acknowledger
	Outbox       Waker // told when acknowledgements were queued; nil: nobody is
	SLA          SLA
	Self         []string      // our own addresses: letters from them are never answered
	PollInterval time.Duration // between polls when the server has no IDLE; default 30 s
	NoIdle       bool          // poll even when the server has IDLE
	IdleTimeout  time.Duration // IDLE is renewed after this or PollInterval, the shorter; default 25 min (servers allow 30)
	BatchSize    int           // letters fetched per command; default 50
	BatchBytes   int64         // bytes fetched per command; default 16 MiB
	MaxSize      int64         // letters larger are not downloaded; default 30 MiB
	// Pacer lowers the garbage collector's target while a large letter
	// is read; one per process, shared by its daemons. nil: none.
	Pacer *Pacer
	// AutoRepliesPerHour caps automatic answers to one address; letters
	// beyond it are stored silently. Default 5.
	AutoRepliesPerHour int
	// Applications is the agency's register of applications: a letter
	// asking an application's status is answered with it when the answer
	// goes to the address registered (see statusAnswer). nil: such letters
	// get the acknowledgement.
	Applications Applications
	// Observer is told what the daemon fetches, files and refuses, for
	// metrics; nil: nobody is.
	Observer Observer
	Log      *slog.Logger

	// Queue is the queue the mailbox's new tickets land in (store.Ticket.Queue).
	Queue string
	// Leases, when set, makes the daemon read the mailbox only while it
	// holds the lease "mailbox:KEY" as Holder (see Lease), so that several
	// processes can share a mailbox; nil reads it always. LeaseTTL and
	// LeaseRenew default to DefaultLeaseTTL and DefaultLeaseRenew.
	Leases     Leases
	Holder     string
	LeaseTTL   time.Duration
	LeaseRenew time.Duration

	lastRead time.Time // when MarkRead was last told (read.go)

	live     atomic.Pointer[parts] // set by Reload; nil: Intake and Ack
	reloadMu sync.Mutex            // one Reload at a time
}

// Waker is what sends the letters the daemon queues: the outbox. Wake
// must not block.
type Waker interface{ Wake() }

// Run watches the mailbox until ctx is done, then finishes the letter in
// hand and returns. Sending the acknowledgements it queues is the outbox's
// work, run beside it (see Outbox).
func (d *Daemon) Run(ctx context.Context) error {
	if d.Leases == nil {
		return d.watch(ctx)
	}
	l := &Lease{Store: d.Leases, Name: "mailbox:" + d.Mailbox.key(), Holder: d.Holder,
		TTL: d.LeaseTTL, Renew: d.LeaseRenew, Log: d.Log, Attrs: []any{"mailbox", d.Mailbox.key()}}
	return l.Run(ctx, d.watch)
}

// watch keeps the mailbox read: with IDLE, one connection waits for the
// server to report new mail; without it, a poll every PollInterval.
// Failures back off from 1 s to 5 min; a refusal that waiting will not mend
// is logged as an error naming the configuration.
func (d *Daemon) watch(ctx context.Context) error {
	b := backoff.New(time.Second, 5*time.Minute)
	b.Jitter = true
	log := d.Log.With("mailbox", d.Mailbox.key())
	for ctx.Err() == nil {
		err := d.session(ctx, b)
		if ctx.Err() != nil {
			return nil
		}
		wait := d.pollInterval()
		if err != nil {
			wait = b.Next()
			d.failed(err)
			var pe *PermanentError
			var se storeError
			var te tokenError
			switch {
			case errors.As(err, &te):
				log.Warn("mailbox waits for its OAuth2 token; see ticketd oauth status", redact.Err(err), "retry_in", wait)
			case errors.As(err, &pe):
				log.Error("mailbox refused us; check the [imap] configuration", redact.Err(err), "retry_in", wait)
			case errors.As(err, &se):
				log.Error("cannot store letters; they stay in the mailbox", redact.Err(err), "retry_in", wait)
			default:
				log.Warn("mailbox unavailable", redact.Err(err), "retry_in", wait)
			}
		}
		if !backoff.Sleep(ctx, wait) {
			return nil
		}
	}
	return nil
}

// session reads the mailbox over one connection: once, or, when the server
// has IDLE, again each time it reports new mail, until an error or ctx ends.
func (d *Daemon) session(ctx context.Context, b *backoff.Backoff) error {
	updates := make(chan struct{}, 1)
	s, err := d.open(ctx, updates)
	if err != nil {
		return err
	}
	defer s.close()
	idle := !d.NoIdle && s.c.Caps().Has(imap.CapIdle)
	s.conn.rest() // Caps may have asked the server
	for {
		if _, err := d.drain(ctx, s); err != nil || ctx.Err() != nil {
			return err
		}
		b.Reset()
		d.markRead(ctx)
		if !idle {
			return s.c.Logout().Wait()
		}
		if err := d.idle(ctx, s, updates); err != nil || ctx.Err() != nil {
			return err
		}
		// SELECT again: it is cheap, and it is how a mailbox rebuilt under
		// us (a new UIDVALIDITY) shows.
		if err := s.reselect(d.Mailbox.Name); err != nil {
			return err
		}
	}
}

// idle waits in IDLE (RFC 2177) until the server reports new mail, the
// poll interval passes (to notice what IDLE does not report, such as the
// mailbox being rebuilt), the IDLE timeout passes (servers drop IDLE after
// 30 minutes), or ctx ends.
//
// The server's "+ idling", the DONE and the tagged OK after it are each
// bounded by the timeout like any command. In between the server owes
// nothing; a connection that dies quietly then is found at the renewal,
// whose DONE goes unanswered, and the connection itself gives up reading
// after the renewal plus the timeout.
func (d *Daemon) idle(ctx context.Context, s *session, updates <-chan struct{}) error {
	defer s.conn.rest()
	cmd, err := s.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	renew := min(orDefault(d.IdleTimeout, DefaultIdleTimeout), d.pollInterval())
	s.conn.idle(renew + d.Mailbox.timeout())
	t := time.NewTimer(renew)
	defer t.Stop()
	select {
	case <-updates:
	case <-t.C:
	case <-ctx.Done():
	case <-s.c.Closed():
		return errors.New("idle: connection closed by the server")
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	if err := cmd.Wait(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("idle: %w", err)
	}
	return nil
}

// failed reports a failed look at the mailbox to the Observer; a failure
// of the store is not the mailbox's.
func (d *Daemon) failed(err error) {
	var se storeError
	if errors.As(err, &se) {
		return
	}
	d.observe(func(o Observer) { o.FetchFailed(d.key()) })
}

// read reports a successful look at the mailbox to the Observer.
func (d *Daemon) read() {
	d.observe(func(o Observer) { o.Read(d.key(), time.Now()) })
}

func (d *Daemon) pollInterval() time.Duration {
	return orDefault(d.PollInterval, DefaultPollInterval)
}

func (d *Daemon) sla(priority bool) time.Duration {
	if priority {
		return orDefault(d.SLA.Priority, DefaultPrioritySLA)
	}
	return orDefault(d.SLA.Normal, DefaultNormalSLA)
}
