package daemon

import (
	"github.com/ticketd/ticketd/replies"
)

// parts are what Reload replaces while the daemon runs: how letters are
// read (the triage rules) and how they are acknowledged (the templates).
type parts struct {
	intake *Intake
	ack    *replies.Acknowledger
}

// Reload makes the daemon read the letters it has not begun reading with
// in, and acknowledge the letters it has not begun answering with ack; a
// nil argument keeps what is in use. A letter being read finishes with
// the rules it began with, an answer being composed with the templates it
// began with. Safe to call while Run runs.
func (d *Daemon) Reload(in *Intake, ack *replies.Acknowledger) {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	cur := d.current()
	if in != nil {
		cur.intake = in
	}
	if ack != nil {
		cur.ack = ack
	}
	d.live.Store(&cur)
}

// current returns the parts in use: those of the last Reload, else the
// Intake and Ack fields.
func (d *Daemon) current() parts {
	if p := d.live.Load(); p != nil {
		return *p
	}
	return parts{intake: d.Intake, ack: d.Ack}
}

// Current returns the Intake and the Acknowledger in use.
func (d *Daemon) Current() (*Intake, *replies.Acknowledger) {
	p := d.current()
	return p.intake, p.ack
}
