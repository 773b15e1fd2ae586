package mailtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// imapTimeout bounds one helper's whole IMAP conversation.
const imapTimeout = 30 * time.Second

// Dovecot is a running Dovecot IMAP server owned by one test. Its methods
// fail the test on error, so, like t.Fatal, they must be called from the
// goroutine running the test.
type Dovecot struct {
	Addr     string // host:port on 127.0.0.1, plain IMAP (no TLS)
	Username string // "support"
	Password string // "secret"

	bin  string   // the dovecot executable
	dir  string   // configuration, mail, logs and sockets
	conf string   // the configuration file inside dir
	proc *process // nil while stopped
}

// StartDovecot starts a fresh Dovecot with one user, d.Username, whose
// password is d.Password. The server is stopped by t.Cleanup.
//
// Dovecot runs from a configuration of its own in a new temporary directory
// (not t.TempDir: its parents are private to root, and Dovecot's mail
// processes run as nobody). Nothing in /etc/dovecot is read.
func StartDovecot(t testing.TB) *Dovecot {
	t.Helper()
	bin := requireBinary(t, "dovecot", "\"apt-get install -y dovecot-imapd\"", "/usr/sbin/dovecot")
	dir := serverDir(t, "dovecot")
	d := &Dovecot{
		Username: "support",
		Password: "secret",
		bin:      bin,
		dir:      dir,
		conf:     filepath.Join(dir, "dovecot.conf"),
	}
	if err := d.prepare(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.cleanup(t) })

	var err error
	for range startAttempts {
		if err = d.configure(); err != nil {
			break
		}
		if err = d.start(); !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// AddUser adds a mail user with an empty mailbox, and returns once the user
// can log in. Dovecot re-reads its passwd file without a restart, but at most
// once a second, so AddUser can take that long.
func (d *Dovecot) AddUser(t testing.TB, name, password string) {
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
func (d *Dovecot) Append(t testing.TB, mailbox string, raw []byte) {
	t.Helper()
	d.AppendAs(t, d.Username, d.Password, mailbox, raw)
}

// AppendAs is Append for a user added with AddUser.
func (d *Dovecot) AppendAs(t testing.TB, user, password, mailbox string, raw []byte) {
	t.Helper()
	err := d.session(user, password, imapTimeout, func(c *imapclient.Client) error {
		return appendMessage(c, mailbox, raw)
	})
	if err != nil {
		t.Fatalf("mailtest: append to %s as %s: %v", mailbox, user, err)
	}
}

// Count returns how many messages mailbox holds, and how many of them are
// not \Seen, as d.Username sees them. A mailbox that does not exist counts
// as empty.
func (d *Dovecot) Count(t testing.TB, mailbox string) (total, unseen int) {
	t.Helper()
	return d.CountAs(t, d.Username, d.Password, mailbox)
}

// CountAs is Count for a user added with AddUser.
func (d *Dovecot) CountAs(t testing.TB, user, password, mailbox string) (total, unseen int) {
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

// Stop shuts the server down; clients see their connections close and new
// ones refused. It does nothing if the server is already stopped.
func (d *Dovecot) Stop(t testing.TB) {
	t.Helper()
	if d.proc == nil {
		return
	}
	err := d.proc.stop()
	d.proc = nil
	if err != nil {
		t.Fatalf("mailtest: stop dovecot: %v", err)
	}
}

// Restart starts the server again on the same port with the same users and
// mail, stopping it first if it is running.
func (d *Dovecot) Restart(t testing.TB) {
	t.Helper()
	d.Stop(t)
	if err := d.start(); err != nil {
		t.Fatal(err)
	}
}

// prepare creates the server's directories and its passwd file. Mail
// processes run as another user than the test, so mail and home are open to
// all.
func (d *Dovecot) prepare() error {
	for _, sub := range []string{"run", "state", "mail", "home"} {
		if err := os.Mkdir(filepath.Join(d.dir, sub), 0o755); err != nil {
			return fmt.Errorf("mailtest: create dovecot dir: %w", err)
		}
	}
	for _, sub := range []string{"mail", "home"} {
		if err := os.Chmod(filepath.Join(d.dir, sub), 0o777); err != nil {
			return fmt.Errorf("mailtest: open dovecot dir: %w", err)
		}
	}
	return addPasswdLine(filepath.Join(d.dir, "passwd"), d.Username, d.Password)
}

// configure picks a free port and writes the configuration for it.
func (d *Dovecot) configure() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	owner, group, unprivileged, err := mailOwner()
	if err != nil {
		return fmt.Errorf("mailtest: configure dovecot: %w", err)
	}
	s := dovecotSettings{
		Dir:          d.dir,
		Name:         "ticketd-test-" + strconv.Itoa(port),
		Port:         port,
		MailUser:     owner,
		MailGroup:    group,
		Unprivileged: unprivileged,
	}
	if err := writeDovecotConf(d.bin, d.conf, s); err != nil {
		return fmt.Errorf("mailtest: configure dovecot: %w", err)
	}
	d.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return nil
}

// start runs Dovecot in the foreground and waits until d.Username can log
// in. On failure the error carries Dovecot's log.
func (d *Dovecot) start() error {
	logPath := filepath.Join(d.dir, "dovecot.log")
	outPath := filepath.Join(d.dir, "dovecot.out")
	// Earlier runs' lines would confuse the port-in-use check below.
	_ = os.Remove(logPath)
	_ = os.Remove(outPath)

	p, err := startProcess(d.bin, []string{"-F", "-c", d.conf}, outPath)
	if err != nil {
		return fmt.Errorf("mailtest: %w", err)
	}
	d.proc = p
	deadline := time.Now().Add(startTimeout)
	for {
		if exited, exitErr := p.exited(); exited {
			d.proc = nil
			logs := tail(logPath) + "\n" + p.output()
			err := fmt.Errorf("mailtest: dovecot on %s exited during startup (%v):\n%s", d.Addr, exitErr, logs)
			if strings.Contains(logs, "Address already in use") {
				err = fmt.Errorf("%w: %w", errAddrInUse, err)
			}
			return err
		}
		loginErr := d.session(d.Username, d.Password, probeTimeout, func(*imapclient.Client) error { return nil })
		if loginErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			stopErr := p.stop()
			d.proc = nil
			return fmt.Errorf("mailtest: dovecot on %s not ready after %v: %w\n%s\n%s",
				d.Addr, startTimeout, errors.Join(loginErr, stopErr), tail(logPath), p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cleanup stops the server at the end of the test.
func (d *Dovecot) cleanup(t testing.TB) {
	if d.proc == nil {
		return
	}
	if exited, err := d.proc.exited(); exited {
		t.Logf("mailtest: dovecot exited before the test ended (%v):\n%s",
			err, tail(filepath.Join(d.dir, "dovecot.log")))
	}
	if err := d.proc.stop(); err != nil {
		t.Errorf("mailtest: stop dovecot: %v", err)
	}
	d.proc = nil
}

// session logs in as user, runs fn, and logs out, all within timeout.
func (d *Dovecot) session(user, password string, timeout time.Duration, fn func(*imapclient.Client) error) error {
	conn, err := net.DialTimeout("tcp", d.Addr, timeout)
	if err != nil {
		return fmt.Errorf("dial %s: %w", d.Addr, err)
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	timer := time.AfterFunc(timeout, func() { c.Close() })
	defer timer.Stop()

	if err := c.Login(user, password).Wait(); err != nil {
		return fmt.Errorf("login %s: %w", user, err)
	}
	if err := fn(c); err != nil {
		return err
	}
	if err := c.Logout().Wait(); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// appendMessage creates mailbox unless it exists, then appends raw to it.
func appendMessage(c *imapclient.Client, mailbox string, raw []byte) error {
	if !strings.EqualFold(mailbox, "INBOX") {
		err := c.Create(mailbox, nil).Wait()
		var imapErr *imap.Error
		if err != nil && !(errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAlreadyExists) {
			return fmt.Errorf("create %s: %w", mailbox, err)
		}
	}
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return fmt.Errorf("write message: %w", err)
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("finish message: %w", err)
	}
	if _, err := cmd.Wait(); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	return nil
}

// status asks for the number of messages and unseen messages in mailbox,
// which counts as empty if it does not exist.
func status(c *imapclient.Client, mailbox string) (total, unseen int, err error) {
	// QUIRK: Dovecot 2.3 answers STATUS on a missing mailbox with a bare NO,
	// without RFC 5530's NONEXISTENT code, so ask LIST first.
	found, err := c.List("", mailbox, nil).Collect()
	if err != nil {
		return 0, 0, fmt.Errorf("list %s: %w", mailbox, err)
	}
	if len(found) == 0 {
		return 0, 0, nil
	}
	data, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil {
		return 0, 0, fmt.Errorf("status %s: %w", mailbox, err)
	}
	if data.NumMessages == nil || data.NumUnseen == nil {
		return 0, 0, fmt.Errorf("status %s: server left out MESSAGES or UNSEEN", mailbox)
	}
	return int(*data.NumMessages), int(*data.NumUnseen), nil
}

// addPasswdLine appends a user with a plain-text password to a Dovecot
// passwd-file.
func addPasswdLine(path, name, password string) error {
	if name == "" || strings.ContainsAny(name, ":\r\n") || strings.ContainsAny(password, ":\r\n") {
		return fmt.Errorf("mailtest: add user %q: name must be non-empty, and neither may hold ':' or a line break", name)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("mailtest: add user %s: %w", name, err)
	}
	_, err = fmt.Fprintf(f, "%s:{PLAIN}%s\n", name, password)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("mailtest: add user %s: %w", name, err)
	}
	return nil
}

// serverDir creates a directory for one server that every user may enter,
// removed by t.Cleanup. Its path stays short because Dovecot puts Unix
// sockets in it.
func serverDir(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ticketd-"+name+"-")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatalf("mailtest: create %s dir: %v", name, err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("mailtest: remove %s dir: %v", name, err)
		}
	})
	return dir
}
