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

// planted is the phrase the plain store's rows hold, each kind of row its
// own variant, that must not be readable anywhere once they are sealed.
const planted = "Квасникова-СНИЛС-112-233-445-95"

// plainStore fills a store without a key with every kind of row that
// SealExisting seals, each holding the planted phrase: letters small and
// in pieces, answers, files small and in pieces with their names,
// descriptions, ticket fields, notes and a TOTP secret. It returns what
// each letter's and file's bytes are.
func plainStore(t *testing.T, db *DB, tickets int) (letters map[int64][]byte, files map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	letters, files = map[int64][]byte{}, map[string][]byte{}
	for i := range tickets {
		raw := []byte(fmt.Sprintf("Subject: %s %d\r\n\r\nПишет %s, письмо %d\r\n", planted, i, planted, i))
		if i%4 == 1 {
			raw = append(raw, bigValue(chunkSize+chunkSize/2)...)
			raw = append(raw, planted...)
		}
		file := []byte(fmt.Sprintf("%%PDF %s %d", planted, i))
		if i%5 == 2 {
			file = append(append(file, bigValue(chunkSize+10)...), planted...)
		}
		in := inbound(fmt.Sprintf("m%d@x", i), string(raw), uint32(i+1))
		in.FromName = planted + " sender"
		in.Ticket.CitizenName = planted + " name"
		in.Ticket.Subject = planted + " subject"
		in.Ticket.AccountNumber = planted + "-account"
		in.Ticket.ApplicationNumber = planted + "-application"
		in.Ticket.Description = planted + " description"
		in.Attachments = []Attachment{{Filename: planted + ".pdf", OriginalName: planted + " original.pdf", Verdict: VerdictAccepted, Data: file}}
		answer := func(tk Ticket, _ Situation) (*Outgoing, error) {
			out, err := ack(tk, Situation{})
			out.Subject = "Re: " + planted
			out.Raw = append(out.Raw, planted...)
			return out, err
		}
		res, err := db.Ingest(ctx, in, answer)
		if err != nil {
			t.Fatal(err)
		}
		ms := must(db.Messages(ctx, res.Ticket.ID))
		letters[ms[0].ID], letters[ms[1].ID] = raw, must(db.Raw(ctx, ms[1].ID))
		files[sha256Hex(file)] = file
		must(db.AddNote(ctx, res.Ticket.Number, planted+" note", "operator:anna"))
	}
	must(db.AddUser(ctx, NewUser{Name: "anna", Role: "operator", PasswordHash: "h"}, "cli:root"))
	if err := db.SetTOTP(ctx, "anna", planted, "cli:root"); err != nil {
		t.Fatal(err)
	}
	return letters, files
}

// checkReadable reads back every letter, file, ticket, note and the TOTP
// secret that plainStore stored, and compares them with what it stored.
func checkReadable(t *testing.T, db *DB, letters map[int64][]byte, files map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	for id, want := range letters {
		if got, err := db.Raw(ctx, id); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("letter %d: %d bytes, %v; want the %d stored", id, len(got), err, len(want))
		}
	}
	for sum, want := range files {
		if got, err := db.Blob(ctx, sum); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("file %s: %d bytes, %v; want the %d stored", sum, len(got), err, len(want))
		}
	}
	page := must(db.FindTickets(ctx, TicketFilter{Limit: MaxTicketLimit}))
	for _, lt := range page.Tickets {
		if lt.ID > int64(len(files)) {
			continue // filed after plainStore
		}
		tk := must(db.Ticket(ctx, lt.Number))
		if tk.CitizenName != planted+" name" || tk.Subject != planted+" subject" || tk.AccountNumber != planted+"-account" ||
			tk.ApplicationNumber != planted+"-application" || tk.Description != planted+" description" || lt.Subject != tk.Subject {
			t.Fatalf("ticket %s = %+v", tk.Number, tk)
		}
		ms := must(db.Messages(ctx, tk.ID))
		if ms[0].FromName != planted+" sender" || ms[0].Subject != planted+" subject" || ms[1].Subject != "Re: "+planted {
			t.Fatalf("letters of %s = %+v", tk.Number, ms)
		}
		atts := must(db.AttachmentsOfTicket(ctx, tk.ID))
		if a := atts[ms[0].ID]; len(a) != 1 || a[0].Filename != planted+".pdf" || a[0].OriginalName != planted+" original.pdf" {
			t.Fatalf("files of %s = %+v", tk.Number, atts)
		}
		if f, err := db.AttachmentFile(ctx, tk.ID, atts[ms[0].ID][0].SHA256); err != nil || f.OriginalName != planted+" original.pdf" {
			t.Fatalf("AttachmentFile of %s = %+v, %v", tk.Number, f, err)
		}
		if ns := must(db.Notes(ctx, tk.ID)); len(ns) != 1 || ns[0].Text != planted+" note" {
			t.Fatalf("notes of %s = %+v", tk.Number, ns)
		}
	}
	if u, err := db.User(ctx, "anna"); err != nil || u.TOTPSecret != planted {
		t.Fatalf("TOTP secret = %q, %v", u.TOTPSecret, err)
	}
}

// plainRows returns the rows of every table that hold the planted phrase,
// read with SQL, as "table: row".
func plainRows(t *testing.T, db *DB) []string {
	t.Helper()
	var found []string
	q := "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'ticket_search%'"
	if onPostgres() {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'ticket_search%'"
	}
	tables := must(db.sql.Query(q))
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	for _, table := range names {
		rows := must(db.sql.Query("SELECT * FROM " + table))
		cols := must(rows.Columns())
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for i, v := range vals {
				var b []byte
				switch v := v.(type) {
				case []byte:
					b = v
				case string:
					b = []byte(v)
				}
				if bytes.Contains(b, []byte(planted)) {
					found = append(found, table+"."+cols[i])
				}
			}
		}
		rows.Close()
	}
	return found
}

// TestSealExisting seals a store filled without a key, in small batches,
// and checks that everything reads back as it was, that no row holds the
// phrase in plain (SQL) nor the database's files, and that a second run
// finds nothing.
func TestSealExisting(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "ticketd.db")
	db := must(Open(ctx, path))
	letters, files := plainStore(t, db, 9)
	if found := plainRows(t, db); len(found) == 0 {
		t.Fatal("the plain store holds no planted phrase: the check reads nothing")
	}
	if _, err := db.SealExisting(ctx, SealOptions{}); err == nil {
		t.Error("SealExisting without a key succeeded")
	}
	if err := db.Unlock(ctx, testKey(4)); err != nil {
		t.Fatal(err)
	}
	var progress []SealProgress
	res, err := db.SealExisting(ctx, SealOptions{Actor: "cli:root", BatchRows: 4, BatchBytes: 2 << 20,
		Progress: func(p SealProgress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	want := SealCounts{Letters: 18, Files: 9, Pieces: 2*2 + 2*2, Tickets: 9, LetterFields: 18, FileNames: 9, Notes: 9, Secrets: 1}
	got := res.SealCounts
	got.Bytes = 0
	if got != want {
		t.Errorf("SealExisting = %+v\nwant %+v", got, want)
	}
	if !res.LogEmptied {
		t.Error("the write-ahead log was not emptied")
	}
	total := 18 + 9 + 9 + 9 + 9 + 1
	if len(progress) < total/4 || progress[0].Done != 0 || progress[0].Total != total {
		t.Errorf("progress = %d reports, first %+v; want one per batch of at most 4, from 0 of %d", len(progress), progress[0], total)
	}
	for i, p := range progress[1:] {
		if p.Done <= progress[i].Done || p.Done-progress[i].Done > 4 {
			t.Errorf("progress went from %+v to %+v", progress[i], p)
		}
	}
	if last := progress[len(progress)-1]; last.Done != last.Total || last.Sealed != res.SealCounts {
		t.Errorf("last progress = %+v; want all %d done", last, last.Total)
	}
	if found := plainRows(t, db); len(found) != 0 {
		t.Errorf("after SealExisting the phrase is readable in %v", found)
	}
	checkReadable(t, db, letters, files)
	evs := must(eventsOfNoTicket(ctx, db))
	if last := evs[len(evs)-1]; last.Action != "keys.sealed_existing" || last.Actor != "cli:root" || !strings.Contains(last.Detail, "18 letters and 9 files") {
		t.Errorf("last event = %+v; want keys.sealed_existing with the counts", last)
	}
	again, err := db.SealExisting(ctx, SealOptions{Actor: "cli:root"})
	if err != nil || again.SealCounts != (SealCounts{}) {
		t.Errorf("a second SealExisting = %+v, %v; want nothing to seal", again, err)
	}
	if n := len(must(eventsOfNoTicket(ctx, db))); n != len(evs) {
		t.Errorf("a second SealExisting that sealed nothing recorded an event")
	}
	// SQLite leaves what it moves or rewrites in the file's free space:
	// the store's files still hold fragments of rows written before the
	// key, until Vacuum rewrites them.
	if err := db.Vacuum(ctx); err != nil {
		t.Fatal(err)
	}
	checkReadable(t, db, letters, files)
	db.Close()
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if i := bytes.Index(b, []byte(planted)); i >= 0 {
			t.Errorf("%s holds the phrase after Vacuum, at byte %d: %q", filepath.Base(f), i, b[max(0, i-40):min(len(b), i+60)])
		}
	}
}

// TestSealExistingResumes stops SealExisting twice: by its context after
// two batches, and by a batch that fails halfway (a trigger refuses one of
// its rows). What was sealed stays sealed; the failed batch's rows stay
// plain, whole and readable; a last run seals the rest.
func TestSealExistingResumes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	letters, files := plainStore(t, db, 6)
	if err := db.Unlock(ctx, testKey(4)); err != nil {
		t.Fatal(err)
	}
	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	reports := 0
	first, err := db.SealExisting(stop, SealOptions{Actor: "cli:root", BatchRows: 3, Progress: func(SealProgress) {
		if reports++; reports == 3 { // the report before the first batch, and after two
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || first.Letters != 6 {
		t.Fatalf("SealExisting stopped after two batches = %+v, %v; want 6 letters sealed and context.Canceled", first, err)
	}
	checkReadable(t, db, letters, files)
	evs := must(eventsOfNoTicket(ctx, db))
	if last := evs[len(evs)-1]; last.Action != "keys.sealed_existing" || !strings.Contains(last.Detail, "6 letters") ||
		!strings.Contains(last.Detail, "stopped before the end") {
		t.Errorf("event of the stopped run = %+v", last)
	}

	var ids []int64
	rows := must(db.sql.Query("SELECT id FROM messages WHERE sealed = 0 ORDER BY id LIMIT 3"))
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	refuse := fmt.Sprintf(`CREATE TRIGGER refuse BEFORE UPDATE OF sealed ON messages WHEN NEW.id = %d
		BEGIN SELECT RAISE(ABORT, 'refused'); END`, ids[2])
	if onPostgres() {
		refuse = fmt.Sprintf(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'refused'; END $$;
			CREATE TRIGGER refuse BEFORE UPDATE OF sealed ON messages FOR EACH ROW WHEN (NEW.id = %d)
			EXECUTE FUNCTION refuse()`, ids[2])
	}
	if _, err := db.sql.Exec(refuse); err != nil {
		t.Fatal(err)
	}
	second, err := db.SealExisting(ctx, SealOptions{Actor: "cli:root", BatchRows: 3})
	if err == nil || !strings.Contains(err.Error(), "refused") || second.SealCounts != (SealCounts{}) {
		t.Fatalf("SealExisting with a refused row = %+v, %v", second, err)
	}
	for _, id := range ids[:2] {
		var sealed bool
		var fields []byte
		db.sql.QueryRow("SELECT sealed, sealed_fields FROM messages WHERE id = ?", id).Scan(&sealed, &fields)
		if sealed || fields != nil {
			t.Errorf("letter %d, in the failed batch before the refused row, is sealed: the batch was not undone", id)
		}
	}
	checkReadable(t, db, letters, files)
	drop := "DROP TRIGGER refuse"
	if onPostgres() {
		drop = "DROP TRIGGER refuse ON messages"
	}
	if _, err := db.sql.Exec(drop); err != nil {
		t.Fatal(err)
	}
	third, err := db.SealExisting(ctx, SealOptions{Actor: "cli:root", BatchRows: 3})
	if err != nil || first.Letters+third.Letters != len(letters) || third.Files != len(files) || third.Notes != 6 {
		t.Errorf("the last run = %+v, %v; want the rest: %d letters in all, %d files", third, err, len(letters), len(files))
	}
	if found := plainRows(t, db); len(found) != 0 {
		t.Errorf("after the last run the phrase is readable in %v", found)
	}
	checkReadable(t, db, letters, files)
}

// TestSealExistingWhileFiling seals a store while another handle on it,
// as the daemon would, files letters with the key and reads the plain
// ones: each reads whole, sealed or not, and the new letters are sealed as
// they come.
func TestSealExistingWhileFiling(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "ticketd.db")
	db := must(Open(ctx, path))
	letters, files := plainStore(t, db, 8)
	db.Close()
	key := testKey(4)
	sealer, daemon := must(Open(ctx, path)), must(Open(ctx, path))
	defer sealer.Close()
	defer daemon.Close()
	for _, d := range []*DB{sealer, daemon} {
		if err := d.Unlock(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var filed []string
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			for id, want := range letters {
				if got, err := daemon.Raw(ctx, id); err != nil || !bytes.Equal(got, want) {
					t.Errorf("letter %d read while sealing: %d bytes, %v", id, len(got), err)
					return
				}
			}
			in := inbound(fmt.Sprintf("new%d@x", i), "Subject: new\r\n\r\n"+planted, uint32(1000+i))
			in.Ticket.Subject = planted
			res, err := daemon.Ingest(ctx, in, nil)
			if err != nil {
				t.Errorf("Ingest while sealing: %v", err)
				return
			}
			filed = append(filed, res.Ticket.Number)
			time.Sleep(time.Millisecond)
		}
	})
	res, err := sealer.SealExisting(ctx, SealOptions{Actor: "cli:root", BatchRows: 2, BatchBytes: 1})
	close(done)
	wg.Wait()
	if err != nil || res.Letters != len(letters) {
		t.Fatalf("SealExisting while filing = %+v, %v; want the %d letters stored before", res, err, len(letters))
	}
	if len(filed) == 0 {
		t.Fatal("nothing was filed while sealing")
	}
	if found := plainRows(t, sealer); len(found) != 0 {
		t.Errorf("the phrase is readable in %v", found)
	}
	checkReadable(t, sealer, letters, files)
}

// TestPiecesSealedAfterTheirFlagWasRead reads a letter in pieces by a flag
// read before SealExisting sealed them, as a reader between its two
// statements would: the pieces are read as sealed.
func TestPiecesSealedAfterTheirFlagWasRead(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	raw := bigValue(2*chunkSize + 3)
	res := must(db.Ingest(ctx, inbound("big@x", string(raw), 1), nil))
	id := must(db.Messages(ctx, res.Ticket.ID))[0].ID
	var inline []byte
	var sealed bool
	var pieces int
	var sum string
	if err := db.sql.QueryRow("SELECT raw, sealed, chunks, raw_sha256 FROM messages WHERE id = ?", id).Scan(&inline, &sealed, &pieces, &sum); err != nil {
		t.Fatal(err)
	}
	if err := db.Unlock(ctx, testKey(4)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SealExisting(ctx, SealOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := db.value(ctx, db.conn(), messageOwner(id), inline, pieces, sealed, sum)
	if err != nil || !bytes.Equal(got, raw) {
		t.Errorf("the letter read by its old flag: %d bytes, %v; want the %d stored", len(got), err, len(raw))
	}
}

// TestPlainRowsAreFoundByIndex checks that SealExisting finds and counts
// the rows still plain by the partial indexes of migration 0013, never by
// reading every letter.
func TestPlainRowsAreFoundByIndex(t *testing.T) {
	db := openTest(t)
	for _, k := range plainKinds {
		if k.name == "TOTP secrets" {
			continue // a few rows, read whole
		}
		for _, q := range []string{k.count, k.next} {
			plan := queryPlan(t, db, q, 0, 10)
			if !strings.Contains(plan, "_plain") {
				t.Errorf("%s: %s\nplan:\n%s; want a partial index *_plain", k.name, q, plan)
			}
		}
	}
}
