package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// keysSecret is what the letters of TestKeysCommand say, and what must
// not be readable in the database once they are sealed.
const keysSecret = "Квасникова паспорт 4506 123456"

// TestKeysCommand files letters without a key, then sets one: every
// command refuses the store without it or with another; seal-existing
// seals the letters (none of their words stays in the file after
// -vacuum), rotate replaces the key file and the letters read with the
// new one; a rotation stopped before its file was put in place is named
// at the next start.
func TestKeysCommand(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.db")
	keyPath := filepath.Join(dir, "store.key")
	plainConfig := writeConfig(t, "[store]\npath = \""+dbPath+"\"\n")
	config := writeConfig(t, "[store]\npath = \""+dbPath+"\"\nkey_file = \""+keyPath+"\"\n")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	raws := map[string][]byte{}
	for i := range 3 {
		raw := []byte(fmt.Sprintf("From: citizen%d@example.ru\r\nSubject: %s %d\r\n\r\n%s, письмо %d\r\n", i, keysSecret, i, keysSecret, i))
		res, err := db.Ingest(ctx, store.Inbound{Raw: raw, MessageID: fmt.Sprintf("k%d@x", i), FromAddress: fmt.Sprintf("citizen%d@example.ru", i),
			FromName: keysSecret, Ticket: store.Ticket{Subject: keysSecret, CitizenName: keysSecret,
				CitizenAddress: fmt.Sprintf("citizen%d@example.ru", i), DueAt: time.Now()}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		raws[res.Ticket.Number] = raw
	}
	db.Close()

	if _, errb, code := run(t, "keys", "seal-existing", "-operator", "root", "-config", plainConfig); code != exitUsage ||
		!strings.Contains(errb, "store.key_file: not set") {
		t.Errorf("seal-existing without store.key_file: exit %d, %q", code, errb)
	}
	if err := os.WriteFile(keyPath, []byte(store.NewKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errb, code := run(t, "keys", "seal-existing", "-operator", "root", "-batch", "2", "-vacuum", "-config", config)
	if code != 0 {
		t.Fatalf("keys seal-existing: exit %d: %s %s", code, out, errb)
	}
	checkTerminalSafe(t, "keys seal-existing", out+errb)
	for _, want := range []string{"sealed 3 letters and 0 files", "3 tickets, 3 letters' senders and subjects", "database file rewritten",
		"search: store: the search index must be rebuilt (\"ticketd reindex\")"} {
		if !strings.Contains(out, want) {
			t.Errorf("seal-existing printed:\n%s\nwant %q", out, want)
		}
	}
	if !strings.Contains(errb, "sealing: 0 of 6 rows (0%)") || !strings.Contains(errb, "sealing: 6 of 6 rows (100%)") {
		t.Errorf("seal-existing's progress on stderr:\n%s\nwant the first and the last line", errb)
	}
	checkNotInFile(t, dbPath, keysSecret)

	// Without the key, or with another, no command opens the store.
	other := writeConfig(t, "[store]\npath = \""+dbPath+"\"\nkey_file = \""+filepath.Join(dir, "other.key")+"\"\n")
	if err := os.WriteFile(filepath.Join(dir, "other.key"), []byte(store.NewKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		config, want string
	}{
		{plainConfig, "the store is encrypted; set store.key_file"},
		{other, "store.key_file does not open this store's data key: it was sealed with key fingerprint"},
	} {
		for _, args := range [][]string{{"tickets"}, {"show", "TKT-000001", "-operator", "olga"}, {"users", "list"}, {"reindex"}} {
			if _, errb, code := run(t, append(args, "-config", c.config)...); code != exitFail || !strings.Contains(errb, c.want) {
				t.Errorf("%s with %s: exit %d, %q; want %q", args[0], filepath.Base(c.config), code, errb, c.want)
			}
		}
	}

	oldKey, _ := os.ReadFile(keyPath)
	out, errb, code = run(t, "keys", "rotate", "-operator", "root", "-config", config)
	if code != 0 {
		t.Fatalf("keys rotate: exit %d: %s %s", code, out, errb)
	}
	newKey, _ := os.ReadFile(keyPath)
	newFP := store.KeyFingerprint(must(store.ReadKey(keyPath)))
	if bytes.Equal(oldKey, newKey) || !strings.Contains(out, "new fingerprint: "+newFP) {
		t.Errorf("keys rotate printed:\n%s\nwant the new key's fingerprint %s", out, newFP)
	}
	db, err = openConfigured(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	for number, raw := range raws {
		tk, err := db.Ticket(ctx, number)
		if err != nil || tk.Subject != keysSecret || tk.CitizenName != keysSecret {
			t.Errorf("%s after rotation = %+v, %v", number, tk, err)
			continue
		}
		ms, err := db.Messages(ctx, tk.ID)
		if err != nil || ms[0].FromName != keysSecret {
			t.Errorf("letters of %s after rotation = %+v, %v", number, ms, err)
			continue
		}
		if got, err := db.Raw(ctx, ms[0].ID); err != nil || !bytes.Equal(got, raw) {
			t.Errorf("letter of %s after rotation = %q, %v; want the bytes filed", number, got, err)
		}
	}
	db.Close()
	out, _, _ = run(t, "show", "TKT-000001", "-json", "-config", config, "-operator", "olga")
	if !strings.Contains(out, `"subject": "`+keysSecret+`"`) || !strings.Contains(out, `"from_name": "`+keysSecret+`"`) {
		t.Errorf("show after rotation:\n%s\nwant the subject and sender opened", out)
	}

	// A rotation stopped between its commit and the rename: the new key is
	// in store.key_file.new, the old one in store.key_file.
	if err := os.WriteFile(keyPath+".new", newKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, oldKey, 0o600); err != nil {
		t.Fatal(err)
	}
	_, errb, code = run(t, "tickets", "-config", config)
	if code != exitFail || !strings.Contains(errb, "mv "+keyPath+".new "+keyPath) {
		t.Errorf("tickets after a stopped rotation: exit %d, %q; want it to say to move the new key into place", code, errb)
	}
	if err := os.Rename(keyPath+".new", keyPath); err != nil {
		t.Fatal(err)
	}
	if _, errb, code := run(t, "tickets", "-config", config); code != 0 {
		t.Errorf("tickets once the key is in place: exit %d, %s", code, errb)
	}

	for _, args := range [][]string{{"keys"}, {"keys", "frob"}, {"keys", "rotate", "-vacuum"}, {"keys", "seal-existing", "-batch", "0"}} {
		if _, errb, code := run(t, append(args, "-operator", "root", "-config", config)...); code != exitUsage {
			t.Errorf("%v: exit %d, %q; want a usage error", args, code, errb)
		}
	}
}

// checkNotInFile fails t when the database at path, or its write-ahead
// log, holds phrase.
func checkNotInFile(t *testing.T, path, phrase string) {
	t.Helper()
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(phrase)) {
			t.Errorf("%s holds %q in plain", f, phrase)
		}
	}
}

// must returns v, or panics with err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestProgress draws the bar on a terminal, at most ten times a second
// but the last, and prints lines every few seconds elsewhere.
func TestProgress(t *testing.T) {
	var tty, lines bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	p := &progress{tty: &tty, lines: &lines, what: "sealing", unit: "rows", start: clock, now: now}
	for done := int64(0); done <= 10; done++ {
		p.show(done, 10, ", "+mebibytes(done<<20)+" of letters and files")
		clock = clock.Add(30 * time.Millisecond)
	}
	p.done()
	draws := strings.Split(tty.String(), "\r")[1:]
	if len(draws) < 3 || len(draws) > 5 {
		t.Errorf("bar drawn %d times in 300 ms, want about 4:\n%q", len(draws), tty.String())
	}
	if last := draws[len(draws)-1]; last != "[==============================] sealing: 10 of 10 rows (100%), 10.0 MiB of letters and files, 0s\n" {
		t.Errorf("last bar = %q", last)
	}
	if lines.Len() != 0 {
		t.Errorf("lines printed with a terminal: %q", lines.String())
	}

	p = &progress{lines: &lines, what: "sealing", unit: "rows", start: clock, now: now}
	for done := int64(0); done <= 10; done++ {
		p.show(done, 10, "")
		clock = clock.Add(time.Second)
	}
	got := strings.Split(strings.TrimSuffix(lines.String(), "\n"), "\n")
	if len(got) != 3 || !strings.HasPrefix(got[0], "sealing: 0 of 10 rows (0%)") || !strings.HasPrefix(got[1], "sealing: 5 of 10") ||
		!strings.HasPrefix(got[2], "sealing: 10 of 10 rows (100%)") {
		t.Errorf("lines without a terminal:\n%s\nwant one every 5 s and the last", lines.String())
	}
	if b := bar(3, 10); b != "[=========>                    ]" {
		t.Errorf("bar(3, 10) = %q", b)
	}
}
