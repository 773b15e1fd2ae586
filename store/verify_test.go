package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tamperKey seals the sealed variant of the tamper tests' store.
const tamperKey = "0123456789abcdef0123456789abcdef"

// tamperBase is a store to tamper with: its file, closed, and what the
// tampering and its expected findings need to know of it.
type tamperBase struct {
	path   string
	key    []byte // nil: not sealed
	head   Head   // after everything was stored
	before Head   // before the last two events (a status change and a read)
	// letters by role: the first letter (two files, one with a thumbnail
	// and a display copy), the large one in pieces, the last letter
	// stored (a follow-up, whose letter.stored event is the last one).
	first, big, last int64
	firstFiles       []string // the first letter's files' SHA-256s
	thumb            string   // the thumbnail of its first file
	storedFirst      int64    // the letter.stored event of the first letter
	storedLast       int64    // ... of the last letter
}

// buildTamperBase stores three tickets' letters, files, answers and a few
// operators' actions in a new store, sealed with key when it is not nil.
func buildTamperBase(t *testing.T, key []byte) *tamperBase {
	t.Helper()
	ctx := context.Background()
	b := &tamperBase{path: testLocation(t, "base.db"), key: key}
	db, err := Open(ctx, b.path)
	if err != nil {
		t.Fatal(err)
	}
	if key != nil {
		if err := db.UseKey(key); err != nil {
			t.Fatal(err)
		}
	}
	first := inbound("first@citizen", "Subject: scans\r\n\r\nplease see the scans", 1)
	first.Attachments = []Attachment{
		{Filename: "scan.png", Verdict: VerdictAccepted, Data: []byte("png bytes"), Thumbnail: []byte("thumb bytes"),
			Display: [][]byte{[]byte("display "), []byte("bytes")}},
		{Filename: "form.pdf", Verdict: VerdictAccepted, Data: []byte("pdf bytes")},
	}
	res1 := must(db.Ingest(ctx, first, ack))
	must(db.Ingest(ctx, inbound("big@citizen", string(bigValue(2*chunkSize+5)), 2), ack))
	follow := inbound("again@citizen", "Subject: again\r\n\r\nany news?", 3)
	follow.TicketID, follow.Reopen = res1.Ticket.ID, true
	must(db.Ingest(ctx, follow, nil))
	b.before = must(db.ChainHead(ctx))
	tk := must(db.Ticket(ctx, res1.Ticket.Number))
	if err := db.SetStatus(ctx, tk.Number, tk.Version, StatusInProgress, "operator:olga"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordRead(ctx, Read{TicketID: tk.ID, Actor: "operator:olga", What: ReadTicket}); err != nil {
		t.Fatal(err)
	}
	b.head = must(db.ChainHead(ctx))
	q := func(query string, dest ...any) {
		t.Helper()
		if err := db.sql.QueryRow(query).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	q("SELECT MIN(id), MAX(id) FROM messages WHERE direction = 'in'", &b.first, &b.last)
	q("SELECT id FROM messages WHERE chunks > 0", &b.big)
	q("SELECT id FROM events WHERE message_id = "+strconv.FormatInt(b.first, 10), &b.storedFirst)
	q("SELECT id FROM events WHERE message_id = "+strconv.FormatInt(b.last, 10), &b.storedLast)
	q("SELECT thumbnail_sha256 FROM attachments WHERE thumbnail_sha256 IS NOT NULL", &b.thumb)
	for _, a := range first.Attachments {
		b.firstFiles = append(b.firstFiles, sha256Hex(a.Data))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return b
}

// copyFile copies the store's file, closed, to a new one.
func copyFile(t *testing.T, from string) string {
	t.Helper()
	if onPostgres() {
		to, err := testPostgres.cluster.CopyDatabase(t.Context(), from)
		if err != nil {
			t.Fatal(err)
		}
		return to
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return to
}

// tampering changes a store as someone with its file might, with plain
// SQL, and says what VerifyChain must name: kind and id ("" when it must
// find nothing without a head).
type tampering struct {
	name   string
	change func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string)
	// head is the head VerifyChain is given; nil: none.
	head func(b *tamperBase) *Head
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// dropGuards drops the triggers that refuse changes to events, as anyone
// with the file can.
func dropGuards(t *testing.T, db *sql.DB) {
	if onPostgres() {
		mustExec(t, db, "DROP TRIGGER events_no_update ON events; DROP TRIGGER events_no_delete ON events")
		return
	}
	mustExec(t, db, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete")
}

// relink computes every event's hash again, in order, as someone who
// knows how the chain is made would after changing an event.
func relink(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query("SELECT " + chainColumns + " FROM events ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var es []ChainEvent
	for rows.Next() {
		es = append(es, must(scanChainEvent(rows)))
	}
	rows.Close()
	prev := genesis
	for _, e := range es {
		e.PrevHash, e.Hash = prev, EventHash(prev, e)
		mustExec(t, db, "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", e.PrevHash, e.Hash, e.ID)
		prev = e.Hash
	}
}

func tamperings() []tampering {
	headNow := func(b *tamperBase) *Head { return &b.head }
	return []tampering{
		{name: "untouched", change: func(*testing.T, *sql.DB, *tamperBase) (TamperKind, string) { return "", "" }},
		{name: "untouched with its head", head: headNow,
			change: func(*testing.T, *sql.DB, *tamperBase) (TamperKind, string) { return "", "" }},
		{name: "untouched with an older head", head: func(b *tamperBase) *Head { return &b.before },
			change: func(*testing.T, *sql.DB, *tamperBase) (TamperKind, string) { return "", "" }},
		{name: "event detail edited", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "UPDATE events SET detail = 'nothing happened' WHERE id = 2")
			return TamperEvent, "2"
		}},
		{name: "event actor edited", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "UPDATE events SET actor = 'operator:nobody' WHERE id = ?", b.head.Count)
			return TamperEvent, id(b.head.Count)
		}},
		{name: "middle event deleted", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "DELETE FROM events WHERE id = 4")
			return TamperEvent, "4"
		}},
		{name: "first events deleted", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "DELETE FROM events WHERE id <= 2")
			return TamperEvent, "1"
		}},
		{name: "two events swapped", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "UPDATE events SET id = -1 WHERE id = 3; UPDATE events SET id = 3 WHERE id = 4; UPDATE events SET id = 4 WHERE id = -1")
			return TamperEvent, "3"
		}},
		{name: "tail deleted, no head", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "DELETE FROM events WHERE id > ?", b.before.Count)
			return "", ""
		}},
		{name: "tail deleted, head", head: headNow, change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "DELETE FROM events WHERE id > ?", b.before.Count)
			return TamperHead, id(b.head.Count)
		}},
		{name: "event edited and chain relinked, no head", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "UPDATE events SET detail = 'nothing happened' WHERE id = 2")
			relink(t, db)
			return "", ""
		}},
		{name: "event edited and chain relinked, head", head: headNow, change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "UPDATE events SET detail = 'nothing happened' WHERE id = 2")
			relink(t, db)
			return TamperHead, id(b.head.Count)
		}},
		{name: "unlinked event appended", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "INSERT INTO events (id, ticket_id, at, actor, action) SELECT MAX(id) + 1, 1, 0, 'operator:olga', 'ticket.status' FROM events")
			return TamperEvent, id(b.head.Count + 1)
		}},
		{name: "letter bytes edited", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "UPDATE messages SET raw = ? WHERE id = ?", []byte("Subject: scans\r\n\r\nforged"), b.first)
			return TamperLetter, id(b.first)
		}},
		{name: "letter bytes and raw_sha256 edited", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			forged := []byte("Subject: scans\r\n\r\nforged")
			mustExec(t, db, "UPDATE messages SET raw = ?, raw_sha256 = ?, sealed = 0 WHERE id = ?", forged, sha256Hex(forged), b.first)
			return TamperLetter, id(b.first)
		}},
		{name: "piece of a large letter edited", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "UPDATE chunks SET data = ? || substr(data, 7) WHERE owner = ? AND seq = 1", []byte("forged"), messageOwner(b.big))
			return TamperLetter, id(b.big)
		}},
		{name: "piece of a large letter deleted", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "DELETE FROM chunks WHERE owner = ? AND seq = 2", messageOwner(b.big))
			return TamperLetter, id(b.big)
		}},
		{name: "letter moved to another ticket", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "UPDATE messages SET ticket_id = 2 WHERE id = ?", b.last)
			return TamperLetter, id(b.last)
		}},
		{name: "letter deleted", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "DELETE FROM messages WHERE id = ?", b.last)
			return TamperLetter, id(b.last)
		}},
		{name: "letter added", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			forged := []byte("Subject: forged\r\n\r\nforged")
			mustExec(t, db, `INSERT INTO messages (id, ticket_id, direction, dedupe_key, size, raw_sha256, raw, created_at)
				VALUES (100, 2, 'in', 'forged', ?, ?, ?, 0)`, len(forged), sha256Hex(forged), forged)
			return TamperLetter, "100"
		}},
		{name: "letter.stored event of a middle letter deleted", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "DELETE FROM events WHERE id = ?", b.storedFirst)
			return TamperEvent, id(b.storedFirst)
		}},
		{name: "letter.stored event of the last letter deleted", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			dropGuards(t, db)
			mustExec(t, db, "DELETE FROM events WHERE id >= ?", b.storedLast)
			return TamperLetter, id(b.last)
		}},
		{name: "file content edited", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "UPDATE blobs SET data = ? WHERE sha256 = ?", []byte("forged"), b.firstFiles[1])
			return TamperFile, b.firstFiles[1]
		}},
		{name: "file replaced, content and key", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			forged := []byte("forged pdf")
			mustExec(t, db, "INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?)", sha256Hex(forged), len(forged), forged)
			mustExec(t, db, "UPDATE attachments SET sha256 = ? WHERE sha256 = ?", sha256Hex(forged), b.firstFiles[1])
			mustExec(t, db, "DELETE FROM blobs WHERE sha256 = ?", b.firstFiles[1])
			return TamperFile, b.firstFiles[1]
		}},
		{name: "file deleted", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "DELETE FROM blobs WHERE sha256 = ?", b.firstFiles[0])
			return TamperFile, b.firstFiles[0]
		}},
		{name: "file added to a letter", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "INSERT INTO attachments (message_id, filename, size, sha256, verdict) VALUES (?, 'x.pdf', 9, ?, 'accepted')",
				b.first, b.firstFiles[1])
			return TamperFile, b.firstFiles[1]
		}},
		{name: "thumbnail edited", change: func(t *testing.T, db *sql.DB, b *tamperBase) (TamperKind, string) {
			mustExec(t, db, "UPDATE blobs SET data = ?, sealed = 0 WHERE sha256 = ?", []byte("forged"), b.thumb)
			return TamperFile, b.thumb
		}},
	}
}

// TestVerifyChainFindsTampering changes a store each way someone with its
// file might, on a copy each, plain and sealed, and checks that
// VerifyChain names what was changed.
func TestVerifyChainFindsTampering(t *testing.T) {
	ctx := context.Background()
	for _, key := range []string{"", tamperKey} {
		name := "plain"
		var k []byte
		if key != "" {
			name, k = "sealed", []byte(key)
		}
		base := buildTamperBase(t, k)
		for _, tc := range tamperings() {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				path := copyFile(t, base.path)
				raw, err := sql.Open("sqlite", path)
				if onPostgres() {
					// Someone with the database's superuser turns its
					// foreign keys and triggers off, as SQLite's file
					// opened without foreign_keys has them.
					if raw, err = openPGX(path); err == nil {
						raw.SetMaxOpenConns(1)
						_, err = raw.Exec("SET session_replication_role = replica")
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				kind, what := tc.change(t, raw, base)
				if err := raw.Close(); err != nil {
					t.Fatal(err)
				}
				db, err := OpenReadOnly(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if k != nil {
					if err := db.UseKey(k); err != nil {
						t.Fatal(err)
					}
				}
				var opts VerifyOptions
				if tc.head != nil {
					opts.Head = tc.head(base)
				}
				rep, err := db.VerifyChain(ctx, opts)
				var te *TamperError
				switch {
				case kind == "" && err != nil:
					t.Fatalf("VerifyChain = %v, want no mismatch", err)
				case kind == "":
					if rep.Letters != 5 || rep.Files != 4 || rep.Events == 0 {
						t.Errorf("VerifyChain report = %+v, want 5 letters, 4 files and the events", rep)
					}
				case !errors.As(err, &te):
					t.Fatalf("VerifyChain = %v (%+v), want a TamperError naming %s %s", err, rep, kind, what)
				case te.Kind != kind || te.ID != what:
					t.Errorf("VerifyChain = %v, want it to name %s %s", err, kind, what)
				default:
					t.Logf("%v", err)
				}
			})
		}
	}
}

// TestVerifyChainReport checks the counts of a whole store, the head it
// ends at, and the progress it reports.
func TestVerifyChainReport(t *testing.T) {
	ctx := context.Background()
	base := buildTamperBase(t, nil)
	db, err := OpenReadOnly(ctx, base.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var calls []string
	rep, err := db.VerifyChain(ctx, VerifyOptions{Progress: func(done, total int64) {
		calls = append(calls, fmt.Sprintf("%d/%d", done, total))
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != base.head.Count || rep.Head.String() != base.head.String() {
		t.Errorf("report %+v, want %d events ending at %v", rep, base.head.Count, base.head)
	}
	if rep.Letters != 5 || rep.Files != 4 || rep.LetterBytes < 2*chunkSize || rep.FileBytes != int64(len("png bytes")+len("thumb bytes")+len("display bytes")+len("pdf bytes")) {
		t.Errorf("report %+v, want 5 letters of over 2 MiB and 4 files", rep)
	}
	total := base.head.Count + 5 + 4
	if last := calls[len(calls)-1]; last != fmt.Sprintf("%d/%d", total, total) {
		t.Errorf("progress %v, want it to end at %d/%d", calls, total, total)
	}
}

// TestVerifyChainAfterErasedDetails erases a ticket's event details, as
// a purge does: the store still verifies whole.
func TestVerifyChainAfterErasedDetails(t *testing.T) {
	ctx := context.Background()
	base := buildTamperBase(t, nil)
	db, err := Open(ctx, base.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.inTx(ctx, func(tx conn) error { return eraseDetails(ctx, tx, 1) }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyChain(ctx, VerifyOptions{Head: &base.head}); err != nil {
		t.Errorf("VerifyChain after erasing details = %v, want a whole store", err)
	}
}

// TestVerifyChainWithoutKey checks that a sealed store read without its
// key is an error, not a mismatch.
func TestVerifyChainWithoutKey(t *testing.T) {
	base := buildTamperBase(t, []byte(tamperKey))
	db, err := OpenReadOnly(context.Background(), base.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.VerifyChain(context.Background(), VerifyOptions{})
	var te *TamperError
	if !errors.Is(err, ErrNoKey) || errors.As(err, &te) {
		t.Errorf("VerifyChain of a sealed store without its key = %v, want ErrNoKey", err)
	}
}

// TestOpenReadOnly checks that the store is neither created, changed nor
// upgraded.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, err := OpenReadOnly(ctx, missing); err == nil {
		t.Error("OpenReadOnly of a missing file succeeded")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("OpenReadOnly created the missing file")
	}
	old := filepath.Join(dir, "old.db")
	createAt(t, old, 11).Close()
	if _, err := OpenReadOnly(ctx, old); err == nil || !strings.Contains(err.Error(), "schema 11") {
		t.Errorf("OpenReadOnly of a store at schema 11 = %v, want it refused", err)
	}
	base := buildTamperBase(t, nil)
	db, err := OpenReadOnly(ctx, base.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.RecordRead(ctx, Read{TicketID: 1, Actor: "auditor", What: ReadTicket}); err == nil {
		t.Error("a store opened read-only took a write")
	}
	if h := must(db.ChainHead(ctx)); h.String() != base.head.String() {
		t.Errorf("ChainHead = %v, want %v", h, base.head)
	}
}
