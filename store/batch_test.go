package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBatchKeepsLettersBeforeAFailure(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	b, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Ingest(ctx, inbound("a@x", "raw a", 1), ack); err != nil {
		t.Fatal(err)
	}
	// A follow-up of a ticket that does not exist fails inside the store.
	broken := inbound("b@x", "raw b", 2)
	broken.TicketID = 999
	if _, err := b.Ingest(ctx, broken, ack); err == nil {
		t.Fatal("Ingest of a follow-up to a missing ticket succeeded")
	}
	if _, err := b.Ingest(ctx, inbound("c@x", "raw c", 3), ack); err != nil {
		t.Fatalf("Ingest after a failed letter: %v", err)
	}
	if c, _ := db.Count(ctx); c.Tickets != 0 {
		t.Errorf("before Commit another reader sees %d tickets, want 0", c.Tickets)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	c, err := db.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tickets != 2 || c.Inbound != 2 || c.Outbound != 2 {
		t.Errorf("after Commit: %+v; want 2 tickets, 2 letters in, 2 answers (the failed letter left no trace)", c)
	}
	if w, _ := db.Watermark(ctx, "INBOX"); w.LastUID != 3 {
		t.Errorf("watermark at %d, want 3", w.LastUID)
	}
}

func TestBatchLimits(t *testing.T) {
	if l := openTest(t).BatchLimits(); l.Letters < 1 || l.Hold <= 0 {
		t.Errorf("BatchLimits() = %+v, want at least one letter and some time", l)
	}
}

func TestBatchThreadsWithinItself(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	b, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, err := b.Ingest(ctx, inbound("first@x", "raw first", 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	th, ok, err := b.Thread(ctx, []string{"first@x"}, "", "ivan@example.ru")
	if err != nil || !ok || th.TicketID != first.Ticket.ID || !th.Participant {
		t.Fatalf("Thread inside the batch = %+v, %v, %v; want ticket %d with ivan taking part", th, ok, err, first.Ticket.ID)
	}
	reply := inbound("reply@x", "raw reply", 2)
	reply.TicketID, reply.Reopen = th.TicketID, true
	res, err := b.Ingest(ctx, reply, nil)
	if err != nil || !res.FollowUp || res.Ticket.ID != first.Ticket.ID {
		t.Fatalf("reply = %+v, %v; want a follow-up on ticket %d", res, err, first.Ticket.ID)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.Count(ctx); c.Tickets != 1 || c.Inbound != 2 {
		t.Errorf("counts %+v, want one ticket with two letters", c)
	}
}

func TestBatchRollback(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	b, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Ingest(ctx, inbound("a@x", "raw a", 1), ack); err != nil {
		t.Fatal(err)
	}
	b.Rollback()
	// The write lock is free again: a plain Ingest goes through.
	if _, err := db.Ingest(ctx, inbound("b@x", "raw b", 2), ack); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.Count(ctx); c.Tickets != 1 {
		t.Errorf("%d tickets after a rolled back batch and one letter, want 1", c.Tickets)
	}
}

func TestMarkAllSent(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i := range 3 {
		if _, err := db.Ingest(ctx, inbound(fmt.Sprintf("%d@x", i), "raw", uint32(i+1)), ack); err != nil {
			t.Fatal(err)
		}
	}
	due, err := db.DueDeliveries(ctx, time.Now().Add(time.Minute), 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("DueDeliveries = %d, %v; want 3", len(due), err)
	}
	if err := db.MarkAllSent(ctx, due[:2], time.Now()); err != nil {
		t.Fatal(err)
	}
	left, err := db.DueDeliveries(ctx, time.Now().Add(time.Minute), 10)
	if err != nil || len(left) != 1 || left[0].ID != due[2].ID {
		t.Fatalf("after marking two sent, due = %+v, %v; want only %d", left, err, due[2].ID)
	}
	ev, err := db.Events(ctx, due[0].TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if last := ev[len(ev)-1]; last.Action != "reply.sent" || !strings.Contains(last.Detail, due[0].MessageID) {
		t.Errorf("last event %+v, want reply.sent naming %s", last, due[0].MessageID)
	}
}

// BenchmarkBatchIngest files small letters with their acknowledgements, 64
// to a transaction, as the daemon does with a full fetch.
func BenchmarkBatchIngest(b *testing.B) { benchBatchIngest(b, 64) }

// BenchmarkBatchIngestOneByOne files them one to a transaction, as the
// daemon does with letters that arrive one at a time (IDLE wakes it for
// each): every letter pays a commit, and the sync of the WAL that makes it
// durable (durable.go).
func BenchmarkBatchIngestOneByOne(b *testing.B) { benchBatchIngest(b, 1) }

// benchBatchIngest files b.N letters, perBatch to a transaction.
func benchBatchIngest(b *testing.B, perBatch int) {
	ctx := context.Background()
	db, err := Open(ctx, testLocation(b, "ticketd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	raw := strings.Repeat("Подскажите, как получить справку? ", 60)
	answer := []byte(strings.Repeat("Ваше обращение зарегистрировано. ", 170))
	ack := func(t Ticket, _ Situation) (*Outgoing, error) {
		return &Outgoing{MessageID: "ack-" + t.Number + "@ticketd", ToAddress: t.CitizenAddress, EnvelopeTo: t.CitizenAddress,
			EnvelopeFrom: "support@example.gov", Template: "ack", Auto: true, Raw: answer}, nil
	}
	b.ReportAllocs()
	b.ResetTimer()
	var batch *Batch
	for i := range b.N {
		if batch == nil {
			if batch, err = db.Begin(ctx); err != nil {
				b.Fatal(err)
			}
		}
		in := inbound(fmt.Sprintf("%d@bench", i), raw, uint32(i+1))
		in.FromAddress = fmt.Sprintf("citizen%d@example.ru", i%500)
		if _, err := batch.Ingest(ctx, in, ack); err != nil {
			b.Fatal(err)
		}
		if i%perBatch == perBatch-1 {
			if err := batch.Commit(); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
	if batch != nil {
		if err := batch.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMarkAllSentMoreThanOneStatement(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	const n = 2*markGroup + 3
	for i := range n {
		if _, err := db.Ingest(ctx, inbound(fmt.Sprintf("%d@x", i), "raw", uint32(i+1)), ack); err != nil {
			t.Fatal(err)
		}
	}
	due, err := db.DueDeliveries(ctx, time.Now().Add(time.Minute), 100)
	if err != nil || len(due) != n {
		t.Fatalf("DueDeliveries = %d, %v; want %d", len(due), err, n)
	}
	if err := db.MarkAllSent(ctx, due, time.Now()); err != nil {
		t.Fatal(err)
	}
	if left, err := db.DueDeliveries(ctx, time.Now().Add(time.Minute), 100); err != nil || len(left) != 0 {
		t.Errorf("after MarkAllSent, %d letters still due (%v)", len(left), err)
	}
	for _, d := range due {
		ev, err := db.Events(ctx, d.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if last := ev[len(ev)-1]; last.Action != "reply.sent" || !strings.Contains(last.Detail, d.MessageID) {
			t.Errorf("ticket %d: last event %+v, want reply.sent naming %s", d.TicketID, last, d.MessageID)
		}
	}
}
