package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPurgeOverwritesTheBytes: after a purge, a phrase of a purged letter
// is nowhere in the database file, nor in its write-ahead log
// (secure_delete, and the checkpoint at the end).
func TestPurgeOverwritesTheBytes(t *testing.T) {
	sqliteOnly(t, "secure_delete and the bytes of the database file")
	w := newRetentionWorld(t)
	const phrase = "кодовое слово ПЕЛИКАН-42"
	big := append(bigValue(chunkSize+10), phrase...)
	tk := w.file("a@x.ru", "other", phrase, Attachment{Filename: "scan.pdf", Verdict: VerdictAccepted, Data: big})
	w.setStatus(tk, StatusClosed)
	if !fileHolds(t, w.path, phrase) {
		t.Fatal("the phrase is not in the database before the purge: the test proves nothing")
	}
	w.at(4 * 365 * day)
	rep := w.purge(false, 1095*day, nil)
	if !rep.Checkpointed {
		t.Error("the purge could not empty the write-ahead log")
	}
	if fileHolds(t, w.path, phrase) {
		t.Error("the database file still holds a purged letter's phrase")
	}
}

// fileHolds tells whether the database at path, or its write-ahead log,
// holds s.
func fileHolds(t *testing.T, path, s string) bool {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// TestPurgeWhileFiling purges while letters are filed: both go on, and
// the chain holds.
func TestPurgeWhileFiling(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	old := time.Now().Add(-5 * 365 * day)
	db.SetClock(func() time.Time { return old })
	for i := range 40 {
		res, err := db.Ingest(ctx, letterIn(fmt.Sprintf("old%d@x", i), "old@x.ru", "старое", "старое письмо"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetStatus(ctx, res.Ticket.Number, 0, StatusClosed, "operator:anna"); err != nil {
			t.Fatal(err)
		}
	}
	db.SetClock(time.Now)
	var wg sync.WaitGroup
	var rep PurgeReport
	var perr error
	wg.Go(func() {
		rep, perr = db.Purge(ctx, PurgeOptions{Policy: policyOf(1095*day, nil), Actor: "daemon"})
	})
	for i := range 40 {
		if _, err := db.Ingest(ctx, letterIn(fmt.Sprintf("new%d@x", i), "new@x.ru", "новое", "новое письмо"), ack); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if perr != nil || len(rep.Tickets) != 40 {
		t.Fatalf("Purge = %d tickets, %v", len(rep.Tickets), perr)
	}
	if b := CheckLinks(genesis, wholeChain(t, db)); b != nil {
		t.Errorf("the chain: %v", b)
	}
	checkTicketCounts(t, db)
}

// TestUpgradeGivesClosedTimes checks migration 0014: a closed ticket
// takes the time of its last change to closed, or of its last change
// when the log has none; others have none.
func TestUpgradeGivesClosedTimes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw := createAt(t, path, 13)
	for i, st := range []string{"closed", "closed", "answered"} {
		mustExec(t, raw, `INSERT INTO tickets (number, status, priority, citizen_address, created_at, due_at, updated_at)
			VALUES (?, ?, 'normal', 'x@y', 0, 0, 9000)`, TicketNumber(int64(i+1)), st)
	}
	mustExec(t, raw, `INSERT INTO events (ticket_id, at, actor, action, detail) VALUES
		(1, 1000, 'operator:a', 'ticket.status', 'new → closed'),
		(1, 2000, 'operator:a', 'ticket.status', 'closed → in_progress'),
		(1, 3000, 'operator:a', 'ticket.status', 'in_progress → closed'),
		(1, 4000, 'operator:a', 'note.added', 'note 1'),
		(3, 5000, 'operator:a', 'ticket.status', 'closed → answered')`)
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := []time.Time{time.UnixMilli(3000).UTC(), time.UnixMilli(9000).UTC(), {}}
	for i, w := range want {
		tk := must(db.Ticket(ctx, TicketNumber(int64(i+1))))
		if !tk.ClosedAt.Equal(w) || !tk.PurgedAt.IsZero() {
			t.Errorf("%s: ClosedAt %v, PurgedAt %v after the upgrade; want %v, none", tk.Number, tk.ClosedAt, tk.PurgedAt, w)
		}
	}
}

// TestPurgeReadsTheIndexOfTicketsDue: finding the tickets due reads a
// range of tickets_retention, not every ticket.
func TestPurgeReadsTheIndexOfTicketsDue(t *testing.T) {
	db := openTest(t)
	plan := queryPlan(t, db, `SELECT id, closed_at FROM tickets
		WHERE category = ? AND closed_at IS NOT NULL AND purged_at IS NULL AND closed_at < ? AND (closed_at, id) > (?, ?)
		ORDER BY closed_at, id LIMIT ?`, "other", 0, 0, 0, 10)
	if !strings.Contains(plan, "tickets_retention") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("plan of dueTickets:\n%s", plan)
	}
	plan = queryPlan(t, db, heldElsewhere, "x", 1, "x", 1, "x", 1)
	for _, ix := range []string{"attachments_sha256", "attachments_thumbnail", "attachments_display"} {
		if !strings.Contains(plan, ix) {
			t.Errorf("plan of heldElsewhere does not use %s:\n%s", ix, plan)
		}
	}
}

// TestReindexAfterPurge: rebuilding the index gives a purged ticket its
// number alone, as the purge left it.
func TestReindexAfterPurge(t *testing.T) {
	w := newRetentionWorld(t)
	w.db.LetterText = func(raw []byte) string { return bodyOf(raw) }
	tk := w.file("a@x.ru", "other", "пеликан")
	w.setStatus(tk, StatusClosed)
	kept := w.file("b@x.ru", "other", "пеликан")
	w.at(4 * 365 * day)
	w.purge(false, 1095*day, nil)
	if err := w.db.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := found(t, w.db, "пеликан"); got != numbers([]Ticket{kept}) {
		t.Errorf("search after reindex finds [%s], want only the kept ticket", got)
	}
	if got := found(t, w.db, tk.Number); got != numbers([]Ticket{tk}) {
		t.Errorf("search for the purged ticket's number after reindex finds [%s]", got)
	}
}

// BenchmarkPurge purges tickets of two letters, an answer and a file
// each, one per transaction, and reports the time per ticket.
func BenchmarkPurge(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, err := Open(ctx, testLocation(b, "ticketd.db"))
		if err != nil {
			b.Fatal(err)
		}
		old := time.Now().Add(-5 * 365 * day)
		db.SetClock(func() time.Time { return old })
		const n = 200
		for i := range n {
			in := letterIn(fmt.Sprintf("m%d@x", i), fmt.Sprintf("c%d@x.ru", i), "вопрос", strings.Repeat("слово ", 2000))
			in.Attachments = []Attachment{{Filename: "scan.png", Verdict: VerdictAccepted, Data: bigValue(200 << 10)[i:],
				Thumbnail: fmt.Appendf(nil, "thumb %d", i)}}
			res, err := db.Ingest(ctx, in, ack)
			if err != nil {
				b.Fatal(err)
			}
			follow := letterIn(fmt.Sprintf("f%d@x", i), fmt.Sprintf("c%d@x.ru", i), "ещё", "ещё вопрос")
			follow.TicketID, follow.Reopen = res.Ticket.ID, true
			if _, err := db.Ingest(ctx, follow, nil); err != nil {
				b.Fatal(err)
			}
			ds, _ := db.DueDeliveries(ctx, old.Add(time.Hour), 10)
			if err := db.MarkAllSent(ctx, ds, old); err != nil {
				b.Fatal(err)
			}
			if err := db.SetStatus(ctx, res.Ticket.Number, 0, StatusClosed, "operator:anna"); err != nil {
				b.Fatal(err)
			}
		}
		db.SetClock(time.Now)
		if _, err := db.sql.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil { // the filing's own
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := db.Purge(ctx, PurgeOptions{Policy: policyOf(1095*day, nil), Actor: "daemon"})
		if err != nil || len(rep.Tickets) != n {
			b.Fatalf("Purge = %d tickets, %v", len(rep.Tickets), err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/n, "µs/ticket")
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// TestPurgeLeavesWhatVerifyChecks: every letter and file a purge emptied
// passes the checks a verification makes of them (purge_verify.go), and
// each way of marking a letter or file purged by hand fails them.
func TestPurgeLeavesWhatVerifyChecks(t *testing.T) {
	tests := []struct{ name, sql, want string }{
		{"as the purge left it", "", ""},
		{"a kept letter marked purged", "UPDATE messages SET purged_at = 1 WHERE ticket_id = 2", "no ticket.purged event"},
		{"a purged letter's hash changed", "UPDATE messages SET raw_sha256 = 'x' WHERE ticket_id = 1 AND direction = 'in'",
			"removed it as"},
		{"a kept file marked purged", "UPDATE blobs SET purged_at = 1 WHERE sha256 = '" + sha256Hex([]byte("b's file")) + "'",
			"a letter that is not purged holds it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newRetentionWorld(t)
			a := w.file("a@x.ru", "other", "давно", Attachment{Filename: "a.png", Verdict: VerdictAccepted, Data: []byte("a's file"),
				Thumbnail: []byte("a's thumbnail")})
			w.setStatus(a, StatusClosed)
			b := w.file("b@x.ru", "other", "недавно", Attachment{Filename: "b.png", Verdict: VerdictAccepted, Data: []byte("b's file")})
			w.at(4 * 365 * day)
			w.purge(false, 1095*day, nil)
			if tt.sql != "" {
				if _, err := w.db.sql.Exec(tt.sql); err != nil {
					t.Fatal(err)
				}
			}
			if got := verifyPurged(t, w.db, a, b); !strings.Contains(got, tt.want) || (tt.want == "") != (got == "") {
				t.Errorf("the checks say %q, want %q", got, tt.want)
			}
		})
	}
}

// verifyPurged verifies the store (VerifyChain) and returns the first
// mismatch it finds, or "". ts are the tickets of the test, kept for the
// failure messages' sake.
func verifyPurged(t *testing.T, db *DB, ts ...Ticket) string {
	t.Helper()
	_, err := db.VerifyChain(context.Background(), VerifyOptions{})
	var tampered *TamperError
	if errors.As(err, &tampered) {
		return tampered.Error()
	}
	if err != nil {
		t.Fatalf("verify tickets %v: %v", ts, err)
	}
	return ""
}
