package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// day is a retention period's unit.
const day = 24 * time.Hour

// retentionWorld is a store whose clock a test moves, to file letters and
// close tickets at the times it wants.
type retentionWorld struct {
	t    *testing.T
	db   *DB
	path string
	now  time.Time
	uid  uint32
}

// start is when a retentionWorld's clock begins: years before the purges.
var start = time.Date(2020, 1, 10, 9, 0, 0, 0, time.UTC)

func newRetentionWorld(t *testing.T) *retentionWorld {
	t.Helper()
	w := &retentionWorld{t: t, path: testLocation(t, "ticketd.db"), now: start}
	db, err := Open(context.Background(), w.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetClock(func() time.Time { return w.now })
	w.db = db
	return w
}

// at moves the clock to start plus d.
func (w *retentionWorld) at(d time.Duration) { w.now = start.Add(d) }

// file files a letter from citizen whose body is body, acknowledged,
// with files, and sends the acknowledgement.
func (w *retentionWorld) file(citizen, category, body string, files ...Attachment) Ticket {
	w.t.Helper()
	w.uid++
	mid := fmt.Sprintf("m%d@%s", w.uid, strings.SplitN(citizen, "@", 2)[1])
	in := letterIn(mid, citizen, "Вопрос "+body, body)
	in.Mailbox, in.UIDValidity, in.UID = "INBOX", 1, w.uid
	in.FromName = "Гражданин " + citizen
	in.Ticket.Category, in.Ticket.CitizenName, in.Ticket.AccountNumber = category, "Гражданин "+citizen, "ЛС-"+citizen
	in.Attachments = files
	res, err := w.db.Ingest(context.Background(), in, ack)
	if err != nil {
		w.t.Fatal(err)
	}
	w.sendAll()
	return res.Ticket
}

// followUp files the citizen's next letter on ticket t, which reopens it.
func (w *retentionWorld) followUp(t Ticket, body string) {
	w.t.Helper()
	w.uid++
	in := letterIn(fmt.Sprintf("f%d@x", w.uid), t.CitizenAddress, "Re: "+t.Subject, body)
	in.TicketID, in.Reopen = t.ID, true
	if _, err := w.db.Ingest(context.Background(), in, nil); err != nil {
		w.t.Fatal(err)
	}
}

func (w *retentionWorld) sendAll() {
	w.t.Helper()
	ctx := context.Background()
	ds, err := w.db.DueDeliveries(ctx, w.now.Add(time.Hour), 100)
	if err == nil {
		err = w.db.MarkAllSent(ctx, ds, w.now)
	}
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *retentionWorld) setStatus(t Ticket, s Status) {
	w.t.Helper()
	if err := w.db.SetStatus(context.Background(), t.Number, 0, s, "operator:anna"); err != nil {
		w.t.Fatal(err)
	}
}

func (w *retentionWorld) ticket(number string) Ticket {
	w.t.Helper()
	t, err := w.db.Ticket(context.Background(), number)
	if err != nil {
		w.t.Fatal(err)
	}
	return t
}

// purge purges as of the world's clock, with default the period of every
// category but those in periods (0: kept forever).
func (w *retentionWorld) purge(dry bool, def time.Duration, periods map[string]time.Duration) PurgeReport {
	w.t.Helper()
	rep, err := w.db.Purge(context.Background(), PurgeOptions{Policy: policyOf(def, periods), DryRun: dry, Actor: "operator:olga"})
	if err != nil {
		w.t.Fatalf("Purge: %v", err)
	}
	return rep
}

func policyOf(def time.Duration, periods map[string]time.Duration) RetentionPolicy {
	return func(category string) (RetentionRule, bool) {
		if p, ok := periods[category]; ok {
			return RetentionRule{Name: fmt.Sprintf("retention.category.%s = %q", category, p), Period: p}, p > 0
		}
		return RetentionRule{Name: fmt.Sprintf("retention.closed_for = %q", def), Period: def}, def > 0
	}
}

func purgedNumbers(rep PurgeReport) string {
	var ns []string
	for _, p := range rep.Tickets {
		ns = append(ns, p.Number)
	}
	slices.Sort(ns)
	return strings.Join(ns, " ")
}
