package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/replies"
)

// The fault tests run the ticketd binary as a child process against a real
// Dovecot and Mailpit, break something while it works (SIGKILL, SIGTERM, a
// server going away, the database refusing writes, the mailbox rebuilt, a
// letter delivered twice), and then check what a user would check: every
// letter is one ticket, every citizen has an acknowledgement, the mailbox
// has nothing unread. Waits have generous bounds so a slow CI machine only
// makes them slower; the one timing assertion is the shutdown grace period.

// maxConnections is the most SMTP connections the daemon opens at once
// ([smtp] connections, default 4): the most letters a fault can catch in
// flight.
const maxConnections = 4

func TestFaults(t *testing.T) {
	bin := buildTicketd(t)
	t.Run("KillNine", func(t *testing.T) { testKillNine(t, bin) })
	t.Run("SIGTERM", func(t *testing.T) { testSIGTERM(t, bin) })
	t.Run("DovecotOutage", func(t *testing.T) { testDovecotOutage(t, bin) })
	t.Run("MailpitOutage", func(t *testing.T) { testMailpitOutage(t, bin) })
	t.Run("DatabaseUnwritable", func(t *testing.T) { testDatabaseUnwritable(t, bin) })
	t.Run("UIDValidityChange", func(t *testing.T) { testUIDValidityChange(t, bin) })
	t.Run("SameLetterTwice", testSameLetterTwice)
	t.Run("DovecotFrozen", func(t *testing.T) { testDovecotFrozen(t, bin) })
	t.Run("SMTPBlackHole", func(t *testing.T) { testSMTPStalled(t, bin, false) })
	t.Run("SMTPTarpit", func(t *testing.T) { testSMTPStalled(t, bin, true) })
}

// testKillNine kills the daemon with SIGKILL 20 times at random moments while
// it ingests 500 letters, restarting it each time. No letter may be lost or
// stored twice, no ticket doubled, every acknowledgement sent. An
// acknowledgement may go out twice only when a kill fell between the SMTP
// server's 250 and the commit that records it, so at most
// replies.MaxUnrecorded plus one per SMTP connection for each kill; the
// test reports how many.
func testKillNine(t *testing.T, bin string) {
	const (
		letters = 500
		kills   = 20
	)
	// Small fetches keep the kills spread over the whole mailbox: the
	// daemon commits at most one fetch at a time.
	s := startServers(t, "batch_size = 5")
	s.dovecot.AppendMany(t, "INBOX", citizenLetters(1, letters))

	seed := uint64(time.Now().UnixNano())
	t.Logf("random moments from seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for round := range kills {
		before := max(inbound(t, s.dbPath), 0)
		d := startDaemon(t, bin, s)
		if round%4 == 3 {
			// Anywhere from start-up (log in, select, list, the first
			// fetch) to the first letters stored.
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		} else {
			// A few letters further into the mailbox, and a little beyond.
			target := min(before+1+rng.IntN(20), letters)
			waitFor(t, 60*time.Second, fmt.Sprintf("%d letters stored", target), func() bool {
				return inbound(t, s.dbPath) >= target || d.exited()
			})
			time.Sleep(time.Duration(rng.IntN(5)) * time.Millisecond)
		}
		d.kill()
		t.Logf("kill %2d: %3d letters stored before, %3d after", round+1, before, max(inbound(t, s.dbPath), 0))
	}
	s.ticketd(t, "run", "-once")

	a := audit(t, s.dbPath)
	a.check(t, citizens(1, letters))
	if a.counts.Unsent != 0 {
		t.Errorf("after the last run %d acknowledgements are unsent, want 0", a.counts.Unsent)
	}
	dups := checkAcks(t, s.mailpit, citizens(1, letters))
	t.Logf("%d kills, %d letters: %d acknowledgements sent twice (kill between the SMTP server's 250 and the commit)",
		kills, letters, dups)
	if most := kills * (replies.MaxUnrecorded + maxConnections); dups > most {
		t.Errorf("%d acknowledgements sent twice, more than can be unrecorded at %d kills (%d)", dups, kills, most)
	}
	if total, unseen := s.dovecot.Count(t, "INBOX"); total != letters || unseen != 0 {
		t.Errorf("INBOX: %d letters, %d unseen; want %d, 0", total, unseen, letters)
	}
}

// testSIGTERM stops the daemon with SIGTERM while it ingests: it exits with
// status 0 within daemon.shutdown_grace; each letter is either stored whole
// (its ticket and acknowledgement with it) and marked read, or not stored and
// left unread; a restart completes the rest, and nobody is acknowledged
// twice.
func testSIGTERM(t *testing.T, bin string) {
	const (
		letters = 300
		grace   = 5 * time.Second
	)
	s := startServers(t, "batch_size = 20")
	setKey(t, s, "daemon", fmt.Sprintf("shutdown_grace = %q", grace.String()))
	s.dovecot.AppendMany(t, "INBOX", citizenLetters(1, letters))

	d := startDaemon(t, bin, s)
	waitFor(t, 60*time.Second, "30 letters stored", func() bool { return inbound(t, s.dbPath) >= 30 || d.exited() })
	took, err := d.terminate()
	if err != nil {
		t.Errorf("after SIGTERM: %v, want exit status 0\n%s", err, d.logs())
	}
	if took > grace {
		t.Errorf("exited %v after SIGTERM, want within daemon.shutdown_grace = %v", took, grace)
	}

	a := audit(t, s.dbPath)
	stored := a.inbound
	t.Logf("stopped %v after SIGTERM with %d of %d letters stored", took.Round(time.Millisecond), len(stored), letters)
	if len(stored) == 0 || len(stored) == letters {
		t.Errorf("SIGTERM came with %d of %d letters stored, want it mid-way", len(stored), letters)
	}
	a.checkWhole(t)
	for _, l := range s.dovecot.List(t, "INBOX") {
		if l.Seen && stored[l.MessageID] == 0 {
			t.Errorf("letter %s is marked read but not stored", l.MessageID)
		}
	}

	d = startDaemon(t, bin, s)
	waitSettled(t, s, d, letters)
	if _, err := d.terminate(); err != nil {
		t.Errorf("second run, after SIGTERM: %v\n%s", err, d.logs())
	}
	audit(t, s.dbPath).check(t, citizens(1, letters))
	if total, unseen := s.dovecot.Count(t, "INBOX"); total != letters || unseen != 0 {
		t.Errorf("INBOX: %d letters, %d unseen; want %d, 0", total, unseen, letters)
	}
	// A letter the server accepted is recorded as sent even after SIGTERM.
	if dups := checkAcks(t, s.mailpit, citizens(1, letters)); dups > 0 {
		t.Errorf("%d acknowledgements sent twice across a SIGTERM, want none", dups)
	}
}

// testDovecotOutage stops Dovecot while the daemon ingests and starts it
// again: the daemon logs the outage, retries with backoff, and finishes.
func testDovecotOutage(t *testing.T, bin string) {
	const letters = 200
	s := startServers(t, "batch_size = 20")
	s.dovecot.AppendMany(t, "INBOX", citizenLetters(1, letters))
	d := startDaemon(t, bin, s)
	waitFor(t, 60*time.Second, "40 letters stored", func() bool { return inbound(t, s.dbPath) >= 40 || d.exited() })
	s.dovecot.Stop(t)
	waitFor(t, 30*time.Second, "two failed attempts to reach Dovecot in the log", func() bool {
		return strings.Count(d.logs(), "mailbox unavailable") >= 2 || d.exited()
	})
	s.dovecot.Restart(t)
	waitSettled(t, s, d, letters)
	if _, err := d.terminate(); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, d.logs())
	}
	audit(t, s.dbPath).check(t, citizens(1, letters))
	if dups := checkAcks(t, s.mailpit, citizens(1, letters)); dups > 0 {
		t.Errorf("%d acknowledgements sent twice; Dovecot's outage must not touch sending", dups)
	}
	if total, unseen := s.dovecot.Count(t, "INBOX"); total != letters || unseen != 0 {
		t.Errorf("INBOX: %d letters, %d unseen; want %d, 0", total, unseen, letters)
	}
}

// testMailpitOutage stops Mailpit for a while: letters that arrive
// meanwhile are stored and their acknowledgements wait, and all are
// delivered, once each, when Mailpit is back.
func testMailpitOutage(t *testing.T, bin string) {
	const (
		before = 20
		during = 80
	)
	s := startServers(t, "")
	s.dovecot.AppendMany(t, "INBOX", citizenLetters(1, before))
	d := startDaemon(t, bin, s)
	waitSettled(t, s, d, before)

	s.mailpit.Stop(t)
	s.dovecot.AppendMany(t, "INBOX", citizenLetters(before+1, before+during))
	waitFor(t, 60*time.Second, "every letter stored while Mailpit is away", func() bool {
		return inbound(t, s.dbPath) >= before+during || d.exited()
	})
	waitFor(t, 30*time.Second, "a failed delivery in the log", func() bool {
		l := d.logs()
		return strings.Contains(l, "msg=outbox") || strings.Contains(l, "will retry") || d.exited()
	})
	if c := counts(t, s.dbPath); c.Unsent == 0 {
		t.Errorf("with Mailpit stopped, no acknowledgement is waiting; want some")
	}
	time.Sleep(time.Second)
	s.mailpit.Restart(t)
	back := time.Now()
	waitSettled(t, s, d, before+during)
	t.Logf("every acknowledgement delivered %v after Mailpit came back", time.Since(back).Round(100*time.Millisecond))
	if _, err := d.terminate(); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, d.logs())
	}
	audit(t, s.dbPath).check(t, citizens(1, before+during))
	if dups := checkAcks(t, s.mailpit, citizens(1, before+during)); dups > 0 {
		t.Errorf("%d acknowledgements sent twice; Mailpit was stopped while nothing was being sent", dups)
	}
}

// testDatabaseUnwritable makes the SQLite database refuse writes for a while
// (chattr +i on the database and its WAL: as root, file modes do not stop
// writes, the immutable attribute does): the daemon logs, backs off, and
// stores everything once the database is writable again.
func testDatabaseUnwritable(t *testing.T, bin string) {
	requireImmutable(t)
	const letters = 200
	s := startServers(t, "batch_size = 20")
	s.dovecot.AppendMany(t, "INBOX", citizenLetters(1, letters))
	d := startDaemon(t, bin, s)
	waitFor(t, 60*time.Second, "40 letters stored", func() bool { return inbound(t, s.dbPath) >= 40 || d.exited() })

	files := []string{s.dbPath, s.dbPath + "-wal"}
	t.Cleanup(func() { chattr("-i", files...) })
	logged := len(d.logs())
	if err := chattr("+i", files...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "a failed write in the log", func() bool {
		l := d.logs()[logged:]
		return strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") || d.exited()
	})
	time.Sleep(2 * time.Second) // let it back off and try again meanwhile
	if err := chattr("-i", files...); err != nil {
		t.Fatal(err)
	}
	t.Logf("while the database was unwritable the daemon logged:\n%s", firstLines(d.logs()[logged:], 6))

	waitSettled(t, s, d, letters)
	if _, err := d.terminate(); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, d.logs())
	}
	audit(t, s.dbPath).check(t, citizens(1, letters))
	if total, unseen := s.dovecot.Count(t, "INBOX"); total != letters || unseen != 0 {
		t.Errorf("INBOX: %d letters, %d unseen; want %d, 0", total, unseen, letters)
	}
	// The outbox retries recording a letter the server accepted rather than
	// sending it again; only a letter whose record it gave up on may go
	// twice, at most one per connection.
	dups := checkAcks(t, s.mailpit, citizens(1, letters))
	t.Logf("%d acknowledgements sent twice (accepted by Mailpit, not recorded as sent)", dups)
	if dups > maxConnections {
		t.Errorf("%d acknowledgements sent twice while the database refused writes, want at most %d", dups, maxConnections)
	}
}

// testUIDValidityChange rebuilds the mailbox under the running daemon: the
// same letters come back with a new UIDVALIDITY and new UIDs, with a few new
// ones. The daemon reads them all again, makes tickets for the new letters
// only, and acknowledges nobody twice.
func testUIDValidityChange(t *testing.T, bin string) {
	const (
		old   = 30
		added = 5
	)
	s := startServers(t, `mailbox = "Support"`)
	s.dovecot.AppendMany(t, "Support", citizenLetters(1, old))
	d := startDaemon(t, bin, s)
	waitSettled(t, s, d, old)

	before, after := s.dovecot.Recreate(t, "Support", citizenLetters(1, old+added))
	if before == after {
		t.Fatalf("Recreate kept UIDVALIDITY %d; the test needs a new one", before)
	}
	// The daemon SELECTs the mailbox again after each IDLE, at least every
	// poll_interval ("1s" here), and so sees the new UIDVALIDITY.
	waitFor(t, 60*time.Second, "the rebuilt mailbox read by the running daemon", func() bool {
		_, unseen := s.dovecot.Count(t, "Support")
		return unseen == 0 || d.exited()
	})
	waitSettled(t, s, d, old+added)
	if _, err := d.terminate(); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, d.logs())
	}
	if !strings.Contains(d.logs(), "UIDVALIDITY changed") {
		t.Errorf("the daemon did not log the UIDVALIDITY change (%d → %d)", before, after)
	}
	audit(t, s.dbPath).check(t, citizens(1, old+added))
	if dups := checkAcks(t, s.mailpit, citizens(1, old+added)); dups > 0 {
		t.Errorf("%d acknowledgements sent twice after the UIDVALIDITY change", dups)
	}
}

// testSameLetterTwice delivers letters twice, within one batch and again
// later, with and without a Message-ID: each makes one ticket and one
// acknowledgement, and every copy ends up read.
func testSameLetterTwice(t *testing.T) {
	s := startServers(t, "")
	withID := citizenLetter(1)
	withoutID := []byte("From: Citizen 002 <citizen002@example.ru>\r\nTo: support@ticketd.test\r\n" +
		"Subject: =?utf-8?B?0JHQtdC3IE1lc3NhZ2UtSUQ=?=\r\nDate: Tue, 24 Nov 2026 10:00:00 +0300\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"Письмо без Message-ID. Номер личного кабинета: 1000002.\r\n")
	s.dovecot.AppendMany(t, "INBOX", [][]byte{withID, withID, withoutID, withoutID})
	s.ticketd(t, "run", "-once")
	s.dovecot.AppendMany(t, "INBOX", [][]byte{withoutID, withID})
	s.ticketd(t, "run", "-once")

	want := []string{"citizen001@example.ru", "citizen002@example.ru"}
	a := audit(t, s.dbPath)
	if len(a.tickets) != 2 {
		t.Errorf("six deliveries of two letters made %d tickets, want 2", len(a.tickets))
	}
	for _, c := range want {
		if a.tickets[c] != 1 {
			t.Errorf("%s has %d tickets, want 1", c, a.tickets[c])
		}
	}
	if a.counts.Inbound != 2 {
		t.Errorf("%d letters stored, want 2", a.counts.Inbound)
	}
	if dups := checkAcks(t, s.mailpit, want); dups > 0 {
		t.Errorf("%d acknowledgements sent twice", dups)
	}
	if total, unseen := s.dovecot.Count(t, "INBOX"); total != 6 || unseen != 0 {
		t.Errorf("INBOX: %d letters, %d unseen; want 6, 0", total, unseen)
	}
}
