package mailtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// imapTimeout bounds one helper's whole IMAP conversation.
const imapTimeout = 30 * time.Second

// Dovecot is a running Dovecot IMAP server. A test starts one with
// StartDovecot and uses the methods that take a TB, which fail the test on
// error and so, like t.Fatal, must be called from the goroutine running the
// test. A program starts one with LaunchDovecot, uses Login and Deliver,
// and stops it with Close.
type Dovecot struct {
	Addr     string // host:port on 127.0.0.1, plain IMAP (no TLS)
	Username string // "support"
	Password string // "secret"

	bin     string   // the dovecot executable
	dir     string   // configuration, mail, logs and sockets
	ownsDir bool     // dir was made by LaunchDovecot and goes with Close
	conf    string   // the configuration file inside dir
	proc    *process // nil while stopped
}

// LaunchDovecot starts a fresh Dovecot with one user, d.Username, whose
// password is d.Password, and returns once that user can log in. Its
// configuration, mail and logs live in dir, or, when dir is "", in a new
// temporary directory that Close removes. A dir given must be new or empty;
// mail processes run as nobody when the caller is root, so it must be open
// to all, and Unix sockets live in it, so its path must be short.
//
// Dovecot runs from a configuration of its own; nothing in /etc/dovecot is
// read. When Dovecot is not installed the error wraps ErrNotInstalled.
func LaunchDovecot(dir string) (*Dovecot, error) {
	bin, err := findBinary("dovecot", "\"apt-get install -y dovecot-imapd\"", "/usr/sbin/dovecot")
	if err != nil {
		return nil, err
	}
	dir, owned, err := serverDir("dovecot", dir)
	if err != nil {
		return nil, err
	}
	d := &Dovecot{
		Username: "support",
		Password: "secret",
		bin:      bin,
		dir:      dir,
		ownsDir:  owned,
		conf:     filepath.Join(dir, "dovecot.conf"),
	}
	err = d.prepare()
	for attempt := 0; err == nil && attempt < startAttempts; attempt++ {
		if err = d.configure(); err != nil {
			break
		}
		if err = d.start(); !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		return nil, errors.Join(err, d.removeDir())
	}
	return d, nil
}

// Close stops the server and removes its directory if LaunchDovecot made it.
func (d *Dovecot) Close() error {
	var err error
	if d.proc != nil {
		if err = d.proc.stop(); err != nil {
			err = fmt.Errorf("mailtest: stop dovecot: %w", err)
		}
		d.proc = nil
	}
	return errors.Join(err, d.removeDir())
}

// Login opens an IMAP connection to the server logged in as user. The
// caller closes it.
func (d *Dovecot) Login(user, password string) (*imapclient.Client, error) {
	conn, err := net.DialTimeout("tcp", d.Addr, probeTimeout)
	if err != nil {
		return nil, fmt.Errorf("mailtest: dial %s: %w", d.Addr, err)
	}
	c := imapclient.New(conn, nil)
	if err := c.Login(user, password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("mailtest: login %s: %w", user, err)
	}
	return c, nil
}

// Deliver stores each of raws as a new message in mailbox, in order, as
// d.Username, over one connection. It creates the mailbox if it does not
// exist.
func (d *Dovecot) Deliver(mailbox string, raws ...[]byte) error {
	timeout := imapTimeout + time.Duration(len(raws))*time.Millisecond
	err := d.session(d.Username, d.Password, timeout, func(c *imapclient.Client) error {
		return appendMessages(c, mailbox, raws)
	})
	if err != nil {
		return fmt.Errorf("mailtest: append to %s: %w", mailbox, err)
	}
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

// stop shuts the server down if it is running.
func (d *Dovecot) stop() error {
	if d.proc == nil {
		return nil
	}
	err := d.proc.stop()
	d.proc = nil
	if err != nil {
		return fmt.Errorf("mailtest: stop dovecot: %w", err)
	}
	return nil
}

// removeDir removes the server's directory if it is the server's own.
func (d *Dovecot) removeDir() error {
	if !d.ownsDir {
		return nil
	}
	if err := os.RemoveAll(d.dir); err != nil {
		return fmt.Errorf("mailtest: remove dovecot dir: %w", err)
	}
	d.ownsDir = false
	return nil
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
