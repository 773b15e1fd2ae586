package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/memmail"
)

// The stall tests break a server without closing anything: it keeps the
// connection and stops answering, or answers one byte a second. The daemon
// must notice within [imap] / [smtp] timeout, say so in the log, and go on
// over a new connection; nothing it holds may keep it from stopping.

// testDovecotFrozen freezes (SIGSTOP) the Dovecot process serving the
// daemon while it sends a batch of letters (a FETCH of 20 letters of 100
// KB), once some are stored, and never resumes it: the daemon gives the
// session up after [imap] timeout, reconnects to a fresh process, and files
// every letter once, each acknowledged once; the letters it stored before
// the freeze are marked read over the new session.
func testDovecotFrozen(t *testing.T, bin string) {
	const letters = 300
	s := startServers(t, "batch_size = 20\ntimeout = \"3s\"")
	var raws [][]byte
	for i := 1; i <= letters; i++ {
		raws = append(raws, paddedLetter(i, 100<<10))
	}
	s.dovecot.AppendMany(t, "INBOX", raws)
	d := startDaemon(t, bin, s)
	waitFor(t, 60*time.Second, "40 letters stored", func() bool { return inbound(t, s.dbPath) >= 40 || d.exited() })
	s.dovecot.FreezeSessionsSending(t, 256<<10, 60*time.Second) // never resumed
	frozenAt := max(inbound(t, s.dbPath), 0)
	if frozenAt >= letters {
		t.Fatalf("all %d letters were stored before the freeze; the test needs it mid-way", letters)
	}
	waitFor(t, 60*time.Second, "the frozen session given up in the log", func() bool {
		return strings.Contains(d.logs(), "mailbox unavailable") || d.exited()
	})
	waitSettled(t, s, d, letters)
	if _, err := d.terminate(); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, d.logs())
	}
	gaveUp := logsMatching(d.logs(), "mailbox unavailable")
	t.Logf("frozen with %d of %d letters stored; the daemon logged:\n%s", frozenAt, letters, firstLines(gaveUp, 3))
	if !strings.Contains(gaveUp, "imap timeout") {
		t.Errorf("the daemon did not name the timeout:\n%s", gaveUp)
	}
	audit(t, s.dbPath).check(t, citizens(1, letters))
	if dups := checkAcks(t, s.mailpit, citizens(1, letters)); dups > 0 {
		t.Errorf("%d acknowledgements sent twice; a frozen IMAP session must not touch sending", dups)
	}
	if total, unseen := s.dovecot.Count(t, "INBOX"); total != letters || unseen != 0 {
		t.Errorf("INBOX: %d letters, %d unseen; want %d, 0", total, unseen, letters)
	}
}

// paddedLetter is citizenLetter(i) grown to about size bytes with more
// lines of text.
func paddedLetter(i, size int) []byte {
	b := citizenLetter(i)
	line := []byte("Дополнительные подробности обращения, строка за строкой.\r\n")
	for len(b) < size {
		b = append(b, line...)
	}
	return b
}

// testSMTPStalled puts an SMTP server that accepts connections and never
// answers (tarpit false), or answers "220-" one byte a second forever
// (tarpit true), in front of Mailpit. Letters keep being filed; the outbox
// logs the timeout and retries, opening no more connections than it is
// allowed; SIGTERM stops the daemon within daemon.shutdown_grace. Started
// again, the daemon retries until the server is healed (connections go
// through to Mailpit) and then sends every acknowledgement, once.
func testSMTPStalled(t *testing.T, bin string, tarpit bool) {
	const (
		letters = 30
		grace   = 5 * time.Second
	)
	s := startServers(t, "")
	p, err := memmail.StartProxy(s.mailpit.SMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if tarpit {
		p.Tarpit("220-slow\r\n", time.Second)
	} else {
		p.Hold(0)
	}
	pointSMTP(t, s, p.Addr)
	setKey(t, s, "smtp", `timeout = "2s"`)
	setKey(t, s, "daemon", fmt.Sprintf("shutdown_grace = %q", grace.String()))
	s.dovecot.AppendMany(t, "INBOX", citizenLetters(1, letters))

	d := startDaemon(t, bin, s)
	waitFor(t, 60*time.Second, "every letter stored while the SMTP server stalls", func() bool {
		return inbound(t, s.dbPath) >= letters || d.exited()
	})
	waitFor(t, 60*time.Second, "two rounds of timed-out deliveries in the log", func() bool {
		l := logsMatching(d.logs(), "sending failed, will retry")
		return strings.Count(l, "\n") >= 1 && strings.Contains(l, "smtp timeout") || d.exited()
	})
	if open, most := p.Open(), maxConnections; open > most {
		t.Errorf("%d connections to the stalled server open, want at most %d: failed sessions must be closed", open, most)
	}
	// SIGTERM while the outbox waits on the stalled server.
	waitFor(t, 30*time.Second, "the outbox trying again", func() bool { return p.Open() > 0 || d.exited() })
	took, err := d.terminate()
	if err != nil {
		t.Errorf("after SIGTERM: %v, want exit status 0\n%s", err, d.logs())
	}
	if took > grace {
		t.Errorf("exited %v after SIGTERM, want within daemon.shutdown_grace = %v", took, grace)
	}
	t.Logf("stopped %v after SIGTERM; %d connections tried; the outbox logged:\n%s", took.Round(time.Millisecond),
		p.Accepted(), firstLines(logsMatching(d.logs(), "smtp timeout"), 2))
	if c := counts(t, s.dbPath); c.Unsent != letters {
		t.Errorf("%d acknowledgements unsent, want all %d queued", c.Unsent, letters)
	}
	waitFor(t, 30*time.Second, "the stopped daemon's connections closed", func() bool { return p.Open() == 0 })

	d = startDaemon(t, bin, s)
	waitFor(t, 60*time.Second, "a timed-out delivery after the restart", func() bool {
		return strings.Contains(d.logs(), "smtp timeout") || d.exited()
	})
	p.Heal()
	healed := time.Now()
	waitSettled(t, s, d, letters)
	t.Logf("every acknowledgement delivered %v after the server was healed", time.Since(healed).Round(100*time.Millisecond))
	if _, err := d.terminate(); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, d.logs())
	}
	audit(t, s.dbPath).check(t, citizens(1, letters))
	if dups := checkAcks(t, s.mailpit, citizens(1, letters)); dups > 0 {
		t.Errorf("%d acknowledgements sent twice; the stalled server accepted none", dups)
	}
}

// pointSMTP makes the configuration send through addr instead of Mailpit.
func pointSMTP(t *testing.T, s *servers, addr string) {
	t.Helper()
	b, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(b), fmt.Sprintf("%q", s.mailpit.SMTPAddr), fmt.Sprintf("%q", addr), 1)
	if conf == string(b) {
		t.Fatalf("no [smtp] address %s in the configuration", s.mailpit.SMTPAddr)
	}
	if err := os.WriteFile(s.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

// logsMatching returns the lines of logs that contain s.
func logsMatching(logs, s string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
