package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// openTwo opens one store file twice, as two processes would, each with a
// holder of its own and the clock now returns.
func openTwo(t *testing.T, now func() time.Time) (a, b *DB) {
	t.Helper()
	path := testLocation(t, "ticketd.db")
	for i, p := range []**DB{&a, &b} {
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.SetClock(now)
		db.SetHolder(fmt.Sprintf("host:%d:x", i))
		*p = db
	}
	return a, b
}

func TestLeases(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	a, b := openTwo(t, func() time.Time { return now })
	const ttl = 30 * time.Second
	steps := []struct {
		name    string
		db      *DB
		holder  string
		advance time.Duration
		want    bool
	}{
		{"free lease is taken", a, "A", 0, true},
		{"held lease is refused", b, "B", 0, false},
		{"holder renews", a, "A", 20 * time.Second, true},
		{"still refused before expiry", b, "B", 29 * time.Second, false},
		{"taken once expired", b, "B", time.Second, true},
		{"old holder refused after takeover", a, "A", 0, false},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if got, err := s.db.TakeLease(ctx, "mailbox:general", s.holder, ttl); got != s.want || err != nil {
			t.Fatalf("%s: TakeLease(%s) = %v, %v; want %v", s.name, s.holder, got, err, s.want)
		}
	}
	if err := a.ReleaseLease(ctx, "mailbox:general", "A"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.TakeLease(ctx, "mailbox:general", "A", ttl); got {
		t.Error("ReleaseLease by a non-holder freed the lease")
	}
	if err := b.ReleaseLease(ctx, "mailbox:general", "B"); err != nil {
		t.Fatal(err)
	}
	if got, err := a.TakeLease(ctx, "mailbox:general", "A", ttl); !got || err != nil {
		t.Errorf("TakeLease after release = %v, %v; want true", got, err)
	}
	ls := must(a.Leases(ctx))
	if len(ls) != 1 || ls[0].Holder != "A" || !ls[0].ExpiresAt.Equal(now.Add(ttl)) {
		t.Errorf("Leases = %+v", ls)
	}
}

func TestOutboxClaims(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	a, b := openTwo(t, func() time.Time { return now })
	for i := range 3 {
		must(a.Ingest(ctx, inbound(fmt.Sprintf("%d@x", i), "raw", uint32(i+1)), ack))
	}
	mine := must(a.DueDeliveries(ctx, now, 2))
	if len(mine) != 2 {
		t.Fatalf("a claims %d, want 2", len(mine))
	}
	theirs := must(b.DueDeliveries(ctx, now, 10))
	if len(theirs) != 1 || theirs[0].ID == mine[0].ID || theirs[0].ID == mine[1].ID {
		t.Fatalf("b claims %+v, want the third only", theirs)
	}
	if again := must(a.DueDeliveries(ctx, now, 10)); len(again) != 2 {
		t.Errorf("a's own claimed letters, not recorded, due to a again: %d, want 2", len(again))
	}
	// a sends one and dies holding the other; b postpones its own.
	if err := a.MarkAllSent(ctx, mine[:1], now); err != nil {
		t.Fatal(err)
	}
	if err := b.Postpone(ctx, theirs[0], "421", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := must(b.DueDeliveries(ctx, now, 10)); len(got) != 0 {
		t.Errorf("due to b while a's claim lasts: %+v", got)
	}
	if at, ok, _ := b.NextDelivery(ctx); !ok || !at.Equal(now.Add(DefaultClaimTTL).Truncate(time.Millisecond)) {
		t.Errorf("NextDelivery = %v, %v; want the end of a's claim", at, ok)
	}
	later := now.Add(DefaultClaimTTL)
	got := must(b.DueDeliveries(ctx, later, 10))
	if len(got) != 1 || got[0].ID != mine[1].ID {
		t.Fatalf("after a's claim expired b claims %+v, want the letter a held", got)
	}
	if err := b.MarkAllSent(ctx, got, later); err != nil {
		t.Fatal(err)
	}
	if at, ok, _ := b.NextDelivery(ctx); !ok || !at.Equal(now.Add(time.Hour).Truncate(time.Millisecond)) {
		t.Errorf("NextDelivery = %v, %v; want the postponed letter", at, ok)
	}
}

func TestMarkRead(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := db.MarkRead(ctx, "general", at); err != nil {
		t.Fatal(err)
	}
	must(db.Ingest(ctx, inbound("1@x", "raw", 1), ack)) // INBOX read, never marked
	if err := db.MarkRead(ctx, "general", at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	got := must(db.MailboxesRead(ctx))
	if len(got) != 1 || !got["general"].Equal(at.Add(time.Second)) {
		t.Errorf("MailboxesRead = %v, want general at %v", got, at.Add(time.Second))
	}
	if w := must(db.Watermark(ctx, "general")); w != (Watermark{}) {
		t.Errorf("Watermark of a mailbox only marked read = %+v, want zero", w)
	}
}

func TestTicketKnowsMailbox(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	in := inbound("1@x", "raw", 1)
	in.Mailbox, in.Queue = "access", "access-desk"
	res := must(db.Ingest(ctx, in, ack))
	got := must(db.Ticket(ctx, res.Ticket.Number))
	if got.Mailbox != "access" || got.Queue != "access-desk" {
		t.Errorf("Ticket = mailbox %q queue %q; want access, access-desk", got.Mailbox, got.Queue)
	}
}

// TestDeadHoldersHere: the claims and leases of a process of this host
// that no longer runs are taken at once; those of a process that runs,
// or of another host, wait for their expiry.
func TestDeadHoldersHere(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	a, b := openTwo(t, func() time.Time { return now })
	const gone = 99_999_999 // above Linux's largest PID: no process has it
	for _, c := range []struct {
		holder string
		taken  bool
	}{
		{fmt.Sprintf("%s:%d:dead", localHost(), gone), true},
		{fmt.Sprintf("%s:%d:live", localHost(), os.Getppid()), false},
		{fmt.Sprintf("elsewhere~1:%d:far", gone), false},
	} {
		t.Run(c.holder, func(t *testing.T) {
			a.SetHolder(c.holder)
			must(a.Ingest(ctx, inbound(c.holder+"@x", "raw", 1), ack))
			if got := must(a.DueDeliveries(ctx, now, 10)); len(got) != 1 {
				t.Fatalf("%s claims %d letters, want 1", c.holder, len(got))
			}
			got := must(b.DueDeliveries(ctx, now, 10))
			if taken := len(got) == 1; taken != c.taken {
				t.Errorf("b took the claim of %s: %v, want %v", c.holder, taken, c.taken)
			}
			if len(got) > 0 {
				must(0, b.MarkAllSent(ctx, got, now))
			}
			lease := "mailbox:" + c.holder
			if ok := must(a.TakeLease(ctx, lease, c.holder, time.Minute)); !ok {
				t.Fatalf("%s cannot take a free lease", c.holder)
			}
			if ok := must(b.TakeLease(ctx, lease, b.Holder(), time.Minute)); ok != c.taken {
				t.Errorf("b took the lease of %s: %v, want %v", c.holder, ok, c.taken)
			}
		})
	}
	if deadHere("garbage", localHost()) || deadHere(localHost()+":x:y", localHost()) {
		t.Error("a malformed holder counts as dead")
	}
}
