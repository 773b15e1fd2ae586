package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/internal/memmail"
	"github.com/ticketd/ticketd/mailparse"
)

// TestLogHoldsNoPersonalData runs letters full of a citizen's personal
// data through "ticketd run" at log level debug, against a real Dovecot and
// Mailpit, and then through "ticketd run -once" against an SMTP server that
// refuses their answers quoting the recipient; it then reads every line
// the daemon wrote (stderr and stdout) for each planted value, as written,
// as digits only, and for an address its local part alone. A hit fails,
// naming the line.
//
// The letters go every way the daemon has: answered, with refused and
// accepted files whose names hold the values; automatic, with no sender,
// from a mail system, with a sender that cannot be answered, too large to
// download, refused by the parser as nested too deep; a delivery report
// bouncing an answer, and a follow-up; answers refused for good and for
// now by the SMTP server. The console runs beside them and is asked for
// pages with the values in the path, the query and a sign-in form.
func TestLogHoldsNoPersonalData(t *testing.T) {
	bin := buildTicketd(t)
	s := startServers(t, "max_message_mb = 1")
	setKey(t, s, "log", `level = "debug"`)
	consoleAddr := fmt.Sprintf("127.0.0.1:%d", mailtest.FreePort(t))
	editConfig(t, s, "[console]\naddress = \"\"", fmt.Sprintf("[console]\naddress = %q", consoleAddr))

	// Phase 1: the letters, with the daemon and its console running.
	d := startDaemon(t, bin, s)
	for _, raw := range plantedLetters() {
		s.dovecot.Append(t, "INBOX", raw)
	}
	settleLetters(t, s, d, len(plantedLetters()))
	askConsole(t, "http://"+consoleAddr)

	// Phase 2: Ivan's answer bounces, and he writes again.
	ack := s.ackTo(t, "ivan.petrov@example.ru", "ivan.home@example.org")
	s.dovecot.Append(t, "INBOX", bounceOf(ack.MessageID, ack.Subject))
	s.dovecot.Append(t, "INBOX", clientReply("Иван Петров <ivan.petrov@example.ru>", "pii-followup@example.net", ack,
		"Повторяю: СНИЛС 112-233-445 95, телефон +7 (912) 345-67-89."))
	settleLetters(t, s, d, len(plantedLetters())+2)
	if _, err := d.terminate(); err != nil {
		t.Errorf("ticketd run ended with %v", err)
	}
	logs := d.logs()

	// Phase 3: the SMTP server refuses two answers, one for good and one
	// for now, quoting the recipient as Postfix does.
	sink, err := memmail.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	sink.Refuse(func(rcpt string) error {
		switch rcpt {
		case "refused.citizen@example.net":
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
				Message: "<refused.citizen@example.net>: Recipient address rejected: User unknown (tel. +7 (912) 345-67-89)"}
		case "later.citizen@example.net":
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
				Message: "<later.citizen@example.net>: Recipient address rejected: greylisted, СНИЛС 112-233-445 95"}
		}
		return nil
	})
	editConfig(t, s, fmt.Sprintf("address = %q\ntls = \"none\"\nfrom", s.mailpit.SMTPAddr),
		fmt.Sprintf("address = %q\ntls = \"none\"\nfrom", sink.Addr))
	s.dovecot.Append(t, "INBOX", letterFrom("refused.citizen@example.net", "ИНН 500100732259", "pii-refused@example.net",
		"Паспорт 45 06 123456, телефон 8 903 555 12 34."))
	s.dovecot.Append(t, "INBOX", letterFrom("later.citizen@example.net", "Телефон 89261234567", "pii-later@example.net",
		"Пишите на petrova.m@mail.ru."))
	once := runChild(t, runTimeout, bin, "run", "-once", "-config", s.config)
	if once.stopped() {
		t.Errorf("ticketd run -once: exit %d %s\n%s", once.exit, once.killed, once.logs)
	}
	logs += once.logs

	// The log went every way the letters were meant to take it.
	for _, want := range []string{"ticketd started", "ticket created", "follow-up filed", "not acknowledging",
		"could not answer automatically", "giving up", "send failed, will retry", "console request", "ticketd stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log has no %q line: the test no longer reaches that path\n%s", want, logs)
		}
	}
	for _, v := range planted {
		forms := []string{v}
		if d := digitsOnly(v); len(d) >= 6 && d != v {
			forms = append(forms, d)
		}
		if local, _, ok := strings.Cut(v, "@"); ok && len(local) >= 6 {
			forms = append(forms, local) // the mailbox without its domain names the person too
		}
		for _, form := range forms {
			for i, line := range strings.Split(logs, "\n") {
				if strings.Contains(line, form) {
					t.Errorf("log line %d holds %q:\n%s", i+1, form, line)
				}
			}
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("the whole log:\n%s", logs)
	}
}

// planted is every value of personal data the letters hold.
var planted = []string{
	"112-233-445 95",                                                           // SNILS, valid checksum
	"500100732259",                                                             // INN of a person, valid check digits
	"45 06 123456",                                                             // passport series and number
	"+7 (912) 345-67-89", "8 903 555 12 34", "89261234567", "+7-916-000-11-22", // phones
	"ivan.petrov@example.ru", "ivan.home@example.org", "petrova.m@mail.ru", "иван@почта.рф",
	"olga.sidorova@yandex.ru", "vacation.user@example.com", "big.sender@example.ru", "deep.nester@example.ru",
	"refused.citizen@example.net", "later.citizen@example.net", unanswerable,
}

// unanswerable is a sender whose local part is too long for SMTP (RFC 5321
// 4.5.3.1.1: 64 octets), so no answer can be written to it.
const unanswerable = "ivan.petrov.89261234567.this.mailbox.name.is.longer.than.smtp.allows@example.ru"

// plantedLetters are the letters of phase 1.
func plantedLetters() [][]byte {
	text := "Здравствуйте! Паспорт 45 06 123456, СНИЛС 112-233-445 95. Телефоны: +7 (912) 345-67-89, " +
		"8 903 555 12 34, 89261234567, +7-916-000-11-22. Пишите также на petrova.m@mail.ru или иван@почта.рф."
	return [][]byte{
		// A citizen with a Reply-To, the values in the subject, the text
		// and the names of an accepted and a refused file.
		withFiles("From: Иван Петров <ivan.petrov@example.ru>\r\nReply-To: ivan.home@example.org\r\n"+
			"Subject: =?utf-8?B?"+base64.StdEncoding.EncodeToString([]byte("СНИЛС 112-233-445 95, ИНН 500100732259"))+"?=\r\n"+
			"Message-ID: <pii-1@example.net>\r\n", text,
			file{"СНИЛС 112-233-445 95.png", "image/png", tinyPNG()},
			file{"паспорт 45 06 123456 olga.sidorova@yandex.ru.txt", "text/plain", []byte("+7 (912) 345-67-89\r\n")}),
		// An out-of-office answer.
		[]byte("From: vacation.user@example.com\r\nTo: support@ticketd.test\r\nAuto-Submitted: auto-replied\r\n" +
			"Subject: В отпуске, звоните 8 903 555 12 34\r\nMessage-ID: <pii-2@example.net>\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"),
		// No sender at all.
		[]byte("To: support@ticketd.test\r\nSubject: СНИЛС 112-233-445 95\r\nMessage-ID: <pii-3@example.net>\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"),
		// A sender no answer can be written to.
		letterFrom("Иван <"+unanswerable+">", "Телефон +7-916-000-11-22", "pii-4@example.net", text),
		// A mail system's letter that is not a delivery report.
		letterFrom("MAILER-DAEMON@mx.example.ru", "Warning: could not send to ivan.petrov@example.ru", "pii-5@example.net", text),
		// Too large to download (imap.max_message_mb = 1).
		letterFrom("Big Sender <big.sender@example.ru>", "паспорт 45 06 123456", "pii-6@example.net",
			text+"\r\n"+strings.Repeat("Очень длинное письмо. ", 60000)),
		// Refused by the parser: nested deeper than it reads.
		nested("From: deep.nester@example.ru\r\nSubject: ИНН 500100732259\r\nMessage-ID: <pii-7@example.net>\r\n", text, 30),
	}
}

// file is an attachment of withFiles.
type file struct {
	name, contentType string
	body              []byte
}

// withFiles is a letter with header head (ending in CRLF), text and files,
// their names written as RFC 2231 says.
func withFiles(head, text string, files ...file) []byte {
	var b bytes.Buffer
	b.WriteString(head + "To: support@ticketd.test\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text + "\r\n")
	for _, f := range files {
		fmt.Fprintf(&b, "--b\r\nContent-Type: %s\r\nContent-Disposition: attachment; filename*=utf-8''%s\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n", f.contentType, url.PathEscape(f.name),
			base64.StdEncoding.EncodeToString(f.body))
	}
	b.WriteString("--b--\r\n")
	return b.Bytes()
}

// nested is a letter whose text is depth multiparts deep.
func nested(head, text string, depth int) []byte {
	var b strings.Builder
	b.WriteString(head + "To: support@ticketd.test\r\nMIME-Version: 1.0\r\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n--n%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--n%d--\r\n", i)
	}
	return []byte(b.String())
}

// bounceOf is a delivery report that returns our answer id, quoting the
// citizen's address and phone as mail servers quote what they were told.
func bounceOf(id, subject string) []byte {
	return []byte(fmt.Sprintf("From: Mail Delivery System <MAILER-DAEMON@mx.example.ru>\r\nTo: support@ticketd.test\r\n"+
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <pii-bounce@mx.example.ru>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"+
		"--r\r\nContent-Type: text/plain\r\n\r\n<ivan.home@example.org>: host mx.example.org said: 550 no such user "+
		"(ivan.petrov@example.ru, +7 (912) 345-67-89)\r\n"+
		"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.ru\r\n\r\n"+
		"Final-Recipient: rfc822; ivan.home@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"+
		"Diagnostic-Code: smtp; 550 5.1.1 <ivan.home@example.org>: no such user\r\n"+
		"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <%s>\r\nSubject: %s\r\nTo: ivan.home@example.org\r\n"+
		"--r--\r\n", id, subject))
}

// tinyPNG is a 2×2 PNG, which the file checks accept.
func tinyPNG() []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// settleLetters waits until the running daemon has stored n letters and has sent
// or given up on every answer.
func settleLetters(t *testing.T, s *servers, d *daemonProcess, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c := counts(t, s.dbPath)
		if c.Inbound >= n && c.Unsent == 0 {
			return
		}
		if d.exited() {
			t.Fatalf("ticketd exited (%v) with %d of %d letters stored\n%s", d.err, c.Inbound, n, d.logs())
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes: %d of %d letters stored, %d answers unsent\n%s", c.Inbound, n, c.Unsent, d.logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ackTo is the answer Mailpit caught to one of addrs.
func (s *servers) ackTo(t *testing.T, addrs ...string) *mailparse.Letter {
	t.Helper()
	for _, m := range s.mailpit.Messages(t) {
		for _, a := range m.To {
			for _, want := range addrs {
				if a.Address == want {
					l, err := mailparse.Parse(s.mailpit.Raw(t, m.ID), nil)
					if err != nil {
						t.Fatal(err)
					}
					return l
				}
			}
		}
	}
	t.Fatalf("Mailpit has no letter to %v", addrs)
	return nil
}

// askConsole asks the console for pages with personal data in the path,
// the query and a sign-in form; none of them is signed in.
func askConsole(t *testing.T, base string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console at %s does not answer: %v", base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, path := range []string{"/?q=" + url.QueryEscape("+7 (912) 345-67-89"), "/tickets/ivan.petrov@example.ru",
		"/api/v1/tickets?q=11223344595", "/queue/rows?q=" + url.QueryEscape("ivan.petrov@example.ru")} {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {"ivan.petrov@example.ru"}, "password": {"45 06 123456"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// editConfig replaces old with new in the configuration file.
func editConfig(t *testing.T, s *servers, old, new string) {
	t.Helper()
	b, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("the configuration has no %q:\n%s", old, b)
	}
	if err := os.WriteFile(s.config, bytes.Replace(b, []byte(old), []byte(new), 1), 0o600); err != nil {
		t.Fatal(err)
	}
}

var notDigit = regexp.MustCompile(`[^0-9]`)

// digitsOnly is s without what is not an ASCII digit.
func digitsOnly(s string) string { return notDigit.ReplaceAllString(s, "") }
