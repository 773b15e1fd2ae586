package mailtest

import (
	"path/filepath"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// StartDovecot starts a fresh Dovecot (see LaunchDovecot) in a temporary
// directory; t.Cleanup stops it and removes the directory.
func StartDovecot(t TB) *Dovecot {
	t.Helper()
	return StartDovecotWith(t, nil)
}

// StartDovecotWith is StartDovecot with the services opts adds (see
// DovecotOptions).
func StartDovecotWith(t TB, opts *DovecotOptions) *Dovecot {
	t.Helper()
	d, err := LaunchDovecotWith("", opts)
	if err != nil {
		fatalOrSkip(t, err)
	}
	t.Cleanup(func() {
		if d.proc != nil {
			if exited, err := d.proc.exited(); exited {
				t.Logf("mailtest: dovecot exited before the test ended (%v):\n%s",
					err, tail(filepath.Join(d.dir, "dovecot.log")))
			}
		}
		if err := d.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return d
}

// AddUser adds a mail user with an empty mailbox, and returns once the user
// can log in. Dovecot re-reads its passwd file without a restart, but at most
// once a second, so AddUser can take that long.
func (d *Dovecot) AddUser(t TB, name, password string) {
	t.Helper()
	if err := addPasswdLine(filepath.Join(d.dir, "passwd"), name, password); err != nil {
		t.Fatal(err)
	}
	if d.proc == nil {
		return // a stopped server reads the file when it restarts
	}
	// Dovecot checks the file only when its clock has moved to a new second
	// since the last check.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
	deadline := time.Now().Add(startTimeout)
	for {
		err := d.session(name, password, probeTimeout, func(*imapclient.Client) error { return nil })
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: add user %s: cannot log in after %v: %v\n%s",
				name, startTimeout, err, tail(filepath.Join(d.dir, "dovecot.log")))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Append stores raw as a new message in mailbox, logged in as d.Username. It
// creates the mailbox if it does not exist.
func (d *Dovecot) Append(t TB, mailbox string, raw []byte) {
	t.Helper()
	d.AppendAs(t, d.Username, d.Password, mailbox, raw)
}

// AppendAs is Append for a user added with AddUser.
func (d *Dovecot) AppendAs(t TB, user, password, mailbox string, raw []byte) {
	t.Helper()
	err := d.session(user, password, imapTimeout, func(c *imapclient.Client) error {
		return appendMessages(c, mailbox, [][]byte{raw})
	})
	if err != nil {
		t.Fatalf("mailtest: append to %s as %s: %v", mailbox, user, err)
	}
}

// AppendMany stores each of raws as a new message in mailbox, in order, over
// one connection (see Deliver).
func (d *Dovecot) AppendMany(t TB, mailbox string, raws [][]byte) {
	t.Helper()
	if err := d.Deliver(mailbox, raws...); err != nil {
		t.Fatal(err)
	}
}

// AppendEach is AppendMany that returns the UID the server gave each letter,
// in the order of raws.
func (d *Dovecot) AppendEach(t TB, mailbox string, raws [][]byte) []uint32 {
	t.Helper()
	var uids []uint32
	timeout := imapTimeout + time.Duration(len(raws))*time.Millisecond
	err := d.session(d.Username, d.Password, timeout, func(c *imapclient.Client) error {
		var err error
		uids, err = appendWithUIDs(c, mailbox, raws)
		return err
	})
	if err != nil {
		t.Fatalf("mailtest: append to %s: %v", mailbox, err)
	}
	return uids
}

// Raw returns the bytes of every letter in mailbox by UID, exactly as an
// IMAP client fetching BODY.PEEK[] gets them, without marking any \Seen.
// They may differ from what was appended: Dovecot serves CRLF line endings
// whatever it was given.
func (d *Dovecot) Raw(t TB, mailbox string) map[uint32][]byte {
	t.Helper()
	var raws map[uint32][]byte
	err := d.session(d.Username, d.Password, imapTimeout, func(c *imapclient.Client) error {
		var err error
		raws, err = fetchRaw(c, mailbox)
		return err
	})
	if err != nil {
		t.Fatalf("mailtest: fetch %s: %v", mailbox, err)
	}
	return raws
}

// Count returns how many messages mailbox holds, and how many of them are
// not \Seen, as d.Username sees them. A mailbox that does not exist counts
// as empty.
func (d *Dovecot) Count(t TB, mailbox string) (total, unseen int) {
	t.Helper()
	return d.CountAs(t, d.Username, d.Password, mailbox)
}

// CountAs is Count for a user added with AddUser.
func (d *Dovecot) CountAs(t TB, user, password, mailbox string) (total, unseen int) {
	t.Helper()
	err := d.session(user, password, imapTimeout, func(c *imapclient.Client) error {
		var err error
		total, unseen, err = status(c, mailbox)
		return err
	})
	if err != nil {
		t.Fatalf("mailtest: count %s as %s: %v", mailbox, user, err)
	}
	return total, unseen
}

// List returns the letters in mailbox, in UID order, as d.Username sees
// them, without marking any \Seen. A mailbox that does not exist is empty.
func (d *Dovecot) List(t TB, mailbox string) []Letter {
	t.Helper()
	var letters []Letter
	err := d.session(d.Username, d.Password, imapTimeout, func(c *imapclient.Client) error {
		var err error
		letters, err = listLetters(c, mailbox)
		return err
	})
	if err != nil {
		t.Fatalf("mailtest: list %s: %v", mailbox, err)
	}
	return letters
}

// Recreate deletes mailbox, creates it again and appends raws to it, as
// happens when a server's index is rebuilt: the mailbox gets a new
// UIDVALIDITY and its letters new UIDs. It returns the UIDVALIDITY before
// (0 if the mailbox did not exist) and after. INBOX cannot be deleted.
func (d *Dovecot) Recreate(t TB, mailbox string, raws [][]byte) (before, after uint32) {
	t.Helper()
	err := d.session(d.Username, d.Password, imapTimeout, func(c *imapclient.Client) error {
		var err error
		before, after, err = recreate(c, mailbox, raws)
		return err
	})
	if err != nil {
		t.Fatalf("mailtest: recreate %s: %v", mailbox, err)
	}
	return before, after
}

// Stop shuts the server down; clients see their connections close and new
// ones refused. It does nothing if the server is already stopped.
func (d *Dovecot) Stop(t TB) {
	t.Helper()
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
}

// Restart starts the server again on the same port with the same users and
// mail, stopping it first if it is running.
func (d *Dovecot) Restart(t TB) {
	t.Helper()
	d.Stop(t)
	if err := d.start(); err != nil {
		t.Fatal(err)
	}
}

// FreezeSessions stops, with SIGSTOP, every process that serves a logged-in
// client (Dovecot's imap processes), as a server that hangs mid-answer
// would: clients keep their connections and get no byte more, while new
// logins get fresh processes and work. resume continues the frozen
// processes; a test that never calls it leaves them frozen, and the test's
// cleanup kills them (a stopped process would ignore Stop's SIGTERM). The
// test fails if no client is logged in.
func (d *Dovecot) FreezeSessions(t TB) (resume func()) {
	t.Helper()
	return d.freeze(t, d.sessions(t))
}

// FreezeSessionsSending is FreezeSessions at the moment one of the
// processes is in the middle of a large answer, such as a FETCH of big
// letters: when its written bytes have grown by at least n between two
// looks a millisecond apart, it is stopped at once, then the others. The
// test fails if that does not happen within timeout.
func (d *Dovecot) FreezeSessionsSending(t TB, n int64, timeout time.Duration) (resume func()) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	written := map[int]int64{}
	var pids []int
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: no imap process sent %d bytes within a millisecond for %v", n, timeout)
		}
		if i%100 == 0 { // sessions come and go
			pids = d.sessions(t)
		}
		for _, pid := range pids {
			w, err := processWritten(pid)
			if err != nil {
				continue // gone
			}
			if last, ok := written[pid]; ok && w-last >= n {
				syscall.Kill(pid, syscall.SIGSTOP)
				return d.freeze(t, d.sessions(t))
			}
			written[pid] = w
		}
		time.Sleep(time.Millisecond)
	}
}

// sessions returns the imap processes running now.
func (d *Dovecot) sessions(t TB) []int {
	t.Helper()
	if d.proc == nil {
		t.Fatal("mailtest: dovecot is stopped")
	}
	pids, err := descendants(d.proc.cmd.Process.Pid, "imap")
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// freeze stops pids until resume is called, or kills them at cleanup.
func (d *Dovecot) freeze(t TB, pids []int) (resume func()) {
	t.Helper()
	if len(pids) == 0 {
		t.Fatal("mailtest: FreezeSessions: no imap process: nobody is logged in")
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatalf("mailtest: freeze imap process %d: %v", pid, err)
		}
	}
	var resumed bool // once running again, they are Dovecot's to stop
	t.Cleanup(func() {
		if !resumed {
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return func() {
		resumed = true
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}
}
