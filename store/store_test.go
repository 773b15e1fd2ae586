package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// latestVersion is the schema version the embedded migrations lead to.
func latestVersion(t *testing.T) int {
	t.Helper()
	// The number of the last migration, not how many there are: branches
	// number theirs ahead of one another (0016 may come before 0015).
	n, err := (&sqliteBackend{}).newestMigration()
	if err != nil || n == 0 {
		t.Fatalf("migrations: %v, newest %d", err, n)
	}
	return n
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), testLocation(t, "ticketd.db"))
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
		Ticket:      Ticket{Subject: "Не могу войти", CitizenAddress: "ivan@example.ru", Priority: PriorityHigh, DueAt: time.Now().Add(12 * time.Hour)},
	}
}

func ack(t Ticket, _ Situation) (*Outgoing, error) {
	return &Outgoing{MessageID: "ack-" + t.Number + "@ticketd", ToAddress: t.CitizenAddress, EnvelopeTo: t.CitizenAddress,
		EnvelopeFrom: "support@example.gov", Template: "ack", Raw: []byte("Subject: [" + t.Number + "]\r\n\r\nok\r\n")}, nil
}

func TestIngestDedupe(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	relayed := inbound("a@x", "Received: by relay\r\nraw a", 6)
	relayed.Fingerprint = "fp a"
	tests := []struct {
		name       string
		in         Inbound
		wantDup    bool
		wantReused bool
		wantCount  int
	}{
		{"first letter", withFingerprint(inbound("a@x", "raw a", 1), "fp a"), false, false, 1},
		{"same bytes again", withFingerprint(inbound("a@x", "raw a", 2), "fp a"), true, false, 1},
		{"another letter under the same Message-ID", withFingerprint(inbound("a@x", "raw a2", 3), "fp a2"), false, true, 2},
		{"that letter again", withFingerprint(inbound("a@x", "raw a2", 4), "fp a2"), true, false, 2},
		{"no fingerprint: other bytes are another letter", inbound("a@x", "raw a3", 5), false, true, 3},
		{"the first letter with a relay's fields", relayed, true, false, 3},
		{"no Message-ID", inbound("", "raw b", 7), false, false, 4},
		{"same bytes, no Message-ID", inbound("", "raw b", 8), true, false, 4},
		{"other bytes, no Message-ID", inbound("", "raw c", 9), false, false, 5},
		{"a Message-ID given to a letter seen without one", inbound("b@x", "raw b", 10), false, false, 6},
	}
	for _, tt := range tests {
		res, err := db.Ingest(ctx, tt.in, ack)
		if err != nil {
			t.Fatalf("%s: Ingest: %v", tt.name, err)
		}
		if res.Duplicate != tt.wantDup || res.Queued == tt.wantDup || res.ReusedMessageID != tt.wantReused {
			t.Errorf("%s: Ingest = dup %v queued %v reused %v, want dup %v reused %v", tt.name,
				res.Duplicate, res.Queued, res.ReusedMessageID, tt.wantDup, tt.wantReused)
		}
		c, _ := db.Count(ctx)
		if c.Tickets != tt.wantCount || c.Outbound != tt.wantCount {
			t.Errorf("%s: counts = %+v, want %d tickets and acknowledgements", tt.name, c, tt.wantCount)
		}
		if tt.wantReused {
			evs, _ := db.Events(ctx, res.Ticket.ID)
			if !hasEvent(evs, "message.id_reused") {
				t.Errorf("%s: events %+v, want message.id_reused", tt.name, evs)
			}
		}
	}
	w, err := db.Watermark(ctx, "INBOX")
	if err != nil || w != (Watermark{7, 10, 0}) {
		t.Errorf("Watermark = %+v, %v; want {7 10 0}", w, err)
	}
}

// TestIngestDedupeLegacy checks letters stored before fingerprints were
// kept: the same bytes are the same letter; other bytes under the same
// Message-ID are compared by the fingerprint of the stored bytes, or, with
// no Fingerprint function, taken as the same letter as before.
func TestIngestDedupeLegacy(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.Ingest(ctx, inbound("old@x", "Received: a\r\n\r\nold letter", 1), ack); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, "UPDATE messages SET dedupe_key = 'mid:old@x' WHERE direction = 'in'"); err != nil {
		t.Fatal(err)
	}
	// A toy fingerprint: the bytes after the first line.
	fp := func(raw []byte) string { _, rest, _ := strings.Cut(string(raw), "\r\n"); return rest }
	relayed := withFingerprint(inbound("old@x", "Received: b\r\n\r\nold letter", 2), "\r\nold letter")
	other := withFingerprint(inbound("old@x", "Received: c\r\n\r\nnew letter", 3), "\r\nnew letter")
	tests := []struct {
		name        string
		fingerprint func([]byte) string
		in          Inbound
		wantDup     bool
	}{
		{"same bytes", nil, inbound("old@x", "Received: a\r\n\r\nold letter", 1), true},
		{"other bytes, no fingerprint function", nil, other, true},
		{"relayed again", fp, relayed, true},
		{"another letter", fp, other, false},
	}
	for _, tt := range tests {
		db.Fingerprint = tt.fingerprint
		b, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.Ingest(ctx, tt.in, ack)
		b.Rollback()
		if err != nil || res.Duplicate != tt.wantDup {
			t.Errorf("%s: Ingest = dup %v, %v; want dup %v", tt.name, res.Duplicate, err, tt.wantDup)
		}
	}
}

func withFingerprint(in Inbound, fp string) Inbound {
	in.Fingerprint = fp
	return in
}

func hasEvent(evs []Event, action string) bool {
	for _, ev := range evs {
		if ev.Action == action {
			return true
		}
	}
	return false
}

// TestIngestRecordsAnswerFailure checks that a letter whose answer cannot be
// composed is filed all the same, the reason recorded on its ticket, and
// that an operator's answer clears it.
func TestIngestRecordsAnswerFailure(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	boom := errors.New("replies: compose ack: recipient cannot be written")
	res, err := db.Ingest(ctx, inbound("a@x", "raw", 1), func(Ticket, Situation) (*Outgoing, error) { return nil, boom })
	if err != nil {
		t.Fatalf("Ingest with a failing answer: %v", err)
	}
	if res.Queued || res.AnswerProblem != boom.Error() {
		t.Errorf("Ingest = queued %v, problem %q; want not queued, problem %q", res.Queued, res.AnswerProblem, boom)
	}
	c, _ := db.Count(ctx)
	w, _ := db.Watermark(ctx, "INBOX")
	if c.Tickets != 1 || c.Inbound != 1 || c.Outbound != 0 || w.LastUID != 1 {
		t.Errorf("after ingest: counts %+v, watermark %+v; want the letter stored, nothing queued", c, w)
	}
	tk, err := db.Ticket(ctx, res.Ticket.Number)
	if err != nil || tk.AnswerProblem != boom.Error() {
		t.Errorf("Ticket().AnswerProblem = %q, %v; want %q", tk.AnswerProblem, err, boom)
	}
	evs, _ := db.Events(ctx, tk.ID)
	if !hasEvent(evs, "answer.failed") {
		t.Errorf("events %+v, want answer.failed", evs)
	}
	reply := Outgoing{MessageID: "r1@ticketd", ToAddress: "ivan@example.ru", EnvelopeTo: "ivan@example.ru",
		EnvelopeFrom: "support@example.gov", Template: "answer", Operator: "olga", Raw: []byte("Subject: x\r\n\r\nhi\r\n")}
	if err := db.Queue(ctx, tk.Number, 0, reply, StatusAnswered); err != nil {
		t.Fatal(err)
	}
	if tk, _ := db.Ticket(ctx, tk.Number); tk.AnswerProblem != "" {
		t.Errorf("after an operator's answer AnswerProblem = %q, want \"\"", tk.AnswerProblem)
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
	shot := Attachment{Filename: "shot.png", Size: 3, Verdict: VerdictAccepted, Data: []byte("png")}
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
	path := testLocation(t, "t.db")
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if v, want := must(db.SchemaVersion(ctx)), latestVersion(t); v != want {
			t.Errorf("SchemaVersion = %d, want %d", v, want)
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

// TestSameLetterReadsTheMessageIDIndex checks that telling a second
// delivery from a new letter is one look at the index on message_id: a
// condition the planner prefers another index for would scan every letter.
func TestSameLetterReadsTheMessageIDIndex(t *testing.T) {
	db := openTest(t)
	plan := queryPlan(t, db, lettersUnderMessageID, "k", "mid:m", "m")
	if !strings.Contains(plan, "USING INDEX messages_message_id (message_id=?)") {
		t.Errorf("plan of lettersUnderMessageID:\n%s\nwant a search of messages_message_id", plan)
	}
}

// queryPlan is SQLite's plan for query with args, one step a line.
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	sqliteOnly(t, "the test reads SQLite's query plans")
	rows, err := db.sql.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}
