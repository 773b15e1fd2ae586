package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/store"
)

// servers is a real Dovecot and a real Mailpit with a ticketd configuration
// pointing at them.
type servers struct {
	dovecot *mailtest.Dovecot
	mailpit *mailtest.Mailpit
	config  string
	dbPath  string
}

func startServers(t *testing.T, extra string) *servers {
	t.Helper()
	s := &servers{dovecot: mailtest.StartDovecot(t), mailpit: mailtest.StartMailpit(t)}
	s.configure(t, s.dovecot.Username, s.dovecot.Password, "Служба поддержки <support@ticketd.test>", extra)
	return s
}

// startServersSharing is a second ticketd on the same servers, reading the
// mailbox of another Dovecot user.
func startServersSharing(t *testing.T, other *servers, user, password, from string) *servers {
	t.Helper()
	other.dovecot.AddUser(t, user, password)
	s := &servers{dovecot: other.dovecot, mailpit: other.mailpit}
	s.configure(t, user, password, from, "")
	return s
}

func (s *servers) configure(t *testing.T, user, password, from, extra string) {
	t.Helper()
	dir := t.TempDir()
	s.dbPath = filepath.Join(dir, "ticketd.db")
	s.config = filepath.Join(dir, "ticketd.toml")
	pw := filepath.Join(dir, "imap.password")
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`
[imap]
address = %q
tls = "none"
username = %q
password_file = %q
poll_interval = "1s"
%s
[smtp]
address = %q
tls = "none"
from = %q

[console]
address = ""

[store]
path = %q
`, s.dovecot.Addr, user, pw, extra, s.mailpit.SMTPAddr, from, s.dbPath)
	if err := os.WriteFile(s.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

// addConfig appends TOML to the configuration, whose last section is
// [store].
func (s *servers) addConfig(t *testing.T, toml string) {
	t.Helper()
	b, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, toml...)
	if err := os.WriteFile(s.config, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (s *servers) ticketd(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "-config", s.config)
	code := Main(context.Background(), args, &out, &errb)
	if strings.Contains(errb.String(), s.dovecot.Password) {
		t.Errorf("ticketd %s logged the IMAP password", args[0])
	}
	if testing.Verbose() {
		t.Logf("ticketd %s:\n%s", strings.Join(args, " "), errb.String())
	}
	if code != 0 {
		t.Fatalf("ticketd %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

func sampleLetters(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "mail", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample letters: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

func TestEndToEndDovecotMailpit(t *testing.T) {
	s := startServers(t, "")
	key := filepath.Join(t.TempDir(), "store.key")
	if err := os.WriteFile(key, []byte(store.NewKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.addConfig(t, fmt.Sprintf("key_file = %q\n", key)) // the configuration ends in [store]
	letters := sampleLetters(t)
	for _, name := range sortedKeys(letters) {
		s.dovecot.Append(t, "INBOX", letters[name])
	}
	s.ticketd(t, "run", "-once")

	// Every letter written by a person is acknowledged once, to its sender.
	want := map[string]string{ // recipient → what the acknowledgement must say
		"ivan.petrov@example.ru": "в течение 12 часов",
		"m.sidorova@example.ru":  "в течение 24 часов",
		"oleg.k@example.ru":      "error.png",
		"john.smith@example.com": "within 12 hours",
		"n.ivanov@example.ru":    "в течение 24 часов",
		"anna@example.ru":        "в течение 24 часов",
	}
	msgs := s.mailpit.WaitMessages(t, len(want), 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	msgs = s.mailpit.Messages(t)
	if len(msgs) != len(want) {
		t.Fatalf("Mailpit caught %d letters, want %d (one per citizen, none for the auto-reply)", len(msgs), len(want))
	}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Errorf("acknowledgement %q has recipients %v, want one", m.Subject, m.To)
			continue
		}
		to := m.To[0].Address
		phrase, ok := want[to]
		if !ok {
			t.Errorf("unexpected acknowledgement to %s: %q", to, m.Subject)
			continue
		}
		delete(want, to)
		if !strings.HasPrefix(m.Subject, "[TKT-") {
			t.Errorf("subject %q lacks the ticket number", m.Subject)
		}
		l, err := mailparse.Parse(s.mailpit.Raw(t, m.ID), nil)
		if err != nil {
			t.Fatalf("parse acknowledgement to %s: %v", to, err)
		}
		if !strings.Contains(l.Text, phrase) {
			t.Errorf("acknowledgement to %s lacks %q:\n%s", to, phrase, l.Text)
		}
		number := strings.TrimPrefix(strings.SplitN(m.Subject, "]", 2)[0], "[")
		if !strings.Contains(l.Text, number) {
			t.Errorf("acknowledgement to %s does not name ticket %s", to, number)
		}
		if l.Auto != mailparse.AutoReply {
			t.Errorf("acknowledgement to %s is not marked Auto-Submitted: auto-replied (Auto = %q)", to, l.Auto)
		}
		if len(l.InReplyTo) == 0 && to != "anna@example.ru" {
			t.Errorf("acknowledgement to %s has no In-Reply-To", to)
		}
	}
	for to := range want {
		t.Errorf("no acknowledgement to %s", to)
	}
	if total, unseen := s.dovecot.Count(t, "INBOX"); total != len(letters) || unseen != 0 {
		t.Errorf("INBOX after the run: %d letters, %d unseen; want %d, 0", total, unseen, len(letters))
	}

	// The auditor's view: every letter is a ticket, the rejected file is kept.
	var tickets []store.Ticket
	if err := json.Unmarshal([]byte(s.ticketd(t, "tickets", "-json")), &tickets); err != nil {
		t.Fatal(err)
	}
	if len(tickets) != len(letters) {
		t.Fatalf("tickets = %d, want %d", len(tickets), len(letters))
	}
	shown := s.ticketd(t, "show", "TKT-000003", "-json", "-operator", "e2e")
	for _, part := range []string{`"direction": "in"`, `"direction": "out"`, `"template": "ack"`, `"verdict": "rejected"`, `"filename": "screenshot.png"`} {
		if !strings.Contains(shown, part) {
			t.Errorf("show TKT-000003 lacks %s:\n%s", part, shown)
		}
	}

	// With store.key_file set, no letter is readable in the database file.
	db, err := os.ReadFile(s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, phrase := range []string{"неверный пароль", "Восстановление по СМС"} { // from a letter's body
		if bytes.Contains(db, []byte(phrase)) {
			t.Errorf("the database file holds %q in plain text", phrase)
		}
	}

	// A second run finds nothing new and sends nothing.
	s.dovecot.Append(t, "INBOX", letters["01-ru-access-loss.eml"]) // the same letter delivered again
	s.ticketd(t, "run", "-once")
	time.Sleep(500 * time.Millisecond)
	if got := len(s.mailpit.Messages(t)); got != len(msgs) {
		t.Errorf("after a second run Mailpit has %d letters, want still %d", got, len(msgs))
	}
	if err := json.Unmarshal([]byte(s.ticketd(t, "tickets", "-json")), &tickets); err != nil {
		t.Fatal(err)
	}
	if len(tickets) != len(letters) {
		t.Errorf("after a second run tickets = %d, want still %d", len(tickets), len(letters))
	}
}

func TestEndToEndMoveToProcessedFolder(t *testing.T) {
	s := startServers(t, `processed_mailbox = "Processed"`)
	letters := sampleLetters(t)
	for _, name := range sortedKeys(letters) {
		s.dovecot.Append(t, "INBOX", letters[name])
	}
	s.dovecot.Append(t, "Processed", letters["02-ru-status-request.eml"]) // creates the folder
	s.ticketd(t, "run", "-once")
	if total, _ := s.dovecot.Count(t, "INBOX"); total != 0 {
		t.Errorf("INBOX keeps %d letters after the run, want 0", total)
	}
	if total, _ := s.dovecot.Count(t, "Processed"); total != len(letters)+1 {
		t.Errorf("Processed has %d letters, want %d", total, len(letters)+1)
	}
}

func sortedKeys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
}
