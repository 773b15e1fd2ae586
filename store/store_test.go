package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "ticketd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func inbound(mid, raw string, uid uint32) Inbound {
	return Inbound{
		Mailbox: "INBOX", UIDValidity: 7, UID: uid, Raw: []byte(raw), MessageID: mid,
		FromAddress: "ivan@example.ru",
		Ticket:      Ticket{Subject: "Не могу войти", CitizenAddress: "ivan@example.ru", Priority: "high", DueAt: time.Now().Add(12 * time.Hour)},
	}
}

func ack(t Ticket, _ Situation) (*Outgoing, error) {
	return &Outgoing{MessageID: "ack-" + t.Number + "@ticketd", ToAddress: t.CitizenAddress, EnvelopeTo: t.CitizenAddress,
		EnvelopeFrom: "support@example.gov", Template: "ack", Raw: []byte("Subject: [" + t.Number + "]\r\n\r\nok\r\n")}, nil
}

func TestIngestDedupe(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	tests := []struct {
		name      string
		in        Inbound
		wantDup   bool
		wantCount int
	}{
		{"first letter", inbound("a@x", "raw a", 1), false, 1},
		{"same Message-ID again", inbound("a@x", "raw a, re-sent", 2), true, 1},
		{"no Message-ID", inbound("", "raw b", 3), false, 2},
		{"same bytes, no Message-ID", inbound("", "raw b", 4), true, 2},
		{"other bytes, no Message-ID", inbound("", "raw c", 5), false, 3},
	}
	for _, tt := range tests {
		res, err := db.Ingest(ctx, tt.in, ack)
		if err != nil {
			t.Fatalf("%s: Ingest: %v", tt.name, err)
		}
		if res.Duplicate != tt.wantDup || res.Queued == tt.wantDup {
			t.Errorf("%s: Ingest = dup %v queued %v, want dup %v", tt.name, res.Duplicate, res.Queued, tt.wantDup)
		}
		c, _ := db.Count(ctx)
		if c.Tickets != tt.wantCount || c.Outbound != tt.wantCount {
			t.Errorf("%s: counts = %+v, want %d tickets and acknowledgements", tt.name, c, tt.wantCount)
		}
	}
	w, err := db.Watermark(ctx, "INBOX")
	if err != nil || w != (Watermark{7, 5, 0}) {
		t.Errorf("Watermark = %+v, %v; want {7 5 0}", w, err)
	}
}

func TestIngestRollsBackWhenAnswerFails(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	boom := errors.New("template broken")
	_, err := db.Ingest(ctx, inbound("a@x", "raw", 1), func(Ticket, Situation) (*Outgoing, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Ingest error = %v, want %v", err, boom)
	}
	c, _ := db.Count(ctx)
	w, _ := db.Watermark(ctx, "INBOX")
	if c.Tickets != 0 || c.Inbound != 0 || w.LastUID != 0 {
		t.Errorf("after failed ingest: counts %+v, watermark %+v; want nothing stored", c, w)
	}
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	res, err := db.Ingest(ctx, inbound("a@x", "raw", 1), ack)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ticket.Number != "TKT-000001" {
		t.Errorf("Number = %q, want TKT-000001", res.Ticket.Number)
	}
	now := time.Now()
	due, err := db.DueDeliveries(ctx, now, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("DueDeliveries = %d, %v; want 1", len(due), err)
	}
	if err := db.Postpone(ctx, due[0], "421 try later", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueDeliveries(ctx, now, 10); len(due) != 0 {
		t.Errorf("DueDeliveries after Postpone = %d, want 0", len(due))
	}
	next, ok, _ := db.NextDelivery(ctx)
	if !ok || next.Before(now) {
		t.Errorf("NextDelivery = %v %v, want after %v", next, ok, now)
	}
	later, _ := db.DueDeliveries(ctx, now.Add(2*time.Minute), 10)
	if len(later) != 1 || later[0].Attempts != 1 {
		t.Fatalf("DueDeliveries later = %+v, want one with 1 attempt", later)
	}
	if err := db.MarkSent(ctx, later[0], now); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.NextDelivery(ctx); ok {
		t.Error("NextDelivery after MarkSent: outbox not empty")
	}
	ev, _ := db.Events(ctx, res.Ticket.ID)
	var actions []string
	for _, e := range ev {
		actions = append(actions, e.Action)
	}
	want := []string{"ticket.created", "reply.queued", "reply.sent"}
	if len(actions) != len(want) {
		t.Fatalf("Events = %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Errorf("Events = %v, want %v", actions, want)
		}
	}
}

func TestEventsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.Ingest(ctx, inbound("a@x", "raw", 1), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, "UPDATE events SET actor = 'x'"); err == nil {
		t.Error("UPDATE events succeeded, want append-only error")
	}
	if _, err := db.sql.ExecContext(ctx, "DELETE FROM events"); err == nil {
		t.Error("DELETE FROM events succeeded, want append-only error")
	}
}

func TestAttachmentsStoredOnce(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	shot := Attachment{Filename: "shot.png", Size: 3, Verdict: "accepted", Data: []byte("png")}
	for i, mid := range []string{"a@x", "b@x"} {
		in := inbound(mid, "raw "+mid, uint32(i+1))
		in.Attachments = []Attachment{shot}
		if _, err := db.Ingest(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
	}
	var blobs, atts int
	db.sql.QueryRow("SELECT COUNT(*) FROM blobs").Scan(&blobs)
	db.sql.QueryRow("SELECT COUNT(*) FROM attachments").Scan(&atts)
	if blobs != 1 || atts != 2 {
		t.Errorf("blobs, attachments = %d, %d; want 1, 2", blobs, atts)
	}
}

func TestResetWatermark(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.Ingest(ctx, inbound("a@x", "raw", 9), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkDone(ctx, "INBOX", 9); err != nil {
		t.Fatal(err)
	}
	if w, _ := db.Watermark(ctx, "INBOX"); w != (Watermark{7, 9, 9}) {
		t.Errorf("Watermark after MarkDone = %+v, want {7 9 9}", w)
	}
	if err := db.ResetWatermark(ctx, "INBOX", 8); err != nil {
		t.Fatal(err)
	}
	if w, _ := db.Watermark(ctx, "INBOX"); w != (Watermark{8, 0, 0}) {
		t.Errorf("Watermark after reset = %+v, want {8 0}", w)
	}
}

func TestReopenKeepsSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := db.SchemaVersion(ctx); v != 5 {
			t.Errorf("SchemaVersion = %d, want 5", v)
		}
		db.Close()
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}
