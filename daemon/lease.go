package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/ticketd/ticketd/internal/backoff"
	"github.com/ticketd/ticketd/redact"
)

// Defaults of a Lease's timing: renewed every 10 s, it lasts 30 s, so a
// dead holder's work is taken over about 30 s after it died.
const (
	DefaultLeaseTTL   = 30 * time.Second
	DefaultLeaseRenew = 10 * time.Second
)

// Leases is what a Lease needs of the store: *store.DB is one.
type Leases interface {
	// TakeLease takes name for holder until ttl from now when it is free,
	// expired or holder's, and reports whether holder holds it.
	TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease frees holder's lease name.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Lease runs work only while this process holds a lease in the store, so
// that of several processes sharing the store one at a time reads a
// mailbox or runs a singleton task (the deadline watch, retention...).
type Lease struct {
	Store  Leases
	Name   string        // e.g. "mailbox:general", "task:deadlines"
	Holder string        // this process: store.NewHolder()
	TTL    time.Duration // how long a take or renewal lasts; default DefaultLeaseTTL
	Renew  time.Duration // how often it is renewed, and how often a waiter asks; default DefaultLeaseRenew
	Log    *slog.Logger
	// Attrs are logged with the lease's gains and losses, e.g. the
	// mailbox's name.
	Attrs []any
}

// Run waits for the lease, runs work under it with a context that ends
// as soon as a renewal fails or finds the lease taken, and then waits for
// the lease again; work's context also ends with ctx. When ctx ends Run
// waits for work to return, releases the lease and returns nil. An error
// of work ends Run with it, the lease released.
func (l *Lease) Run(ctx context.Context, work func(context.Context) error) error {
	ttl, renew := orDefault(l.TTL, DefaultLeaseTTL), orDefault(l.Renew, DefaultLeaseRenew)
	log := l.Log.With(append([]any{"lease", l.Name}, l.Attrs...)...)
	for ctx.Err() == nil {
		took, err := l.Store.TakeLease(ctx, l.Name, l.Holder, ttl)
		if err != nil && ctx.Err() == nil {
			log.Warn("cannot take lease", redact.Err(err))
		}
		if !took {
			// Ask again well within the lease's life, so a dead
			// holder's lease is taken soon after it expires.
			if !backoff.Sleep(ctx, backoff.Jitter(renew/2)) {
				return nil
			}
			continue
		}
		log.Info("lease gained")
		lost, err := l.hold(ctx, log, work, ttl, renew)
		if err != nil || !lost {
			// Work ended (ctx or its error): let another take over now.
			if rerr := l.Store.ReleaseLease(context.WithoutCancel(ctx), l.Name, l.Holder); rerr != nil {
				log.Warn("cannot release lease", redact.Err(rerr))
			}
			return err
		}
		log.Info("lease lost")
	}
	return nil
}

// hold runs work while renewing the lease; lost reports that a renewal
// failed or found the lease taken, and work was stopped for it.
func (l *Lease) hold(ctx context.Context, log *slog.Logger, work func(context.Context) error, ttl, renew time.Duration) (lost bool, err error) {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- work(wctx) }()
	t := time.NewTicker(renew)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			return false, err
		case <-t.C:
			took, rerr := l.Store.TakeLease(ctx, l.Name, l.Holder, ttl)
			if took && rerr == nil {
				continue
			}
			if ctx.Err() != nil {
				return false, <-done
			}
			if rerr != nil {
				log.Warn("cannot renew lease; stopping until it is taken again", redact.Err(rerr))
			}
			stop()
			<-done // work's errors after losing the lease are the loss's
			return true, nil
		}
	}
}
