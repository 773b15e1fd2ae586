package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/internal/e2e"
	"github.com/ticketd/ticketd/store"
)

// auditRig is a store that "ticketd run" filed letters in, closed, with
// what the tamperings need to know of it.
type auditRig struct {
	bin, dbPath, config string
	before, head        store.Head // heads from "audit head", before and after the last event
	ids                 auditIDs
}

// auditIDs are the rows the tamperings change.
type auditIDs struct {
	event                 int64  // an event in the middle: the second ticket.created
	firstLetter           int64  // the first letter in, and its letter.stored event
	firstStored           int64  //
	fileLetter            int64  // the letter with files, and its first file
	fileLetterTicket      string //
	file                  string //
	lastLetter, lastStore int64  // the last letter stored, its letter.stored event and its ticket
	lastLetterTicket      string //
	raw                   []byte // the first letter's raw bytes
}

// tamperCase is one tampering: SQL to run on a copy of the store (made
// by sql from what is known of it), the -head to verify with, and what
// "ticketd audit verify" must say: exit status 1 and a message naming
// the right thing, or exit status 0 (want "").
type tamperCase struct {
	name string
	sql  func(ids auditIDs) string
	head func(r *auditRig) string
	want func(r *auditRig) string
}

// dropGuards is what an attacker with the file runs first: the triggers
// that refuse to change or delete events.
const dropGuards = "DROP TRIGGER events_no_update;\nDROP TRIGGER events_no_delete;\n"

func sqlBytes(b []byte) string { return "X'" + hex.EncodeToString(b) + "'" }

func sumHex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func tamperCases() []tamperCase {
	none := func(auditIDs) string { return "" }
	whole := func(*auditRig) string { return "" }
	headNow := func(r *auditRig) string { return r.head.String() }
	forged := func(ids auditIDs) []byte {
		return append(bytes.Clone(ids.raw), "P.S. Ответ не нужен.\r\n"...)
	}
	forgedFile := []byte("\x89PNG\r\n\x1a\nnot the screenshot the citizen sent")
	return []tamperCase{
		{name: "untouched", sql: none, want: whole},
		{name: "untouched with its head", sql: none, head: headNow, want: whole},
		{name: "untouched with an older head", sql: none, head: func(r *auditRig) string { return r.before.String() }, want: whole},
		{name: "event detail edited",
			sql: func(ids auditIDs) string {
				return dropGuards + fmt.Sprintf("UPDATE events SET detail = 'ticket opened by mistake' WHERE id = %d;", ids.event)
			},
			want: func(r *auditRig) string {
				ids := r.ids
				return fmt.Sprintf("event %d: its content does not match its hash", ids.event)
			}},
		{name: "middle event deleted",
			sql: func(ids auditIDs) string {
				return dropGuards + fmt.Sprintf("DELETE FROM events WHERE id = %d;", ids.event)
			},
			want: func(r *auditRig) string {
				ids := r.ids
				return fmt.Sprintf("event %d: is missing: it was removed", ids.event)
			}},
		{name: "two events swapped",
			sql: func(ids auditIDs) string {
				e := ids.event
				return dropGuards + fmt.Sprintf("UPDATE events SET id = -1 WHERE id = %d;\nUPDATE events SET id = %d WHERE id = %d;\nUPDATE events SET id = %d WHERE id = -1;",
					e, e, e+1, e+1)
			},
			want: func(r *auditRig) string {
				ids := r.ids
				return fmt.Sprintf("event %d: does not follow the event before it", ids.event)
			}},
		{name: "tail deleted, without a head",
			sql: func(ids auditIDs) string {
				return dropGuards + "DELETE FROM events WHERE id = (SELECT MAX(id) FROM events);"
			},
			want: whole}, // only a head written down before shows it
		{name: "tail deleted, with the head before",
			sql: func(ids auditIDs) string {
				return dropGuards + "DELETE FROM events WHERE id = (SELECT MAX(id) FROM events);"
			},
			head: headNow,
			want: func(r *auditRig) string {
				return fmt.Sprintf("head %d: the chain holds only %d events", r.head.Count, r.head.Count-1)
			}},
		{name: "letter bytes edited",
			sql: func(ids auditIDs) string {
				return fmt.Sprintf("UPDATE messages SET raw = %s WHERE id = %d;", sqlBytes(forged(ids)), ids.firstLetter)
			},
			want: func(r *auditRig) string {
				ids := r.ids
				return fmt.Sprintf("letter %d (TKT-000001): its bytes hash to", ids.firstLetter)
			}},
		{name: "letter bytes and raw_sha256 edited",
			sql: func(ids auditIDs) string {
				b := forged(ids)
				return fmt.Sprintf("UPDATE messages SET raw = %s, raw_sha256 = '%s', size = %d WHERE id = %d;", sqlBytes(b), sumHex(b), len(b), ids.firstLetter)
			},
			want: func(r *auditRig) string {
				ids := r.ids
				return fmt.Sprintf("letter %d (TKT-000001): its raw_sha256 is %s, but the chain", ids.firstLetter, sumHex(forged(ids)))
			}},
		{name: "attachment replaced, content and key",
			sql: func(ids auditIDs) string {
				sum := sumHex(forgedFile)
				return fmt.Sprintf("INSERT INTO blobs (sha256, size, data) VALUES ('%s', %d, %s);\n", sum, len(forgedFile), sqlBytes(forgedFile)) +
					fmt.Sprintf("UPDATE attachments SET sha256 = '%s' WHERE sha256 = '%s';\n", sum, ids.file) +
					fmt.Sprintf("DELETE FROM blobs WHERE sha256 = '%s';", ids.file)
			},
			want: func(r *auditRig) string {
				ids := r.ids
				return fmt.Sprintf("file %s (%s): is file 1 of letter %d in the chain", ids.file, ids.fileLetterTicket, ids.fileLetter)
			}},
		{name: "letter.stored event deleted",
			sql: func(ids auditIDs) string {
				return dropGuards + fmt.Sprintf("DELETE FROM events WHERE id = %d;", ids.firstStored)
			},
			want: func(r *auditRig) string { ids := r.ids; return fmt.Sprintf("event %d: is missing", ids.firstStored) }},
		{name: "letter.stored event deleted with the events after it",
			sql: func(ids auditIDs) string {
				return dropGuards + fmt.Sprintf("DELETE FROM events WHERE id >= %d;", ids.lastStore)
			},
			want: func(r *auditRig) string {
				ids := r.ids
				return fmt.Sprintf("letter %d (%s): is not in the chain", ids.lastLetter, ids.lastLetterTicket)
			}},
	}
}

// TestEndToEndTamper files letters with "ticketd run" against a real
// Dovecot and Mailpit, stops it, and changes copies of its database file
// each way the tamperings say, with the sqlite3 command-line tool and
// with SQL from Go: "ticketd audit verify" must exit with status 1 and
// name what was changed, or 0 for the untouched copy.
func TestEndToEndTamper(t *testing.T) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		e2e.Unavailable(t, "the sqlite3 command-line tool is not installed: apt-get install sqlite3 (\"make deps\" does)")
	}
	r := fileAndStop(t)
	for _, tc := range tamperCases() {
		for _, how := range []string{"sqlite3", "go"} {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				path, config := r.copyStore(t)
				if script := tc.sql(r.ids); script != "" {
					tamper(t, how, path, script)
				}
				args := []string{"audit", "verify", "-config", config}
				if tc.head != nil {
					args = append(args, "-head", tc.head(r))
				}
				out, errb, code := r.run(t, args...)
				want := tc.want(r)
				switch {
				case want == "" && code != 0:
					t.Errorf("audit verify: exit %d, want 0\n%s%s", code, out, errb)
				case want == "" && !strings.Contains(out, "whole: "):
					t.Errorf("audit verify printed %q, want a summary of a whole store", out)
				case want != "" && (code != 1 || !strings.Contains(errb, "ticketd audit verify: "+want)):
					t.Errorf("audit verify: exit %d\n%s%s\nwant exit 1 and %q", code, out, errb, want)
				case want != "":
					t.Logf("%s", strings.TrimSpace(errb))
				}
			})
		}
	}
}

// fileAndStop files three letters, one with files, with "ticketd run",
// stops it, and writes down the heads: at stop, and after one more event.
func fileAndStop(t *testing.T) *auditRig {
	s := startServers(t, "")
	r := &auditRig{bin: buildTicketd(t), dbPath: s.dbPath, config: s.config}
	d := startDaemon(t, r.bin, s)
	letters := sampleLetters(t)
	for _, name := range []string{"01-ru-access-loss.eml", "02-ru-status-request.eml", "03-ru-error-with-screenshot.eml"} {
		s.dovecot.Append(t, "INBOX", letters[name])
	}
	waitSettled(t, s, d, 3)
	if _, err := d.terminate(); err != nil {
		t.Fatalf("ticketd run: %v\n%s", err, d.logs())
	}
	logged := regexp.MustCompile(`msg="event chain head" head=(\d+:[0-9a-f]{64})`).FindAllStringSubmatch(d.logs(), -1)
	if len(logged) < 2 {
		t.Fatalf("ticketd run logged %d heads, want one at start and one at stop:\n%s", len(logged), d.logs())
	}
	r.before = r.auditHead(t)
	if last := logged[len(logged)-1][1]; last != r.before.String() {
		t.Errorf("the head logged at stop is %s; audit head says %s", last, r.before)
	}
	if _, errb, code := r.run(t, "status", "TKT-000001", "in_progress", "-operator", "olga", "-config", r.config); code != 0 {
		t.Fatalf("status: exit %d: %s", code, errb)
	}
	r.head = r.auditHead(t)
	if r.head.Count != r.before.Count+1 {
		t.Fatalf("head after a status change = %v, want one event more than %v", r.head, r.before)
	}
	r.ids = readAuditIDs(t, r.dbPath)
	return r
}

// auditHead runs "ticketd audit head".
func (r *auditRig) auditHead(t *testing.T) store.Head {
	t.Helper()
	out, errb, code := r.run(t, "audit", "head", "-config", r.config)
	fields := strings.Fields(out)
	if code != 0 || len(fields) != 2 {
		t.Fatalf("audit head: exit %d, %q %q", code, out, errb)
	}
	h, err := store.ParseHead(fields[0])
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// run runs the ticketd binary.
func (r *auditRig) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(r.bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("ticketd %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// readAuditIDs finds the rows the tamperings change.
func readAuditIDs(t *testing.T, path string) auditIDs {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids auditIDs
	for _, q := range []struct {
		query string
		dest  []any
	}{
		{"SELECT id FROM events WHERE action = 'ticket.created' ORDER BY id LIMIT 1 OFFSET 1", []any{&ids.event}},
		{"SELECT m.id, e.id, m.raw FROM messages m JOIN events e ON e.message_id = m.id WHERE m.direction = 'in' ORDER BY m.id LIMIT 1",
			[]any{&ids.firstLetter, &ids.firstStored, &ids.raw}},
		{`SELECT m.id, t.number, a.sha256 FROM attachments a JOIN messages m ON m.id = a.message_id JOIN tickets t ON t.id = m.ticket_id
			ORDER BY a.id LIMIT 1`, []any{&ids.fileLetter, &ids.fileLetterTicket, &ids.file}},
		{`SELECT e.message_id, e.id, t.number FROM events e JOIN tickets t ON t.id = e.ticket_id
			WHERE e.action = 'letter.stored' ORDER BY e.id DESC LIMIT 1`, []any{&ids.lastLetter, &ids.lastStore, &ids.lastLetterTicket}},
	} {
		if err := db.QueryRow(q.query).Scan(q.dest...); err != nil {
			t.Fatalf("%s: %v", q.query, err)
		}
	}
	if ids.firstStored == ids.lastStore || ids.event+1 >= ids.lastStore {
		t.Fatalf("the store is too small to tamper with: %+v", ids)
	}
	return ids
}

// copyStore copies the database file, and the configuration pointing at
// the copy.
func (r *auditRig) copyStore(t *testing.T) (path, config string) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, "ticketd.db")
	for _, suffix := range []string{"", "-wal"} {
		if err := copyIfExists(r.dbPath+suffix, path+suffix); err != nil {
			t.Fatal(err)
		}
	}
	conf, err := os.ReadFile(r.config)
	if err != nil {
		t.Fatal(err)
	}
	from, to := fmt.Sprintf("path = %q", r.dbPath), fmt.Sprintf("path = %q", path)
	if !bytes.Contains(conf, []byte(from)) {
		t.Fatalf("the configuration has no %s", from)
	}
	config = filepath.Join(dir, "ticketd.toml")
	if err := os.WriteFile(config, bytes.Replace(conf, []byte(from), []byte(to), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, config
}

func copyIfExists(from, to string) error {
	in, err := os.Open(from)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// tamper runs script on the database at path: with the sqlite3
// command-line tool, or with database/sql and the driver ticketd uses.
func tamper(t *testing.T, how, path, script string) {
	t.Helper()
	if how == "sqlite3" {
		cmd := exec.Command("sqlite3", "-bail", path)
		cmd.Stdin = strings.NewReader(script + "\n")
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Fatalf("sqlite3: %v\n%s\n%s", err, out, script)
		}
		return
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(script); err != nil {
		t.Fatalf("%v\n%s", err, script)
	}
}
