package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	auditor "github.com/ticketd/ticketd/audit" // the test helper audit (faults_helpers_test.go) has the name
	"github.com/ticketd/ticketd/store"
)

// TestEndToEndExport is the export round trip: letters APPENDed to a real
// Dovecot (one with files, a follow-up, a second ticket from the same
// sender, another citizen's between them) are filed and answered by
// "ticketd run" through a real Mailpit into a sealed store; "ticketd
// export" of the ticket and of the sender passes "ticketd audit
// verify-export", and every letter in the archives is, byte for byte,
// what was APPENDed, or what Mailpit received.
func TestEndToEndExport(t *testing.T) {
	s := startServers(t, "")
	key := filepath.Join(t.TempDir(), "store.key")
	if err := os.WriteFile(key, []byte(store.NewKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.addConfig(t, fmt.Sprintf("key_file = %q\n", key))
	png := readFile(t, filepath.Join("..", "..", "attachments", "testdata", "screenshot.png"))
	pdf := readFile(t, filepath.Join("..", "..", "attachments", "testdata", "two-pages.pdf"))

	appended := map[string][]byte{} // by Message-ID
	deliver := func(id string, raw []byte) {
		appended[id] = raw
		s.dovecot.Append(t, "INBOX", raw)
	}
	const citizen = "Иван Петров <ivan@example.ru>"
	deliver("x1@example.ru", letterWithFiles(citizen, "Не могу подать заявление", "x1@example.ru",
		"Ошибка на шаге «Документы», скриншот и заявление прилагаю.",
		attachment("image/png", "screenshot.png", png), attachment("application/pdf", "../заявление.pdf", pdf)))
	deliver("o1@example.org", letterFrom("olga@example.org", "Другой вопрос", "o1@example.org", "Это письмо другого человека."))
	s.ticketd(t, "run", "-once")
	ack := s.letterTo(t, "ivan@example.ru", 2)
	// clientReply quotes the acknowledgement's text with bare line feeds,
	// which IMAP does not carry: Dovecot stores them as CRLF. A mail
	// client sends CRLF; so does this letter.
	follow := crlf(clientReply(citizen, "x2@example.ru", ack, "Номер лицевого счёта 1234567."))
	deliver("x2@example.ru", follow)
	deliver("x3@example.ru", letterFrom("Иван Петров <ivan@EXAMPLE.ru>", "Ещё вопрос", "x3@example.ru", "И ещё один вопрос."))
	s.ticketd(t, "run", "-once")
	s.ticketd(t, "reply", "TKT-000001", "-template", "instructions_sms", "-operator", "Анна")
	s.ticketd(t, "run", "-once")
	received := map[string][]byte{} // what Mailpit caught, by Message-ID
	for _, m := range s.mailpit.WaitMessages(t, 5, 30*time.Second) {
		received[m.MessageID] = withoutTrace(s.mailpit.Raw(t, m.ID))
	}
	if len(received) != 5 { // the acknowledgements of x1, o1, x2 and x3, and Анна's answer
		t.Fatalf("Mailpit caught %d letters, want 5", len(received))
	}

	dir := t.TempDir()
	one := filepath.Join(dir, "TKT-000001.zip")
	start := time.Now()
	out := s.ticketd(t, "export", "TKT-000001", "-o", one, "-operator", "auditor")
	took := time.Since(start)
	fi, err := os.Stat(one)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ticketd export TKT-000001: %d bytes in %v\n%s", fi.Size(), took.Round(time.Millisecond), out)
	m := checkExport(t, one, appended, received)
	if len(m.Tickets) != 1 || len(m.Tickets[0].Letters) != 5 {
		t.Fatalf("export of TKT-000001 holds %d tickets, want 1 with 5 letters", len(m.Tickets))
	}
	var files []string
	for _, f := range m.Tickets[0].Letters[0].Files {
		files = append(files, f.Path)
		want := png
		if strings.HasSuffix(f.Path, ".pdf") {
			want = pdf
		}
		if got := zipEntry(t, one, f.Path); !bytes.Equal(got, want) {
			t.Errorf("%s is not the file the letter carried", f.Path)
		}
	}
	// The attachments package took "../" off the PDF's name already.
	if want := []string{"files/TKT-000001/0001-1-screenshot.png", "files/TKT-000001/0001-2-заявление.pdf"}; !slices.Equal(files, want) {
		t.Errorf("files = %q, want %q", files, want)
	}

	all := filepath.Join(dir, "ivan.zip")
	s.ticketd(t, "export", "-sender", "ivan@example.ru", "-o", all, "-operator", "auditor")
	m = checkExport(t, all, appended, received)
	var numbers []string
	for _, tk := range m.Tickets {
		numbers = append(numbers, tk.Number)
	}
	if want := []string{"TKT-000001", "TKT-000003"}; !slices.Equal(numbers, want) || m.Asked.Sender != "ivan@example.ru" {
		t.Errorf("export of sender ivan@example.ru holds %q (asked %+v), want %q", numbers, m.Asked, want)
	}

	zr, err := zip.OpenReader(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if b := zipEntry(t, all, f.Name); bytes.Contains(b, []byte("olga@example.org")) || bytes.Contains(b, []byte("o1@example.org")) {
			t.Errorf("%s holds the other citizen's address or letter", f.Name)
		}
	}
	zr.Close()

	db, err := store.Open(t.Context(), s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reads, err := db.Reads(t.Context(), store.ReadFilter{Actor: "cli:auditor"})
	if err != nil || len(reads) != 3 {
		t.Errorf("reads by the auditor = %+v, %v; want 3 read.export (TKT-000001, then the sender's two)", reads, err)
	}
}

// withoutTrace is a letter Mailpit received without the trace fields it
// puts on top (Return-Path, Received): the letter as it was sent.
func withoutTrace(raw []byte) []byte {
	for bytes.HasPrefix(raw, []byte("Return-Path:")) || bytes.HasPrefix(raw, []byte("Received:")) {
		end := 0
		for {
			i := bytes.Index(raw[end:], []byte("\r\n"))
			if i < 0 {
				return raw
			}
			end += i + 2
			if end == len(raw) || (raw[end] != ' ' && raw[end] != '\t') {
				break
			}
		}
		raw = raw[end:]
	}
	return raw
}

// crlf ends every line of b with CRLF.
func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

// checkExport runs "ticketd audit verify-export" on the export at path,
// without a configuration, and compares each letter in it with what was
// APPENDed (letters in) or what Mailpit received (letters out), by
// Message-ID; it returns the manifest.
func checkExport(t *testing.T, path string, appended, received map[string][]byte) auditor.Manifest {
	t.Helper()
	stdout, stderr, code := run(t, "audit", "verify-export", path)
	if code != 0 || !strings.HasSuffix(stdout, "ok\n") {
		t.Fatalf("audit verify-export %s: exit %d\n%s%s", filepath.Base(path), code, stdout, stderr)
	}
	var m auditor.Manifest
	if err := json.Unmarshal(zipEntry(t, path, auditor.ManifestPath), &m); err != nil {
		t.Fatal(err)
	}
	for _, tk := range m.Tickets {
		for _, l := range tk.Letters {
			want, from := appended[l.MessageID], "APPENDed to Dovecot"
			if l.Direction == store.DirectionOut {
				want, from = received[l.MessageID], "received by Mailpit (without the Return-Path and Received it adds)"
			}
			if want == nil {
				t.Errorf("%s: no letter %s was %s", l.Path, l.MessageID, from)
				continue
			}
			if got := zipEntry(t, path, l.Path); !bytes.Equal(got, want) {
				t.Errorf("%s differs from the letter %s %s:\n%q\nwant\n%q", l.Path, l.MessageID, from, got, want)
			}
		}
	}
	return m
}

// zipEntry reads one entry of the zip archive at path.
func zipEntry(t *testing.T, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// letterWithFiles is a citizen's letter with text and the given
// attachment parts.
func letterWithFiles(from, subject, id, text string, parts ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: support@ticketd.test\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m1\"\r\n\r\n--m1\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
		from, ew(subject), id, time.Now().Format(time.RFC1123Z), text)
	for _, p := range parts {
		b.WriteString("--m1\r\n" + p)
	}
	b.WriteString("--m1--\r\n")
	return []byte(b.String())
}
