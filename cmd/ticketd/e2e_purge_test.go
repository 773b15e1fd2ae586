package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// TestEndToEndPurge files letters from a real Dovecot with "ticketd run",
// answers them through Mailpit, closes two tickets four years back (the
// store's clock) and one today, and purges under a three-year rule: the
// dry run lists the two and changes nothing, the purge removes them, and
// then a phrase of a purged letter, the bytes of a purged screenshot and
// the citizen's address are nowhere in the database file; the chain still
// links; "show" says what was removed; and the citizen's answer to a purged
// ticket opens a new one.
func TestEndToEndPurge(t *testing.T) {
	ctx := context.Background()
	s := startServers(t, "")
	letters := sampleLetters(t)
	for _, name := range sortedKeys(letters) {
		s.dovecot.Append(t, "INBOX", letters[name])
	}
	const phrase = "Кодовое слово ПЕЛИКАН-42"
	const citizen = "petr.pelikanov@example.ru"
	s.dovecot.Append(t, "INBOX", letterFrom("Пётр Пеликанов <"+citizen+">", "Справка о доходах", "pelican@example.ru",
		"Прошу выдать справку. "+phrase))
	s.ticketd(t, "run", "-once")
	s.mailpit.WaitMessages(t, 7, 30*time.Second) // six acknowledgements and Pyotr's

	byAddress := map[string]store.Ticket{}
	var tickets []store.Ticket
	if err := json.Unmarshal([]byte(s.ticketd(t, "tickets", "-json")), &tickets); err != nil {
		t.Fatal(err)
	}
	for _, tk := range tickets {
		byAddress[tk.CitizenAddress] = tk
	}
	// Lists mask addresses (redact.Address); each of these keeps a first letter of its own.
	petr, oleg, ivan := byAddress[redact.Address(citizen)], byAddress[redact.Address("oleg.k@example.ru")],
		byAddress[redact.Address("ivan.petrov@example.ru")]
	if petr.Number == "" || oleg.Number == "" || ivan.Number == "" {
		t.Fatalf("tickets = %+v", tickets)
	}
	// The operator answers Pyotr.
	s.ticketd(t, "reply", petr.Number, "-template", "instructions_sms", "-operator", "Анна")
	s.ticketd(t, "run", "-once")
	answer := s.letterTo(t, citizen, 8)

	// Oleg's screenshot, as the store keeps it (decoded, not base64), and
	// the closing: Pyotr's and Oleg's tickets four years ago, Ivan's today.
	db, err := store.Open(ctx, s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	shot := screenshotOf(t, db, oleg)
	longAgo := time.Now().Add(-4 * 365 * 24 * time.Hour)
	db.SetClock(func() time.Time { return longAgo })
	for _, tk := range []store.Ticket{petr, oleg} {
		if err := db.SetStatus(ctx, tk.Number, 0, store.StatusClosed, "operator:anna"); err != nil {
			t.Fatal(err)
		}
	}
	db.SetClock(time.Now)
	if err := db.SetStatus(ctx, ivan.Number, 0, store.StatusClosed, "operator:anna"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	planted := map[string][]byte{"the phrase": []byte(phrase), "the screenshot": shot, "the citizen's address": []byte(citizen)}
	for what, b := range planted {
		if !databaseHolds(t, s.dbPath, b) {
			t.Fatalf("%s is not in the database before the purge: the test would prove nothing", what)
		}
	}

	s.addConfig(t, "\n[retention]\nclosed_for = \"1095d\"\n")
	dry := s.ticketd(t, "purge", "-dry-run")
	for _, want := range []string{petr.Number + "  closed " + longAgo.In(moscow(t)).Format(time.DateOnly), oleg.Number + "  closed ",
		`retention.closed_for = "1095d"  would remove 2 letters, `, "would purge 2 tickets: "} {
		if !strings.Contains(dry, want) {
			t.Errorf("purge -dry-run lacks %q:\n%s", want, dry)
		}
	}
	if strings.Contains(dry, ivan.Number) {
		t.Errorf("purge -dry-run lists %s, closed today:\n%s", ivan.Number, dry)
	}
	if !databaseHolds(t, s.dbPath, []byte(phrase)) {
		t.Error("the dry run removed the phrase")
	}

	out := s.ticketd(t, "purge", "-operator", "auditor")
	if !strings.Contains(out, "purged 2 tickets: ") || !strings.Contains(out, petr.Number+"  closed ") {
		t.Errorf("purge:\n%s", out)
	}
	for what, b := range planted {
		if databaseHolds(t, s.dbPath, b) {
			t.Errorf("%s is still in the database file after the purge", what)
		}
	}
	checkChainLinks(t, s.dbPath)

	shown := s.ticketd(t, "show", petr.Number, "-operator", "olga")
	if !strings.Contains(shown, "CORRESPONDENCE REMOVED on "+time.Now().In(moscow(t)).Format(time.DateOnly)) ||
		!strings.Contains(shown, `retention.closed_for = "1095d"`) || strings.Contains(shown, citizen) {
		t.Errorf("show %s after the purge:\n%s", petr.Number, shown)
	}
	if shown := s.ticketd(t, "show", ivan.Number, "-operator", "olga"); !strings.Contains(shown, "ivan.petrov@example.ru") {
		t.Errorf("show %s, kept, lost its correspondence:\n%s", ivan.Number, shown)
	}
	if again := s.ticketd(t, "purge", "-operator", "auditor"); !strings.HasPrefix(again, "purged 0 tickets") {
		t.Errorf("a second purge:\n%s", again)
	}

	// Pyotr answers the operator's letter: a purged ticket continues no
	// thread, so his letter opens a new ticket, and is acknowledged.
	s.dovecot.Append(t, "INBOX", clientReply("Пётр Пеликанов <"+citizen+">", "pelican2@example.ru", answer, "Спасибо. Ещё вопрос."))
	s.ticketd(t, "run", "-once")
	s.mailpit.WaitMessages(t, 9, 30*time.Second)
	if err := json.Unmarshal([]byte(s.ticketd(t, "tickets", "-json")), &tickets); err != nil {
		t.Fatal(err)
	}
	var newer []string
	for _, tk := range tickets {
		if tk.CitizenAddress == redact.Address(citizen) { // masked, as lists are
			newer = append(newer, tk.Number)
		}
		if tk.Number == petr.Number && (tk.Status != store.StatusClosed || tk.PurgedAt.IsZero()) {
			t.Errorf("the purged ticket after the citizen's answer: %+v", tk)
		}
	}
	if len(newer) != 1 || newer[0] <= petr.Number {
		t.Errorf("tickets of %s after his answer: %v, want one new ticket", citizen, newer)
	}
}

// screenshotOf returns the bytes of the first file of ticket tk's first
// letter.
func screenshotOf(t *testing.T, db *store.DB, tk store.Ticket) []byte {
	t.Helper()
	ctx := context.Background()
	tk, err := db.Ticket(ctx, tk.Number) // with its id, which JSON leaves out
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := db.Messages(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	files, err := db.AttachmentsOfTicket(ctx, tk.ID)
	if err != nil || len(files[msgs[0].ID]) == 0 {
		t.Fatalf("files of %s: %+v, %v", tk.Number, files, err)
	}
	b, err := db.Blob(ctx, files[msgs[0].ID][0].SHA256)
	if err != nil || len(b) < 200 {
		t.Fatalf("the screenshot of %s: %d bytes, %v", tk.Number, len(b), err)
	}
	return b[len(b)/2-48 : len(b)/2+48] // bytes of the image data, not of a header any PNG has
}

// databaseHolds checkpoints the database at path (copying its write-ahead
// log into it and truncating the log), then tells whether the file or
// what is left of the log holds b.
func databaseHolds(t *testing.T, path string, b []byte) bool {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var busy, frames, copied int
	if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &copied); err != nil || busy != 0 {
		t.Fatalf("checkpoint: busy %d, %v", busy, err)
	}
	for _, p := range []string{path, path + "-wal"} {
		f, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(f, b) {
			return true
		}
	}
	return false
}

// checkChainLinks reads every event of the database at path and checks
// that the chain links (store.CheckLinks).
func checkChainLinks(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, COALESCE(ticket_id, 0), at, actor, action, detail, detail_erased, version,
		COALESCE(message_id, 0), digest, prev_hash, hash FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var es []store.ChainEvent
	erased := 0
	for rows.Next() {
		var e store.ChainEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.TicketID, &at, &e.Actor, &e.Action, &e.Detail, &e.DetailErased, &e.Version,
			&e.MessageID, &e.Digest, &e.PrevHash, &e.Hash); err != nil {
			t.Fatal(err)
		}
		e.At = time.UnixMilli(at).UTC()
		if e.DetailErased {
			erased++
		}
		es = append(es, e)
	}
	if b := store.CheckLinks(make([]byte, 32), es); b != nil || erased == 0 {
		t.Errorf("the chain after the purge: %v (%d events, %d details erased)", b, len(es), erased)
	}
}

// TestEndToEndDaemonPurges: "ticketd run" purges at start under its
// [retention] rule, logging counts and no address.
func TestEndToEndDaemonPurges(t *testing.T) {
	ctx := context.Background()
	s := startServers(t, "")
	const citizen = "old.citizen@example.ru"
	s.dovecot.Append(t, "INBOX", letterFrom("Старый Заявитель <"+citizen+">", "Давний вопрос", "old@example.ru", "Давний вопрос."))
	s.ticketd(t, "run", "-once")
	s.mailpit.WaitMessages(t, 1, 30*time.Second)
	db, err := store.Open(ctx, s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.SetClock(func() time.Time { return time.Now().Add(-2 * 365 * 24 * time.Hour) })
	if err := db.SetStatus(ctx, "TKT-000001", 0, store.StatusClosed, "operator:anna"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s.addConfig(t, "\n[retention]\nclosed_for = \"365d\"\n")

	runCtx, stop := context.WithCancel(ctx)
	var log syncBuffer
	done := make(chan int)
	go func() { done <- Main(runCtx, []string{"run", "-config", s.config}, &bytes.Buffer{}, &log) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(log.String(), "retention purge") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if code := <-done; code != 0 {
		t.Errorf("ticketd run: exit %d\n%s", code, log.String())
	}
	if !strings.Contains(log.String(), "msg=\"retention purge\" component=retention tickets=1 letters=2 files=0") {
		t.Errorf("the daemon's log lacks the purge's counts:\n%s", log.String())
	}
	if strings.Contains(log.String(), citizen) {
		t.Errorf("the daemon's log names the citizen:\n%s", log.String())
	}
	if shown := s.ticketd(t, "show", "TKT-000001", "-operator", "olga"); !strings.Contains(shown, "CORRESPONDENCE REMOVED") {
		t.Errorf("the daemon did not purge TKT-000001:\n%s", shown)
	}
}
