package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// Chain is what HeadLog reads of the store: the head of its event chain.
// *store.DB is one.
type Chain interface {
	ChainHead(ctx context.Context) (store.Head, error)
}

// DefaultHeadInterval is how often HeadLog logs the head unless its
// Interval says otherwise.
const DefaultHeadInterval = time.Hour

// headStopTimeout bounds the read of the last head, when Run stops.
const headStopTimeout = 5 * time.Second

// HeadLog writes the head of the store's event chain (store.Head,
// "COUNT:HASH") to the log when it starts, every Interval, and when it
// stops. The log leaves the database: kept where whoever can write the
// database file cannot rewrite it, each head shows later that no event up
// to it was removed or changed ("ticketd audit verify -head COUNT:HASH").
type HeadLog struct {
	Chain    Chain
	Interval time.Duration // default DefaultHeadInterval
	Log      *slog.Logger
}

// Run logs the head now, then every Interval until ctx ends, and once
// more then. It returns nil: a head that cannot be read is logged as a
// warning, and never stops the daemon.
func (h *HeadLog) Run(ctx context.Context) error {
	h.LogHead(ctx)
	t := time.NewTicker(orDefault(h.Interval, DefaultHeadInterval))
	defer t.Stop()
	for {
		select {
		case <-t.C:
			h.LogHead(ctx)
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), headStopTimeout)
			h.LogHead(last)
			cancel()
			return nil
		}
	}
}

// LogHead logs the head of the chain now.
func (h *HeadLog) LogHead(ctx context.Context) {
	head, err := h.Chain.ChainHead(ctx)
	if err != nil {
		h.Log.Warn("cannot read the event chain head", redact.Err(err))
		return
	}
	h.Log.Info("event chain head", "head", head.String())
}
