package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/e2e"
	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/store"
)

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
	return startProcess(t, bin, s.config, filepath.Join(t.TempDir(), "ticketd.log"))
}

// startProcess starts "ticketd run -config config", appending its log to
// logPath; the process is killed when t ends.
func startProcess(t *testing.T, bin, config, logPath string) *daemonProcess {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "run", "-config", config)
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
	ts, err := allTickets(ctx, db)
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
			case store.DirectionIn:
				in++
				a.inbound[m.MessageID]++
			case store.DirectionOut:
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
	if err := chattr("+i", probe); err != nil {
		e2e.Unavailable(t, "cannot make the database unwritable here: %v", err)
	}
	defer chattr("-i", probe)
	if f, err := os.OpenFile(probe, os.O_WRONLY|os.O_APPEND, 0); err == nil {
		f.Close()
		e2e.Unavailable(t, "chattr +i does not stop writes on this file system")
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
