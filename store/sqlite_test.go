package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// createAt makes a database at path with the schema of version, as the
// ticketd of that version left it, and returns it open without the store.
func createAt(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	for _, name := range names[:version] {
		body, _ := migrations.ReadFile(name)
		if _, err := raw.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// TestUpgradeFromFirstSchema fills a database of the first schema with a
// ticket and all that goes with one, upgrades it, and reads everything
// back through the store.
func TestUpgradeFromFirstSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw := createAt(t, path, 1)
	mustExec(t, raw, `INSERT INTO tickets (number, status, priority, citizen_address, subject, description, created_at, due_at, updated_at)
		VALUES ('TKT-000001', 'new', 'high', 'old@example.ru', 'Old question', 'as it was written', 0, 7200000, 0)`)
	mustExec(t, raw, `INSERT INTO messages (ticket_id, direction, dedupe_key, message_id, from_address, size, raw_sha256, raw, created_at)
		VALUES (1, 'in', 'mid:q@old', 'q@old', 'old@example.ru', 9, ?, 'raw bytes', 0)`, sha256Hex([]byte("raw bytes")))
	mustExec(t, raw, `INSERT INTO messages (ticket_id, direction, dedupe_key, message_id, to_address, template, size, raw_sha256, raw, created_at)
		VALUES (1, 'out', 'out:a@ticketd', 'a@ticketd', 'old@example.ru', 'ack', 6, ?, 'answer', 0)`, sha256Hex([]byte("answer")))
	mustExec(t, raw, `INSERT INTO blobs (sha256, size, data) VALUES (?, 3, 'png')`, sha256Hex([]byte("png")))
	mustExec(t, raw, `INSERT INTO attachments (message_id, filename, size, sha256, verdict) VALUES (1, 'shot.png', 3, ?, 'accepted')`,
		sha256Hex([]byte("png")))
	mustExec(t, raw, `INSERT INTO outbox (message_id, envelope_from, envelope_to, next_attempt_at) VALUES (2, 'support@x', 'old@example.ru', 0)`)
	mustExec(t, raw, `INSERT INTO events (ticket_id, at, actor, action) VALUES (1, 0, 'daemon', 'ticket.created')`)
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open on a version 1 database: %v", err)
	}
	defer db.Close()
	if v, want := must(db.SchemaVersion(ctx)), latestVersion(t); v != want {
		t.Errorf("SchemaVersion after upgrade = %d, want %d", v, want)
	}
	tk, err := db.Ticket(ctx, "TKT-000001")
	if err != nil || tk.CitizenAddress != "old@example.ru" || tk.Description != "as it was written" || tk.Assignee != "" ||
		tk.Version != 1 {
		t.Errorf("ticket after upgrade = %+v, %v", tk, err)
	}
	page, err := db.FindTickets(ctx, TicketFilter{Order: OrderQueue, Status: []Status{StatusNew}, Priority: []Priority{PriorityHigh}})
	if err != nil || page.Total != 1 || len(page.Tickets) != 1 || !page.Tickets[0].DueAt.Equal(time.UnixMilli(7200000)) {
		t.Errorf("FindTickets after upgrade = %+v, %v; want the ticket", page, err)
	}
	msgs, err := db.Messages(ctx, tk.ID)
	if err != nil || len(msgs) != 2 || msgs[0].Direction != DirectionIn || msgs[1].Template != "ack" {
		t.Fatalf("Messages after upgrade = %+v, %v", msgs, err)
	}
	if b, err := db.Raw(ctx, msgs[0].ID); err != nil || string(b) != "raw bytes" {
		t.Errorf("Raw after upgrade = %q, %v", b, err)
	}
	atts, err := db.AttachmentsOfTicket(ctx, tk.ID)
	if err != nil || len(atts[msgs[0].ID]) != 1 || atts[msgs[0].ID][0].Verdict != VerdictAccepted {
		t.Errorf("AttachmentsOfTicket after upgrade = %+v, %v", atts, err)
	}
	due, err := db.DueDeliveries(ctx, time.Now(), 10)
	if err != nil || len(due) != 1 || string(due[0].Raw) != "answer" {
		t.Errorf("DueDeliveries after upgrade = %+v, %v", due, err)
	}
	if evs, err := db.Events(ctx, tk.ID); err != nil || len(evs) != 1 {
		t.Errorf("Events after upgrade = %+v, %v", evs, err)
	}
	var problems int
	if err := db.sql.QueryRow("SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&problems); err != nil || problems != 0 {
		t.Errorf("foreign key check after upgrade: %d problems, %v", problems, err)
	}
}

// TestUpgradeMovesSealedDescriptions checks migration 0008: descriptions
// sealed into the TEXT column before it move to the BLOB column and still
// open; plain ones stay where they were.
func TestUpgradeMovesSealedDescriptions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw := createAt(t, path, 7)
	key := []byte("0123456789abcdef0123456789abcdef")
	s, err := newSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := "паспорт 4506 123456"
	sealed, _ := s.seal([]byte(secret), descriptionAD)
	insert := `INSERT INTO tickets (number, status, priority, citizen_address, description, description_sealed, created_at, due_at, updated_at)
		VALUES (?, 'new', 'normal', 'a@example.ru', ?, ?, 0, 0, 0)`
	mustExec(t, raw, insert, "TKT-000001", sealed, true) // as insertTicket bound it before
	mustExec(t, raw, insert, "TKT-000002", "plain words", false)
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.UseKey(key); err != nil {
		t.Fatal(err)
	}
	for number, want := range map[string]string{"TKT-000001": secret, "TKT-000002": "plain words"} {
		if tk, err := db.Ticket(ctx, number); err != nil || tk.Description != want {
			t.Errorf("Ticket(%s).Description = %q, %v; want %q", number, tk.Description, err, want)
		}
	}
	var text, kind string
	var blob []byte
	if err := db.sql.QueryRow("SELECT description, typeof(sealed_description), sealed_description FROM tickets WHERE id = 1").
		Scan(&text, &kind, &blob); err != nil {
		t.Fatal(err)
	}
	if text != "" || kind != "blob" || !bytes.Equal(blob, sealed) {
		t.Errorf("sealed description after upgrade: description %q, sealed_description a %s of %d bytes; want '' and the sealed bytes",
			text, kind, len(blob))
	}
	if err := db.sql.QueryRow("SELECT typeof(sealed_description) FROM tickets WHERE id = 2").Scan(&kind); err != nil || kind != "null" {
		t.Errorf("plain description after upgrade: sealed_description is %s, %v; want null", kind, err)
	}
}

// TestUpgradeGivesVersions checks migration 0010 on a database of the
// schema before it: tickets take versions in the order they last changed,
// the change sequence goes on from the last, the counts per status are
// those of the tickets, and old events keep no version.
func TestUpgradeGivesVersions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw := createAt(t, path, 9)
	insert := `INSERT INTO tickets (number, status, priority, category, assignee, citizen_address, created_at, due_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'a@example.ru', 0, 0, ?)`
	mustExec(t, raw, insert, "TKT-000001", "new", "high", "access", "", 3000)
	mustExec(t, raw, insert, "TKT-000002", "closed", "normal", "", "anna", 1000)
	mustExec(t, raw, insert, "TKT-000003", "in_progress", "normal", "access", "anna", 2000)
	mustExec(t, raw, `INSERT INTO events (ticket_id, at, actor, action) VALUES (1, 0, 'daemon', 'ticket.created')`)
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open on a version 9 database: %v", err)
	}
	defer db.Close()
	for number, want := range map[string]int64{"TKT-000002": 1, "TKT-000003": 2, "TKT-000001": 3} {
		if tk, err := db.Ticket(ctx, number); err != nil || tk.Version != want {
			t.Errorf("%s after upgrade: Version %d, %v; want %d", number, tk.Version, err, want)
		}
	}
	if v, err := db.LatestVersion(ctx); err != nil || v != 3 {
		t.Errorf("LatestVersion after upgrade = %d, %v; want 3", v, err)
	}
	if evs := must(db.Events(ctx, 1)); len(evs) != 1 || evs[0].Version != 0 {
		t.Errorf("old events after upgrade = %+v, want one of version 0", evs)
	}
	counts, err := db.StatusCounts(ctx, TicketFilter{Category: []string{"access"}})
	want := map[Status]int{StatusNew: 1, StatusInProgress: 1, StatusWaiting: 0, StatusAnswered: 0}
	if err != nil || !maps.Equal(counts, want) {
		t.Errorf("StatusCounts after upgrade = %v, %v; want %v", counts, err, want)
	}
	if err := db.SetStatus(ctx, "TKT-000002", 1, StatusNew, "operator:anna"); err != nil {
		t.Fatalf("SetStatus at the version given by the upgrade: %v", err)
	}
	if tk := must(db.Ticket(ctx, "TKT-000002")); tk.Version != 4 {
		t.Errorf("version of the first change after upgrade = %d, want 4", tk.Version)
	}
	if err := db.SetStatus(ctx, "TKT-000003", 1, StatusNew, "operator:anna"); !errors.Is(err, ErrConflict) {
		t.Errorf("SetStatus at another ticket's version = %v, want ErrConflict", err)
	}
}
