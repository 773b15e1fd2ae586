package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// e2eKeysSecret is in every letter of TestEndToEndKeys: its sender's name,
// subject, text and file name. It must not be readable in the database
// once the letters are sealed.
const e2eKeysSecret = "Зоя Квасникова СНИЛС 112-233-445 95"

// keysLetter is letter i of TestEndToEndKeys, with CRLF line endings (as
// Dovecot serves letters, so that what was appended is what is served);
// with big, it carries a file of 1.5 MiB, so that the letter and the file
// are stored in pieces.
func keysLetter(i int, big bool) []byte {
	name := mimeWord(e2eKeysSecret)
	head := fmt.Sprintf("From: %s <keys%03d@example.ru>\r\nTo: support@ticketd.test\r\nSubject: %s, %d\r\n"+
		"Message-ID: <keys-%03d@example.ru>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0300\r\nMIME-Version: 1.0\r\n",
		name, i, mimeWord(e2eKeysSecret+", обращение"), i, i)
	text := fmt.Sprintf("Здравствуйте! Пишет %s, обращение %d. Прошу выдать справку.\r\n", e2eKeysSecret, i)
	if !big {
		return []byte(head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text)
	}
	file := append([]byte("%PDF-1.4\n% "+e2eKeysSecret+"\n"), bytes.Repeat([]byte(fmt.Sprintf("%d 0 obj << >> endobj\n", i)), 1<<17)...)
	file = file[:3<<19]
	var b64 strings.Builder
	enc := base64.StdEncoding.EncodeToString(file)
	for len(enc) > 76 {
		b64.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b64.WriteString(enc + "\r\n")
	return []byte(head + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text +
		"--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"" + mimeWord("Справка "+e2eKeysSecret+".pdf") + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + b64.String() + "--b1--\r\n")
}

// TestEndToEndKeys files letters from a real Dovecot without a key, then
// sets one and runs "ticketd run" as a process with it: seal-existing seals
// the old letters while the daemon files new ones, rotate replaces the key
// file while it runs, and a run after, with the new key file, files more.
// Every letter then reads back byte for byte as it was appended to
// Dovecot, and none of their words is in the database file.
func TestEndToEndKeys(t *testing.T) {
	s := startServers(t, "")
	var appended [][]byte
	deliver := func(from, to int) {
		t.Helper()
		var raws [][]byte
		for i := from; i <= to; i++ {
			raws = append(raws, keysLetter(i, i%4 == 1))
		}
		s.dovecot.AppendMany(t, "INBOX", raws)
		appended = append(appended, raws...)
	}

	// Without a key.
	deliver(1, 4)
	s.ticketd(t, "run", "-once")
	if db, err := os.ReadFile(s.dbPath); err != nil || !bytes.Contains(db, []byte("Справка "+e2eKeysSecret+".pdf")) {
		t.Fatalf("the store without a key does not hold the file's name in plain (%v): the last check would prove nothing", err)
	}

	// With a key: the daemon runs, and seal-existing seals the first
	// letters while it files more.
	keyPath := filepath.Join(t.TempDir(), "store.key")
	if err := os.WriteFile(keyPath, []byte(store.NewKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.addConfig(t, fmt.Sprintf("key_file = %q\n", keyPath)) // the configuration ends in [store]
	d := startDaemon(t, buildTicketd(t), s)
	deliver(5, 8)
	waitSettled(t, s, d, 8)
	if !strings.Contains(d.logs(), "ticketd keys seal-existing") {
		t.Errorf("the daemon did not say that rows stored before the key are plain:\n%s", d.logs())
	}
	deliver(9, 12)
	out := s.ticketd(t, "keys", "seal-existing", "-operator", "auditor", "-batch", "3")
	if !strings.Contains(out, "sealed 8 letters and") { // the 4 letters and their 4 acknowledgements
		t.Errorf("seal-existing printed:\n%s\nwant the 8 letters stored without the key", out)
	}
	waitSettled(t, s, d, 12)

	// Rotation while the daemon runs: it keeps the data key it holds.
	out = s.ticketd(t, "keys", "rotate", "-operator", "auditor")
	newFP := store.KeyFingerprint(must(store.ReadKey(keyPath)))
	if !strings.Contains(out, "new fingerprint: "+newFP) {
		t.Errorf("rotate printed:\n%s\nwant the new key file's fingerprint %s", out, newFP)
	}
	deliver(13, 14)
	waitSettled(t, s, d, 14)
	if _, err := d.terminate(); err != nil {
		t.Fatalf("ticketd run: %v\n%s", err, lastLines(d.logs(), 20))
	}

	// Started again, with the new key file.
	deliver(15, 17)
	s.ticketd(t, "run", "-once")
	if out := s.ticketd(t, "keys", "seal-existing", "-operator", "auditor", "-vacuum"); !strings.Contains(out, "sealed 0 letters") ||
		!strings.Contains(out, "database file rewritten") {
		t.Errorf("a second seal-existing printed:\n%s\nwant nothing sealed and the file rewritten", out)
	}

	// Every letter, byte for byte as appended, and as Dovecot serves it.
	served := map[string]bool{}
	for _, raw := range s.dovecot.Raw(t, "INBOX") {
		served[string(raw)] = true
	}
	ctx := context.Background()
	db, err := openConfigured(ctx, s.config)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[string]bool{}
	ts, err := allTickets(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if !strings.HasPrefix(tk.Subject, e2eKeysSecret) || !strings.HasPrefix(tk.CitizenName, "Зоя") {
			t.Errorf("%s: subject %q, citizen %q; want them opened", tk.Number, tk.Subject, tk.CitizenName)
		}
		ms, err := db.Messages(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Direction != store.DirectionIn {
				continue
			}
			raw, err := db.Raw(ctx, m.ID)
			if err != nil {
				t.Fatalf("letter %s of %s: %v", m.MessageID, tk.Number, err)
			}
			stored[string(raw)] = true
		}
	}
	if len(stored) != len(appended) {
		t.Errorf("%d letters stored, want the %d appended", len(stored), len(appended))
	}
	for i, raw := range appended {
		if !stored[string(raw)] {
			t.Errorf("letter %d (%d bytes) is not stored byte for byte", i+1, len(raw))
		}
		if !served[string(raw)] {
			t.Errorf("letter %d is not what Dovecot serves", i+1)
		}
	}
	db.Close()
	for _, phrase := range []string{e2eKeysSecret, "Прошу выдать справку", "Справка " + e2eKeysSecret} {
		checkNotInFile(t, s.dbPath, phrase)
	}
}
