package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newKeyFile writes a new master key to a file in dir and returns its
// path and the key.
func newKeyFile(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, "store.key")
	writeFile(t, path, NewKey()+"\n")
	key, err := ReadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, key
}

// testKey returns a key of KeySize bytes made of b.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

// TestUnlock opens stores in each state of their keys with each kind of
// key, and checks what Unlock says and what the store holds after.
func TestUnlock(t *testing.T) {
	ctx := context.Background()
	key, other := testKey(1), testKey(2)
	plain := func(t *testing.T, db *DB) {}   // a new store, without a key
	withData := func(t *testing.T, db *DB) { // a store with data key 1, wrapped by key, and a sealed letter
		t.Helper()
		if err := db.Unlock(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, inbound("a@x", "raw a", 1), nil); err != nil {
			t.Fatal(err)
		}
	}
	tampered := func(t *testing.T, db *DB) { // its wrapped data key changed by a byte
		withData(t, db)
		// The 21st byte changes.
		var wrapped []byte
		if err := db.sql.QueryRow("SELECT wrapped FROM data_keys WHERE id = 1").Scan(&wrapped); err != nil {
			t.Fatal(err)
		}
		wrapped[20] ^= 0x5a
		if _, err := db.sql.Exec("UPDATE data_keys SET wrapped = ? WHERE id = 1", wrapped); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		setup   func(*testing.T, *DB)
		key     []byte
		wantErr error
		wantMsg []string // in the error
	}{
		{"plain store, no key", plain, nil, nil, nil},
		{"plain store, a key makes data key 1", plain, key, nil, nil},
		{"encrypted store, its key", withData, key, nil, nil},
		{"encrypted store, no key", withData, nil, ErrEncrypted, []string{"the store is encrypted; set store.key_file"}},
		{"encrypted store, another key", withData, other, ErrWrongKey, []string{
			"store.key_file does not open this store's data key: it was sealed with key fingerprint " + ShortFingerprint(KeyFingerprint(key)),
			ShortFingerprint(KeyFingerprint(other))}},
		{"wrapped data key changed", tampered, key, ErrWrongKey, []string{"does not open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := testLocation(t, "ticketd.db")
			db := must(Open(ctx, path))
			tt.setup(t, db)
			db.Close()
			db = must(Open(ctx, path))
			defer db.Close()
			err := db.Unlock(ctx, tt.key)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Unlock = %v, want %v", err, tt.wantErr)
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Unlock = %q, want it to say %q", err, m)
				}
			}
			ks := must(readDataKeys(ctx, db.conn()))
			switch {
			case tt.key == nil && tt.wantErr == nil:
				if len(ks) != 0 {
					t.Errorf("a store used without a key has %d data keys", len(ks))
				}
			case tt.wantErr == nil:
				if len(ks) != 1 || ks[0].id != 1 || ks[0].fingerprint != KeyFingerprint(tt.key) {
					t.Fatalf("data keys = %+v; want key 1 wrapped by the key", ks)
				}
				if bytes.Contains(ks[0].wrapped, tt.key) || strings.Contains(string(ks[0].wrapped), hex.EncodeToString(tt.key)) {
					t.Error("the wrapped data key holds the master key")
				}
				if _, err := db.Ingest(ctx, inbound("b@x", "raw b", 2), nil); err != nil {
					t.Errorf("Ingest after Unlock: %v", err)
				}
			default:
				if db.seal != nil {
					t.Error("a failed Unlock left the store with a key")
				}
				if _, err := db.Ingest(ctx, inbound("b@x", "raw b", 2), nil); !errors.Is(err, ErrEncrypted) {
					t.Errorf("Ingest after a failed Unlock = %v, want ErrEncrypted: no plain rows in an encrypted store", err)
				}
			}
		})
	}
}

// TestDataKeyBoundToItsID moves the wrapped data key to another id: it no
// longer opens there.
func TestDataKeyBoundToItsID(t *testing.T) {
	key := testKey(1)
	s := must(newSealer(key))
	data := testKey(9)
	wrapped, _ := s.seal(data, dataKeyAD(2))
	if _, err := unwrap(dataKeyRow{id: 1, wrapped: wrapped, fingerprint: KeyFingerprint(key)}, s, KeyFingerprint(key)); !errors.Is(err, ErrWrongKey) {
		t.Errorf("data key 2 read as data key 1: %v, want ErrWrongKey", err)
	}
	wrapped, _ = s.seal(data, dataKeyAD(1))
	if got, err := unwrap(dataKeyRow{id: 1, wrapped: wrapped, fingerprint: KeyFingerprint(key)}, s, KeyFingerprint(key)); err != nil || !bytes.Equal(got, data) {
		t.Errorf("unwrap = %x, %v; want the data key", got, err)
	}
}

// TestAnotherProcessMakesTheDataKey checks that two stores on one file
// given the same new key end with one data key: the second takes the
// first's.
func TestAnotherProcessMakesTheDataKey(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "ticketd.db")
	a, b := must(Open(ctx, path)), must(Open(ctx, path))
	defer a.Close()
	defer b.Close()
	key := testKey(3)
	if err := a.Unlock(ctx, key); err != nil {
		t.Fatal(err)
	}
	// b read no data key before a made one: makeDataKey looks again in its
	// transaction.
	if err := b.transact(ctx, func(tx conn) error { return b.makeDataKey(ctx, tx, key, must(newSealer(key)), KeyFingerprint(key)) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(ctx, key); err != nil {
		t.Fatal(err)
	}
	res := must(a.Ingest(ctx, inbound("a@x", "raw from a", 1), nil))
	if tk, err := b.Ticket(ctx, res.Ticket.Number); err != nil || tk.Subject != "Не могу войти" {
		t.Errorf("b reads a's ticket: %q, %v", tk.Subject, err)
	}
	if n := len(must(readDataKeys(ctx, a.conn()))); n != 1 {
		t.Errorf("%d data keys, want 1", n)
	}
}

// legacyStore makes a store of schema 12, before data keys, whose rows
// were sealed with key directly, as the store sealed them then: a ticket
// with a sealed description and plain fields, a letter, a letter in
// pieces, a file with its names, a note, a TOTP secret, and a search index
// built with key. It returns the database's path.
func legacyStore(t *testing.T, key []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "legacy.db")
	raw := createAt(t, path, 12)
	s := must(newSealer(key))
	seal := func(b []byte, ad string) []byte { v, _ := s.seal(b, ad); return v }
	mustExec(t, raw, `INSERT INTO tickets (id, number, status, priority, citizen_name, citizen_address, subject, account_number,
		description, description_sealed, sealed_description, created_at, due_at, updated_at)
		VALUES (1, 'TKT-000001', 'new', 'normal', 'Зоя Квасникова', 'zoya@example.ru', 'Справка о льготе', '7700123',
		'', 1, ?, 0, 0, 0)`, seal([]byte("паспорт 4506 123456"), descriptionAD))
	small := []byte("Subject: Справка о льготе\r\n\r\nЗдравствуйте, нужна справка.\r\n")
	sum := sha256Hex(small)
	mustExec(t, raw, `INSERT INTO messages (id, ticket_id, direction, dedupe_key, message_id, from_name, from_address, subject,
		size, raw_sha256, raw, sealed, created_at) VALUES (1, 1, 'in', 'in:a', 'a@x', 'Зоя Квасникова', 'zoya@example.ru',
		'Справка о льготе', ?, ?, ?, 1, 0)`, len(small), sum, seal(small, sum))
	big := bigValue(chunkSize + 100)
	bigSum := sha256Hex(big)
	mustExec(t, raw, `INSERT INTO messages (id, ticket_id, direction, dedupe_key, message_id, from_address, subject,
		size, raw_sha256, raw, sealed, chunks, created_at) VALUES (2, 1, 'in', 'in:b', 'b@x', 'zoya@example.ru', 'Ещё',
		?, ?, X'', 1, 2, 0)`, len(big), bigSum)
	mustExec(t, raw, "INSERT INTO chunks (owner, seq, data) VALUES ('message:2', 0, ?), ('message:2', 1, ?)",
		seal(big[:chunkSize], chunkAD(bigSum, 0)), seal(big[chunkSize:], chunkAD(bigSum, 1)))
	file := []byte("%PDF справка")
	fileSum := sha256Hex(file)
	mustExec(t, raw, "INSERT INTO blobs (sha256, size, data, sealed) VALUES (?, ?, ?, 1)", fileSum, len(file), seal(file, fileSum))
	mustExec(t, raw, `INSERT INTO attachments (message_id, filename, original_name, size, sha256, verdict)
		VALUES (1, 'spravka.pdf', 'Справка Квасниковой.pdf', ?, ?, 'accepted')`, len(file), fileSum)
	mustExec(t, raw, `INSERT INTO notes (id, ticket_id, author, text, sealed, sealed_text, created_at)
		VALUES (1, 1, 'operator:anna', '', 1, ?, 0)`, seal([]byte("звонила, просит ускорить"), noteAD(1, 1)))
	mustExec(t, raw, `INSERT INTO users (id, name, role, password_hash, totp_secret, totp_sealed, created_at)
		VALUES (1, 'anna', 'operator', 'h', ?, 1, 0)`, seal([]byte("KRSXG5CTMVRXEZLU"), totpAD(1)))
	ix := newBlindIndex(key)
	ts := terms{}
	ticketTerms(ts, Ticket{ID: 1, Number: "TKT-000001", CitizenName: "Зоя Квасникова", CitizenAddress: "zoya@example.ru",
		Subject: "Справка о льготе", AccountNumber: "7700123"})
	toks := ix.hasher().hashes(ts)
	mustExec(t, raw, "INSERT INTO ticket_terms (ticket_id, terms) VALUES (1, ?)", pack(toks))
	mustExec(t, raw, "INSERT INTO ticket_search (rowid, terms) VALUES (1, ?)", document(toks))
	mustExec(t, raw, "UPDATE search_index SET key_fingerprint = ?, state = 'current'", ix.fingerprint)
	raw.Close()
	return path
}

// TestLegacyStoreUpgrade upgrades a store whose rows were sealed with the
// key file itself: the key becomes data key 1 once it is shown to open
// them, another key is refused, and everything stays readable, the search
// index included; seal-existing then seals the fields left plain.
func TestLegacyStoreUpgrade(t *testing.T) {
	ctx := context.Background()
	key := testKey(5)
	path := legacyStore(t, key)
	db := must(Open(ctx, path))
	defer db.Close()
	ks := must(readDataKeys(ctx, db.conn()))
	if len(ks) != 1 || ks[0].wrapped != nil {
		t.Fatalf("data keys after the migration = %+v; want the legacy key's row, not wrapped yet", ks)
	}
	if err := db.Unlock(ctx, nil); !errors.Is(err, ErrEncrypted) {
		t.Errorf("Unlock without a key = %v, want ErrEncrypted", err)
	}
	err := db.Unlock(ctx, testKey(6))
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "sealed before it kept data keys") {
		t.Errorf("Unlock with another key = %v, want ErrWrongKey about the rows sealed before", err)
	}
	if ks := must(readDataKeys(ctx, db.conn())); ks[0].wrapped != nil {
		t.Error("another key was wrapped as the data key")
	}
	if err := db.Unlock(ctx, key); err != nil {
		t.Fatal(err)
	}
	if ks := must(readDataKeys(ctx, db.conn())); ks[0].wrapped == nil || ks[0].fingerprint != KeyFingerprint(key) {
		t.Errorf("data key after Unlock = %+v; want the legacy key wrapped by itself", ks[0])
	}
	db.Close()

	// Opened again, the wrapped key serves.
	db = must(Open(ctx, path))
	if err := db.Unlock(ctx, key); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		tk, err := db.Ticket(ctx, "TKT-000001")
		if err != nil || tk.Description != "паспорт 4506 123456" || tk.CitizenName != "Зоя Квасникова" || tk.Subject != "Справка о льготе" {
			t.Fatalf("%s: Ticket = %+v, %v", when, tk, err)
		}
		if raw, err := db.Raw(ctx, 2); err != nil || !bytes.Equal(raw, bigValue(chunkSize+100)) {
			t.Errorf("%s: the letter in pieces = %d bytes, %v", when, len(raw), err)
		}
		if ms, err := db.Messages(ctx, 1); err != nil || ms[0].FromName != "Зоя Квасникова" {
			t.Errorf("%s: Messages = %+v, %v", when, ms, err)
		}
		atts := must(db.AttachmentsOfTicket(ctx, 1))
		if a := atts[1]; len(a) != 1 || a[0].OriginalName != "Справка Квасниковой.pdf" || string(must(db.Blob(ctx, a[0].SHA256))) != "%PDF справка" {
			t.Errorf("%s: the file = %+v", when, a)
		}
		if ns, err := db.Notes(ctx, 1); err != nil || ns[0].Text != "звонила, просит ускорить" {
			t.Errorf("%s: Notes = %+v, %v", when, ns, err)
		}
		if u, err := db.User(ctx, "anna"); err != nil || u.TOTPSecret != "KRSXG5CTMVRXEZLU" {
			t.Errorf("%s: TOTP secret = %q, %v", when, u.TOTPSecret, err)
		}
		page, err := db.FindTickets(ctx, TicketFilter{Search: "квасникова"})
		if err != nil || len(page.Tickets) != 1 || page.Tickets[0].CitizenName != "Зоя Квасникова" {
			t.Errorf("%s: search of the index built with the legacy key = %+v, %v", when, page.Tickets, err)
		}
	}
	check("after the upgrade")
	res, err := db.SealExisting(ctx, SealOptions{Actor: "cli:test"})
	if err != nil {
		t.Fatal(err)
	}
	want := SealCounts{Tickets: 1, LetterFields: 2, FileNames: 1}
	if res.SealCounts != want {
		t.Errorf("SealExisting on the upgraded store = %+v, want %+v: only the fields were plain", res.SealCounts, want)
	}
	check("after seal-existing")
	var plain int
	db.sql.QueryRow("SELECT COUNT(*) FROM tickets WHERE citizen_name <> '' OR subject <> '' OR account_number <> ''").Scan(&plain)
	if plain != 0 {
		t.Errorf("%d tickets keep plain fields", plain)
	}
	db.Close()
}

// TestRotateKeyFile rotates the master key: the old key file no longer
// opens the store, the new one reads every letter, and no sealed row was
// written again.
func TestRotateKeyFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath, oldKey := newKeyFile(t, dir)
	path := filepath.Join(dir, "ticketd.db")
	db := must(Open(ctx, path))
	if err := db.UseKeyFile(ctx, keyPath); err != nil {
		t.Fatal(err)
	}
	raws := map[int64][]byte{}
	for i, raw := range [][]byte{[]byte("Subject: a\r\n\r\nfirst"), bigValue(2*chunkSize + 7)} {
		in := inbound(string(rune('a'+i))+"@x", string(raw), uint32(i+1))
		in.Attachments = []Attachment{{Filename: "f.txt", Verdict: VerdictAccepted, Data: raw[:min(len(raw), 100)]}}
		res := must(db.Ingest(ctx, in, ack))
		raws[must(db.Messages(ctx, res.Ticket.ID))[0].ID] = raw
	}
	before := dumpSealed(t, db)
	r, err := db.RotateKeyFile(ctx, keyPath, "cli:root")
	if err != nil {
		t.Fatal(err)
	}
	newKey := must(ReadKey(keyPath))
	if r.Old != KeyFingerprint(oldKey) || r.New != KeyFingerprint(newKey) || r.Old == r.New {
		t.Errorf("Rotation = %+v; want the old key's fingerprint and the new file's", r)
	}
	if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the new key file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if _, err := os.Stat(keyPath + ".new"); !os.IsNotExist(err) {
		t.Errorf("%s.new is left: %v", keyPath, err)
	}
	if after := dumpSealed(t, db); after != before {
		t.Error("rotation wrote sealed rows again")
	}
	evs := must(eventsOfNoTicket(ctx, db))
	if last := evs[len(evs)-1]; last.Action != "keys.rotated" || last.Actor != "cli:root" ||
		!strings.Contains(last.Detail, r.Old) || !strings.Contains(last.Detail, r.New) {
		t.Errorf("last event = %+v; want keys.rotated with both fingerprints", last)
	}
	// The store keeps working in the process that rotated.
	if _, err := db.Ingest(ctx, inbound("c@x", "third", 3), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = must(Open(ctx, path))
	defer db.Close()
	if err := db.Unlock(ctx, oldKey); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Unlock with the old key = %v, want ErrWrongKey", err)
	}
	if err := db.UseKeyFile(ctx, keyPath); err != nil {
		t.Fatal(err)
	}
	for id, want := range raws {
		if got, err := db.Raw(ctx, id); err != nil || !bytes.Equal(got, want) {
			t.Errorf("letter %d with the new key: %d bytes, %v", id, len(got), err)
		}
	}
	if page, err := db.FindTickets(ctx, TicketFilter{Search: "ivan@example.ru"}); err != nil || page.Total != 3 {
		t.Errorf("search after rotation = %d tickets, %v; want the index still valid", page.Total, err)
	}
}

// dumpSealed returns the sealed values of letters, pieces and files.
func dumpSealed(t *testing.T, db *DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{"SELECT raw FROM messages ORDER BY id", "SELECT data FROM chunks ORDER BY owner, seq",
		"SELECT data FROM blobs ORDER BY sha256", "SELECT sealed_fields FROM tickets ORDER BY id"} {
		rows, err := db.sql.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v []byte
			rows.Scan(&v)
			b.WriteString(hex.EncodeToString(v) + "\n")
		}
		rows.Close()
	}
	return b.String()
}

// eventsOfNoTicket returns the events of no ticket, oldest first.
func eventsOfNoTicket(ctx context.Context, db *DB) ([]Event, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE ticket_id IS NULL ORDER BY id")
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// TestRotationStopped stops a rotation at each step: before the store
// takes the new key (the old file still serves; the new file left is
// harmless), and after it took it but before the file was put in place
// (the start says to move it, and then works).
func TestRotationStopped(t *testing.T) {
	ctx := context.Background()
	crash := errors.New("killed")
	for _, tt := range []struct {
		name        string
		afterCommit bool
	}{{"before the commit", false}, {"between the commit and the rename", true}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPath, oldKey := newKeyFile(t, dir)
			path := filepath.Join(dir, "ticketd.db")
			db := must(Open(ctx, path))
			if err := db.UseKeyFile(ctx, keyPath); err != nil {
				t.Fatal(err)
			}
			res := must(db.Ingest(ctx, inbound("a@x", "the letter", 1), nil))
			if tt.afterCommit {
				if _, err := db.rotateKeyFile(ctx, keyPath, "cli:root", func() error { return crash }); !errors.Is(err, crash) {
					t.Fatalf("rotation = %v, want it stopped", err)
				}
			} else {
				writeFile(t, keyPath+".new", NewKey()+"\n") // written, not committed
			}
			db.Close()

			db = must(Open(ctx, path))
			defer db.Close()
			err := db.UseKeyFile(ctx, keyPath)
			if !tt.afterCommit {
				if err != nil {
					t.Fatalf("start with the old key after a rotation stopped before its commit: %v", err)
				}
				if _, err := db.RotateKeyFile(ctx, keyPath, "cli:root"); err != nil {
					t.Fatalf("a second rotation: %v", err)
				}
				return
			}
			for _, want := range []string{"store.key_file does not open this store's data key", keyPath + ".new does open it",
				"mv " + keyPath + ".new " + keyPath} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("start after a rotation stopped before the rename = %v; want it to say %q", err, want)
				}
			}
			if !errors.Is(err, ErrWrongKey) {
				t.Errorf("error = %v, want ErrWrongKey", err)
			}
			if !bytes.Equal(must(ReadKey(keyPath)), oldKey) {
				t.Fatal("the key file changed")
			}
			if err := os.Rename(keyPath+".new", keyPath); err != nil {
				t.Fatal(err)
			}
			if err := db.UseKeyFile(ctx, keyPath); err != nil {
				t.Fatalf("start after moving the new key into place: %v", err)
			}
			ms := must(db.Messages(ctx, res.Ticket.ID))
			if raw, err := db.Raw(ctx, ms[0].ID); err != nil || string(raw) != "the letter" {
				t.Errorf("the letter after the rotation = %q, %v", raw, err)
			}
		})
	}
}

// TestRotateRefusesAnotherKeyFile checks that RotateKeyFile rotates only
// the key file the store was opened with.
func TestRotateRefusesAnotherKeyFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath, _ := newKeyFile(t, dir)
	db := openTest(t)
	if _, err := db.RotateKeyFile(ctx, keyPath, "cli:root"); err == nil {
		t.Error("rotation of a store without a key succeeded")
	}
	if err := db.Unlock(ctx, testKey(7)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RotateKeyFile(ctx, keyPath, "cli:root"); err == nil || !strings.Contains(err.Error(), "is not the key the store was opened with") {
		t.Errorf("rotation of another key file = %v", err)
	}
	if _, err := os.Stat(keyPath + ".new"); !os.IsNotExist(err) {
		t.Errorf("a refused rotation left %s.new: %v", keyPath, err)
	}
}

// TestDurableTxSyncs checks that inDurableTx runs with synchronous(FULL)
// and leaves the connection as it was.
func TestDurableTxSyncs(t *testing.T) {
	sqliteOnly(t, "synchronous pragma per connection")
	ctx := context.Background()
	db := openTest(t)
	var during int
	if err := db.inDurableTx(ctx, func(tx conn) error {
		return tx.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&during)
	}); err != nil {
		t.Fatal(err)
	}
	if during != 2 {
		t.Errorf("synchronous in a durable transaction = %d, want 2 (FULL)", during)
	}
	// Every connection of the pool is back to NORMAL.
	conns := make([]*sql.Conn, 4)
	for i := range conns {
		conns[i] = must(db.sql.Conn(ctx))
		var v int
		conns[i].QueryRowContext(ctx, "PRAGMA synchronous").Scan(&v)
		if v != 1 {
			t.Errorf("connection %d: synchronous = %d, want 1 (NORMAL)", i, v)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// TestRotationsAtOnce runs two rotations of one key file at once, from two
// handles on the store as from two processes: one wins, the other stops
// without touching the files, and the key file opens the store.
func TestRotationsAtOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath, _ := newKeyFile(t, dir)
	path := filepath.Join(dir, "ticketd.db")
	var dbs []*DB
	for range 2 {
		db := must(Open(ctx, path))
		defer db.Close()
		if err := db.UseKeyFile(ctx, keyPath); err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	must(dbs[0].Ingest(ctx, inbound("a@x", "the letter", 1), nil))
	errs := make(chan error, 2)
	for _, db := range dbs {
		go func() {
			_, err := db.RotateKeyFile(ctx, keyPath, "cli:root")
			errs <- err
		}()
	}
	failed := 0
	for range 2 {
		if err := <-errs; err != nil {
			failed++
			t.Logf("the rotation that lost: %v", err)
		}
	}
	if failed != 1 {
		t.Errorf("%d of 2 rotations at once failed, want 1", failed)
	}
	if _, err := os.Stat(keyPath + ".new"); !os.IsNotExist(err) {
		t.Errorf("%s.new is left: %v", keyPath, err)
	}
	db := must(Open(ctx, path))
	defer db.Close()
	if err := db.UseKeyFile(ctx, keyPath); err != nil {
		t.Fatalf("the key file after two rotations at once: %v", err)
	}
	if raw, err := db.Raw(ctx, 1); err != nil || string(raw) != "the letter" {
		t.Errorf("the letter = %q, %v", raw, err)
	}
}
