package daemon

import (
	"context"
	"time"

	"github.com/ticketd/ticketd/redact"
)

// ReadMarker is what a store offers to record when a mailbox was last
// read successfully (store.DB.MarkRead), for /healthz on any process. A
// Daemon's Store that has it is told after each successful look at the
// mailbox, at most once every markReadEvery.
type ReadMarker interface {
	MarkRead(ctx context.Context, mailbox string, at time.Time) error
}

// markReadEvery is how often at most a daemon records that it read its
// mailbox: IDLE may wake it many times a second.
const markReadEvery = 5 * time.Second

// markRead tells the Observer that the mailbox was just read, and
// records it in the store unless it was
// recorded less than markReadEvery ago. A failure is logged: the letters
// are stored all the same.
func (d *Daemon) markRead(ctx context.Context) {
	d.read()
	m, ok := d.DB.(ReadMarker)
	now := time.Now()
	if !ok || now.Sub(d.lastRead) < markReadEvery {
		return
	}
	if err := m.MarkRead(ctx, d.Mailbox.key(), now); err != nil {
		if ctx.Err() == nil {
			d.Log.Warn("cannot record that the mailbox was read", "mailbox", d.Mailbox.key(), redact.Err(err))
		}
		return
	}
	d.lastRead = now
}
