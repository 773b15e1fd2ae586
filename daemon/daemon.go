// Package daemon watches the support mailbox over IMAP and turns every new
// letter into a ticket: it fetches the letters it has not seen by UID, reads
// each one (mailparse, attachments, triage), stores it with its automatic
// acknowledgement in one transaction, and only then marks it processed on the
// server. A crash at any moment leaves the letter unread on the server or
// stored with its watermark, never both missing; the store's dedupe makes a
// second delivery of the same letter harmless.
package daemon

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// SLA is how soon letters must be answered.
type SLA struct {
	Normal   time.Duration // default 24 h
	Priority time.Duration // loss of access or data leak; default 12 h
}

// Daemon is the mailbox loop with everything it hands letters to.
type Daemon struct {
	Mailbox      Mailbox
	DB           *store.DB
	Intake       *Intake
	Ack          *replies.Acknowledger
	Outbox       *replies.Outbox
	SLA          SLA
	Self         []string      // our own addresses: letters from them are never answered
	PollInterval time.Duration // default 30 s
	BatchSize    int           // letters fetched per command; default 50
	BatchBytes   int64         // bytes fetched per command; default 16 MiB
	MaxSize      int64         // letters larger are not downloaded; default 30 MiB
	// AutoRepliesPerHour caps automatic answers to one address; letters
	// beyond it are stored silently. Default 5.
	AutoRepliesPerHour int
	Log                *slog.Logger
}

// Run watches the mailbox and delivers the outbox until ctx is done, then
// finishes the letter in hand and returns.
func (d *Daemon) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return d.watch(ctx) })
	g.Go(func() error { return d.Outbox.Run(ctx) })
	return g.Wait()
}

// Once reads the mailbox once and drains the outbox.
func (d *Daemon) Once(ctx context.Context) error {
	_, perr := d.Poll(ctx)
	_, oerr := d.Outbox.Drain(ctx)
	return errors.Join(perr, oerr)
}

func (d *Daemon) watch(ctx context.Context) error {
	b := newBackoff(time.Second, 5*time.Minute)
	interval := d.PollInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	log := d.Log.With("mailbox", d.Mailbox.Name)
	for {
		_, err := d.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := interval
		if err != nil {
			wait = b.wait()
			var pe *PermanentError
			if errors.As(err, &pe) {
				log.Error("mailbox refused us; check the [imap] configuration", "err", err, "retry_in", wait)
			} else {
				log.Warn("mailbox unavailable", "err", err, "retry_in", wait)
			}
		} else {
			b.reset()
		}
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

func (d *Daemon) sla(priority bool) time.Duration {
	if priority {
		if d.SLA.Priority > 0 {
			return d.SLA.Priority
		}
		return 12 * time.Hour
	}
	if d.SLA.Normal > 0 {
		return d.SLA.Normal
	}
	return 24 * time.Hour
}
