package main

import (
	"log/slog"

	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// windows are the answer windows of [sla], as the store moves deadlines
// by them (store.DB.Windows).
func windows(cfg Config) store.Windows {
	return store.Windows{Normal: cfg.SLA.Normal.Duration, High: cfg.SLA.Priority.Duration}
}

// newNoticeOutbox wires the outbox that sends the notices to the staff
// (store.DB.Notices): the outbox of newOutbox, over that queue, on one
// connection.
func newNoticeOutbox(cfg Config, db *store.DB, log *slog.Logger) *replies.Outbox {
	o := newOutbox(cfg, db, log)
	o.DB, o.Log, o.Connections = db.Notices(), log.With("component", "notices"), 1
	return o
}

// newWatch wires the deadline watch from [sla]: letters only when
// sla.notify names someone; notices wakes the outbox that sends them.
func newWatch(cfg Config, db *store.DB, notices daemon.Waker, log *slog.Logger) *daemon.Watch {
	w := &daemon.Watch{
		Store: db, Immediate: cfg.SLA.Immediate, Daily: cfg.SLA.DailyOn, DailyAt: cfg.SLA.DailyAt,
		Location: cfg.Templates.Location, Notices: notices, Interval: cfg.SLA.Interval.Duration,
		Log: log.With("component", "deadlines"),
	}
	if len(cfg.SLA.NotifyAddresses) > 0 {
		w.Notifier = &replies.Notifier{From: cfg.SMTP.FromAddress, To: cfg.SLA.NotifyAddresses,
			ConsoleURL: cfg.SLA.ConsoleURL, Location: cfg.Templates.Location}
	}
	return w
}
