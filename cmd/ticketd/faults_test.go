package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
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
	s := startServers(t, "batch_size = 20")
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
			target := min(before+1+rng.IntN(25), letters)
			waitFor(t, 60*time.Second, fmt.Sprintf("%d letters stored", target), func() bool {
				return inbound(t, s.dbPath) >= target || d.exited()
			})
			time.Sleep(time.Duration(rng.IntN(10)) * time.Millisecond)
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

// citizenLetters returns citizenLetter(from) to citizenLetter(to).
func citizenLetters(from, to int) [][]byte {
	var out [][]byte
	for i := from; i <= to; i++ {
		out = append(out, citizenLetter(i))
	}
	return out
}

// citizens returns the senders of citizenLetters(from, to).
func citizens(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("citizen%03d@example.ru", i))
	}
	return out
}

// setKey adds line to section of the configuration, creating the section
// at the end if it is missing.
func setKey(t *testing.T, s *servers, section, line string) {
	t.Helper()
	b, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	conf, header := string(b), "["+section+"]\n"
	if i := strings.Index(conf, header); i >= 0 {
		conf = conf[:i+len(header)] + line + "\n" + conf[i+len(header):]
	} else {
		conf += "\n" + header + line + "\n"
	}
	if err := os.WriteFile(s.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

// daemonProcess is "ticketd run" running as a child process.
type daemonProcess struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error // the exit status, once done is closed
}

// startDaemon starts "ticketd run"; the test's cleanup kills it if it is
// still running.
//
// It creates the database first: the tests read it while the daemon runs,
// and two processes opening a new database at once both try to create its
// tables (store.Open reads the schema version outside the transaction that
// migrates).
func startDaemon(t *testing.T, bin string, s *servers) *daemonProcess {
	t.Helper()
	db, err := store.Open(context.Background(), s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	logPath := filepath.Join(t.TempDir(), "ticketd.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "run", "-config", s.config)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemonProcess{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(d.kill)
	return d
}

// exited reports whether the process has ended.
func (d *daemonProcess) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to end.
func (d *daemonProcess) kill() {
	d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.done
}

// terminate sends SIGTERM and waits for the process to end; it returns how
// long that took and the exit status as an error (nil for status 0). A
// process still running after a minute is killed.
func (d *daemonProcess) terminate() (time.Duration, error) {
	start := time.Now()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(time.Minute):
		d.kill()
		return time.Since(start), errors.New("still running a minute after SIGTERM; killed")
	}
	return time.Since(start), d.err
}

// logs returns what the process has logged so far.
func (d *daemonProcess) logs() string {
	b, _ := os.ReadFile(d.logPath)
	return string(b)
}

// waitFor polls cond until it holds; it fails the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitSettled waits until the running daemon has stored n letters and sent
// every acknowledgement, and Mailpit holds at least n.
func waitSettled(t *testing.T, s *servers, d *daemonProcess, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c := counts(t, s.dbPath)
		sent, err := s.mailpit.Total()
		if c.Inbound >= n && c.Unsent == 0 && err == nil && sent >= n {
			return
		}
		if d.exited() {
			t.Fatalf("ticketd exited (%v) with %d of %d letters stored, %d unsent\n%s", d.err, c.Inbound, n, c.Unsent, d.logs())
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes: %d of %d letters stored, %d acknowledgements unsent, %d in Mailpit (%v)\n%s",
				c.Inbound, n, c.Unsent, sent, err, lastLines(d.logs(), 30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// counts returns the store's totals; zero while the database cannot be read.
func counts(t *testing.T, path string) store.Counts {
	db, err := store.Open(context.Background(), path)
	if err != nil {
		return store.Counts{}
	}
	defer db.Close()
	c, _ := db.Count(context.Background())
	return c
}

// storeAudit is what the database says, read as "ticketd tickets" and
// "ticketd show" would.
type storeAudit struct {
	counts  store.Counts
	tickets map[string]int // citizen address → tickets
	inbound map[string]int // Message-ID → stored letters
	whole   []string       // problems with tickets that are not whole
}

func audit(t *testing.T, path string) storeAudit {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := storeAudit{tickets: map[string]int{}, inbound: map[string]int{}}
	if a.counts, err = db.Count(ctx); err != nil {
		t.Fatal(err)
	}
	ts, err := db.Tickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		a.tickets[tk.CitizenAddress]++
		msgs, err := db.Messages(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		in, out := 0, 0
		for _, m := range msgs {
			switch m.Direction {
			case "in":
				in++
				a.inbound[m.MessageID]++
			case "out":
				out++
			}
		}
		if in != 1 || out != 1 {
			a.whole = append(a.whole, fmt.Sprintf("%s (%s) has %d letters in and %d acknowledgements, want 1 and 1",
				tk.Number, tk.CitizenAddress, in, out))
		}
	}
	return a
}

// checkWhole fails the test for every ticket without exactly its letter and
// its acknowledgement.
func (a storeAudit) checkWhole(t *testing.T) {
	t.Helper()
	for _, p := range a.whole {
		t.Error(p)
	}
}

// check fails the test unless every one of citizens has exactly one ticket
// holding their one letter and its acknowledgement, and there is nothing
// else.
func (a storeAudit) check(t *testing.T, citizens []string) {
	t.Helper()
	a.checkWhole(t)
	if len(a.tickets) != len(citizens) || a.counts.Tickets != len(citizens) || a.counts.Inbound != len(citizens) {
		t.Errorf("%d tickets from %d senders holding %d letters, want %d of each",
			a.counts.Tickets, len(a.tickets), a.counts.Inbound, len(citizens))
	}
	for _, c := range citizens {
		if a.tickets[c] != 1 {
			t.Errorf("%s has %d tickets, want 1", c, a.tickets[c])
		}
	}
	for id, n := range a.inbound {
		if n != 1 {
			t.Errorf("letter %s is stored %d times, want once", id, n)
		}
	}
}

// checkAcks fails the test unless Mailpit holds an acknowledgement for each
// of citizens and nothing for anybody else; it returns how many letters
// beyond one each it holds.
func checkAcks(t *testing.T, m *mailtest.Mailpit, citizens []string) (dups int) {
	t.Helper()
	msgs, err := m.List()
	if err != nil {
		t.Fatal(err)
	}
	acks := map[string]int{}
	for _, msg := range msgs {
		for _, to := range msg.To {
			acks[to.Address]++
		}
	}
	for _, c := range citizens {
		if acks[c] == 0 {
			t.Errorf("%s got no acknowledgement", c)
		}
		dups += max(acks[c]-1, 0)
		delete(acks, c)
	}
	for to, n := range acks {
		t.Errorf("Mailpit holds %d unexpected letters to %s", n, to)
	}
	return dups
}

// requireImmutable skips the test unless chattr +i works here: it needs
// root (CAP_LINUX_IMMUTABLE) and a file system with the attribute (ext4,
// xfs, btrfs; not tmpfs or overlayfs).
func requireImmutable(t *testing.T) {
	t.Helper()
	probe := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(probe, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	// In CI and under "make test" this fault must be tested, not skipped.
	skip := t.Skipf
	if os.Getenv("CI") != "" || os.Getenv("TICKETD_E2E") == "1" {
		skip = t.Fatalf
	}
	if err := chattr("+i", probe); err != nil {
		skip("cannot make the database unwritable here: %v", err)
	}
	defer chattr("-i", probe)
	if f, err := os.OpenFile(probe, os.O_WRONLY|os.O_APPEND, 0); err == nil {
		f.Close()
		skip("chattr +i does not stop writes on this file system")
	}
}

// chattr changes the attributes of the files that exist among paths.
func chattr(op string, paths ...string) error {
	var existing []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			existing = append(existing, p)
		}
	}
	if len(existing) == 0 {
		return nil
	}
	out, err := exec.Command("chattr", append([]string{op}, existing...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("chattr %s: %v: %s", op, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
