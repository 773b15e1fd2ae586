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
	// SubmissionAddr is host:port on 127.0.0.1 of the submission service
	// (plain SMTP with AUTH, no TLS) when DovecotOptions.SubmissionRelay
	// asked for it; "" otherwise.
	SubmissionAddr string

	opts    DovecotOptions
	relay   *relay8BitMIME // in front of opts.SubmissionRelay; nil without
	bin     string         // the dovecot executable
	dir     string         // configuration, mail, logs and sockets
	ownsDir bool           // dir was made by LaunchDovecot and goes with Close
	conf    string         // the configuration file inside dir
	proc    *process       // nil while stopped
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
	return LaunchDovecotWith(dir, nil)
}

// DovecotOptions adds services to a Dovecot; the zero value (or nil) adds
// none.
type DovecotOptions struct {
	// IntrospectionURL, when set, adds an oauth2 passdb (Dovecot 2.3's
	// driver = oauth2, introspection_mode = post): XOAUTH2 and OAUTHBEARER
	// logins are offered, and each one's token is POSTed as token=… to this
	// RFC 7662 endpoint (internal/oauthtest serves one); the login succeeds
	// when the answer is active and its "username" is the name logged in
	// as. Any such name is a mail user; password users keep working, and
	// only with PLAIN and LOGIN.
	IntrospectionURL string
	// SubmissionRelay, when set to a host:port on 127.0.0.1 (a Mailpit's
	// SMTPAddr), runs Dovecot's submission service (RFC 6409, Debian
	// package dovecot-submissiond) on SubmissionAddr: it takes letters from
	// users logged in by password or token and relays each to
	// SubmissionRelay, through a relay of mailtest's own that adds 8BITMIME
	// to Mailpit's EHLO (see relay8BitMIME). A user whose token names them
	// can also be given a password with AddUser, to fill their mailbox.
	SubmissionRelay string
}

// LaunchDovecotWith is LaunchDovecot with the services opts adds.
func LaunchDovecotWith(dir string, opts *DovecotOptions) (*Dovecot, error) {
	bin, err := findBinary("dovecot", "\"apt-get install -y dovecot-imapd\"", "/usr/sbin/dovecot")
	if err != nil {
		return nil, err
	}
	dir, owned, err := serverDir("dovecot", dir)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &DovecotOptions{}
	}
	if opts.SubmissionRelay != "" {
		sub := filepath.Join(filepath.Dir(bin), "..", "lib", "dovecot", "submission")
		if _, err := findBinary("dovecot-submission", "\"apt-get install -y dovecot-submissiond\"",
			sub, "/usr/lib/dovecot/submission"); err != nil {
			return nil, err
		}
	}
	d := &Dovecot{
		opts:     *opts,
		Username: "support",
		Password: "secret",
		bin:      bin,
		dir:      dir,
		ownsDir:  owned,
		conf:     filepath.Join(dir, "dovecot.conf"),
	}
	err = d.prepare()
	if err == nil && opts.SubmissionRelay != "" {
		d.relay, err = startRelay8BitMIME(opts.SubmissionRelay)
	}
	for attempt := 0; err == nil && attempt < startAttempts; attempt++ {
		if err = d.configure(); err != nil {
			break
		}
		if err = d.start(); !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		return nil, errors.Join(err, d.closeRelay(), d.removeDir())
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
	return errors.Join(err, d.closeRelay(), d.removeDir())
}

// closeRelay stops the relay in front of the submission service's target.
func (d *Dovecot) closeRelay() error {
	if d.relay == nil {
		return nil
	}
	err := d.relay.close()
	d.relay = nil
	return err
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
	if d.opts.IntrospectionURL != "" {
		conf := fmt.Sprintf(oauth2Conf, d.opts.IntrospectionURL)
		if err := os.WriteFile(filepath.Join(d.dir, "oauth2.conf.ext"), []byte(conf), 0o644); err != nil {
			return fmt.Errorf("mailtest: write dovecot oauth2 config: %w", err)
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
	if d.opts.IntrospectionURL != "" {
		s.OAuth2Conf = filepath.Join(d.dir, "oauth2.conf.ext")
	}
	if d.opts.SubmissionRelay != "" {
		host, relayPort, err := net.SplitHostPort(d.relay.addr())
		if err != nil {
			return fmt.Errorf("mailtest: configure dovecot: submission relay %q: %w", d.relay.addr(), err)
		}
		if s.RelayPort, err = strconv.Atoi(relayPort); err != nil {
			return fmt.Errorf("mailtest: configure dovecot: submission relay %q: bad port", d.relay.addr())
		}
		s.RelayHost = host
		if s.SubmissionPort, err = freePort(); err != nil {
			return err
		}
	}
	if err := writeDovecotConf(d.bin, d.conf, s); err != nil {
		return fmt.Errorf("mailtest: configure dovecot: %w", err)
	}
	d.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if s.SubmissionPort != 0 {
		d.SubmissionAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.SubmissionPort))
	}
	return nil
}
