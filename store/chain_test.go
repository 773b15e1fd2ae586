package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// wholeChain reads every event in chain order.
func wholeChain(t *testing.T, db *DB) []ChainEvent {
	t.Helper()
	es, err := readChain(context.Background(), db.conn(), 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestChainLinksEveryEvent(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i, mid := range []string{"a@x", "b@x", "c@x"} {
		if _, err := db.Ingest(ctx, inbound(mid, "raw "+mid, uint32(i+1)), ack); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RecordRead(ctx, Read{TicketID: 1, Actor: "olga", What: ReadTicket}); err != nil {
		t.Fatal(err)
	}
	es := wholeChain(t, db)
	if b := CheckLinks(genesis, es); b != nil {
		t.Fatalf("a chain ticketd wrote does not hold: %v", b)
	}
	head := must(db.ChainHead(ctx))
	if head.Count != int64(len(es)) || !bytes.Equal(head.Hash, es[len(es)-1].Hash) {
		t.Errorf("ChainHead = %v, want %d events ending %x", head, len(es), es[len(es)-1].Hash)
	}
	if back, err := ParseHead(head.String()); err != nil || back.Count != head.Count || !bytes.Equal(back.Hash, head.Hash) {
		t.Errorf("ParseHead(%q) = %v, %v", head, back, err)
	}
	stored := 0
	for _, e := range es {
		if e.Action == "letter.stored" {
			stored++
			if _, _, err := ParseLetterDigest(e.Digest); err != nil || e.MessageID == 0 {
				t.Errorf("letter.stored event %+v: %v", e, err)
			}
		}
	}
	if stored != 6 { // three letters in, three answers
		t.Errorf("%d letter.stored events, want 6", stored)
	}
	if evs := must(db.Events(ctx, 1)); hasEvent(evs, "read.ticket") || hasEvent(evs, "letter.stored") {
		t.Errorf("Events lists reads or letter.stored: %+v", evs)
	}
	reads := must(db.Reads(ctx, ReadFilter{Actor: "olga"}))
	if len(reads) != 1 || reads[0].Ticket != "TKT-000001" || reads[0].Action != "read.ticket" {
		t.Errorf("Reads = %+v", reads)
	}
}

func TestCheckLinksFindsTheChangedEvent(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i, mid := range []string{"a@x", "b@x"} {
		if _, err := db.Ingest(ctx, inbound(mid, "raw "+mid, uint32(i+1)), ack); err != nil {
			t.Fatal(err)
		}
	}
	es := wholeChain(t, db)
	for _, tc := range []struct {
		name   string
		change func([]ChainEvent) []ChainEvent
		want   int64
	}{
		{"edited", func(es []ChainEvent) []ChainEvent { es[2].Detail = "other"; return es }, 3},
		{"deleted", func(es []ChainEvent) []ChainEvent { return append(es[:2], es[3:]...) }, 4},
		{"swapped", func(es []ChainEvent) []ChainEvent { es[1], es[2] = es[2], es[1]; return es }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := tc.change(append([]ChainEvent(nil), es...))
			b := CheckLinks(genesis, changed)
			if b == nil || b.EventID != tc.want {
				t.Errorf("CheckLinks = %v, want a break at event %d", b, tc.want)
			}
		})
	}
}

// TestOldEventsAreLinked opens a store written before the chain: its events
// are linked in order and its letters get letter.stored events.
func TestOldEventsAreLinked(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw := createAt(t, path, 11)
	mustExec(t, raw, `INSERT INTO tickets (number, status, priority, citizen_address, subject, created_at, due_at, updated_at)
		VALUES ('TKT-000001', 'new', 'high', 'old@example.ru', 'Old question', 0, 7200000, 0)`)
	mustExec(t, raw, `INSERT INTO messages (ticket_id, direction, dedupe_key, message_id, from_address, size, raw_sha256, raw, created_at)
		VALUES (1, 'in', 'mid:q@old', 'q@old', 'old@example.ru', 9, ?, 'raw bytes', 0)`, sha256Hex([]byte("raw bytes")))
	mustExec(t, raw, `INSERT INTO events (ticket_id, at, actor, action) VALUES (1, 0, 'daemon', 'ticket.created')`)
	mustExec(t, raw, `INSERT INTO events (ticket_id, at, actor, action) VALUES (1, 5, 'olga', 'ticket.status')`)
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es := wholeChain(t, db)
	if len(es) != 3 || es[2].Action != "letter.stored" || es[2].Digest != "raw="+sha256Hex([]byte("raw bytes")) {
		t.Fatalf("chain after upgrade = %+v", es)
	}
	if b := CheckLinks(genesis, es); b != nil {
		t.Fatalf("upgraded chain does not hold: %v", b)
	}
	db.Close()
	db2, err := Open(ctx, path) // linking twice changes nothing
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if again := wholeChain(t, db2); len(again) != 3 || !bytes.Equal(again[2].Hash, es[2].Hash) {
		t.Errorf("second open changed the chain: %+v", again)
	}
}

// TestEraseDetailsKeepsTheChain erases a ticket's event details, as a
// purge does: the chain still holds, and the detail is gone.
func TestEraseDetailsKeepsTheChain(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.Ingest(ctx, inbound("a@x", "raw a", 1), ack); err != nil {
		t.Fatal(err)
	}
	if err := db.inTx(ctx, func(tx conn) error { return eraseDetails(ctx, tx, 1) }); err != nil {
		t.Fatal(err)
	}
	es := wholeChain(t, db)
	if b := CheckLinks(genesis, es); b != nil {
		t.Fatalf("chain after erasing details: %v", b)
	}
	for _, e := range es {
		if e.Detail != "" && !e.DetailErased {
			t.Errorf("event %d kept its detail %q", e.ID, e.Detail)
		}
	}
	if _, err := db.sql.Exec("UPDATE events SET detail = 'changed' WHERE id = 1"); err == nil {
		t.Error("an erased detail could be changed")
	}
}
