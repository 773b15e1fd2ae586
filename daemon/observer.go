package daemon

import "time"

// Observer is told what the daemon does with the mailbox, for metrics.
// Its methods are called from the daemon's goroutines and must not block.
// mailbox is the mailbox's key (Daemon.key).
type Observer interface {
	// Fetched reports n letters downloaded from the mailbox (whole, or
	// only their header when too large).
	Fetched(mailbox string, n int)
	// Filed reports a letter committed to the store as a ticket or a
	// follow-up (a second delivery of a letter already stored is not).
	Filed(mailbox string)
	// Refused reports a letter the daemon would not file as read: one too
	// large to download (its header is filed) or one the store refused as
	// read (its bytes are filed bare). It is also Filed.
	Refused(mailbox string)
	// FetchFailed reports a look at the mailbox that failed: the server
	// unreachable, refusing us, or failing a command.
	FetchFailed(mailbox string)
	// Read reports a successful look at the mailbox at at: every letter
	// above the watermark is filed.
	Read(mailbox string, at time.Time)
	// Queued reports n answers queued in the outbox by filing letters.
	Queued(n int)
}

// key is the mailbox's key in the store and in metrics labels.
func (d *Daemon) key() string { return d.Mailbox.key() }

// observe calls f with the Observer, when there is one.
func (d *Daemon) observe(f func(Observer)) {
	if d.Observer != nil {
		f(d.Observer)
	}
}
