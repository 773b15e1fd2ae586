package mailtest

import (
	"bytes"
	"errors"
	"go/build"
	"net"
	"net/smtp"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/ticketd/ticketd/internal/e2e"
)

// letter builds a small RFC 5322 message with CRLF line ends.
func letter(from, to, subject, extra, body string) []byte {
	h := "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject +
		"\r\nDate: Mon, 02 Jan 2006 15:04:05 +0000\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", "-") + "@example.com>\r\n" + extra
	return []byte(h + "\r\n" + body + "\r\n")
}

func TestDovecotAppendAndCount(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t)

	if total, unseen := d.Count(t, "INBOX"); total != 0 || unseen != 0 {
		t.Fatalf("Count(INBOX) on a fresh server = %d, %d, want 0, 0", total, unseen)
	}
	if total, unseen := d.Count(t, "Tickets"); total != 0 || unseen != 0 {
		t.Fatalf("Count(Tickets) of a missing mailbox = %d, %d, want 0, 0", total, unseen)
	}

	raw := letter("Ann <ann@example.com>", "support@example.com", "printer on fire", "", "Help!")
	d.Append(t, "INBOX", raw)
	d.Append(t, "Tickets", raw) // creates Tickets
	d.Append(t, "Tickets", raw) // Tickets exists now

	if total, unseen := d.Count(t, "INBOX"); total != 1 || unseen != 1 {
		t.Errorf("Count(INBOX) = %d, %d, want 1, 1", total, unseen)
	}
	if total, unseen := d.Count(t, "Tickets"); total != 2 || unseen != 2 {
		t.Errorf("Count(Tickets) = %d, %d, want 2, 2", total, unseen)
	}
	if got := fetchFirst(t, d, "INBOX"); !bytes.Equal(got, raw) {
		t.Errorf("message fetched from INBOX = %q, want %q", got, raw)
	}
}

func TestDovecotAppendEachAndRaw(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t)
	crlf := letter("ann@example.com", "support@example.com", "crlf", "", "1")
	lf := []byte("From: bob@example.com\nSubject: lf\n\nbare LF\n")
	nul := letter("eve@example.com", "support@example.com", "nul", "", "a\x00b")
	uids := d.AppendEach(t, "INBOX", [][]byte{crlf, lf, nul})
	if !slices.Equal(uids, []uint32{1, 2, 3}) {
		t.Fatalf("AppendEach of 3 letters to a new INBOX = UIDs %v, want [1 2 3]", uids)
	}
	raws := d.Raw(t, "INBOX")
	want := map[uint32][]byte{
		1: crlf,
		2: bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n")), // Dovecot serves CRLF
		3: bytes.ReplaceAll(nul, []byte{0}, []byte{0x80}),     // and no NUL in a literal
	}
	for uid, w := range want {
		if !bytes.Equal(raws[uid], w) {
			t.Errorf("Raw(INBOX)[%d] = %q, want %q", uid, raws[uid], w)
		}
	}
	if total, unseen := d.Count(t, "INBOX"); total != 3 || unseen != 3 {
		t.Errorf("after Raw, Count(INBOX) = %d, %d; want 3, 3: Raw must not set \\Seen", total, unseen)
	}
}

// fetchFirst returns the body of the first message in mailbox, read the way
// ticketd will read it.
func fetchFirst(t *testing.T, d *Dovecot, mailbox string) []byte {
	t.Helper()
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		t.Fatalf("DialInsecure(%s): %v", d.Addr, err)
	}
	defer c.Close()
	if err := c.Login(d.Username, d.Password).Wait(); err != nil {
		t.Fatalf("Login(%s): %v", d.Username, err)
	}
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatalf("Select(%s): %v", mailbox, err)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatalf("Fetch(1): %v", err)
	}
	if len(msgs) != 1 {
		t.Fatalf("Fetch(1) returned %d messages, want 1", len(msgs))
	}
	return msgs[0].FindBodySection(section)
}

func TestDovecotAddUser(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t)
	d.AddUser(t, "sales", "hunter2")

	d.AppendAs(t, "sales", "hunter2", "INBOX", letter("bob@example.com", "sales@example.com", "quote", "", "Price?"))
	if total, _ := d.CountAs(t, "sales", "hunter2", "INBOX"); total != 1 {
		t.Errorf("CountAs(sales, INBOX) = %d, want 1", total)
	}
	if total, _ := d.Count(t, "INBOX"); total != 0 {
		t.Errorf("Count(support's INBOX) = %d, want 0: users must not share mail", total)
	}
}

func TestDovecotStopRestart(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t)
	d.Append(t, "INBOX", letter("ann@example.com", "support@example.com", "before outage", "", "Hi"))
	addr, pgid := d.Addr, d.proc.cmd.Process.Pid

	d.Stop(t)
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, signalling dovecot's process group = %v, want ESRCH", err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("dial %s after Stop succeeded, want refused", addr)
	}

	d.Restart(t)
	if d.Addr != addr {
		t.Errorf("Addr after Restart = %s, want %s", d.Addr, addr)
	}
	if total, _ := d.Count(t, "INBOX"); total != 1 {
		t.Errorf("Count(INBOX) after Restart = %d, want 1", total)
	}
}

func TestMailpitSend(t *testing.T) {
	t.Parallel()
	m := StartMailpit(t)

	first := letter("support@example.com", "ann@example.com", "plain send", "", "Without AUTH")
	if err := smtp.SendMail(m.SMTPAddr, nil, "support@example.com", []string{"ann@example.com"}, first); err != nil {
		t.Fatalf("SendMail without auth: %v", err)
	}
	second := letter("Support <support@example.com>", "Ann <ann@example.com>", "re printer on fire",
		"In-Reply-To: <printer-on-fire@example.com>\r\n", "With AUTH")
	auth := smtp.PlainAuth("", "ticketd", "any password", "127.0.0.1")
	if err := smtp.SendMail(m.SMTPAddr, auth, "support@example.com", []string{"ann@example.com"}, second); err != nil {
		t.Fatalf("SendMail with auth: %v", err)
	}

	third := letter("support@example.com", "ann@example.com", "login send", "", "With AUTH LOGIN")
	if err := smtp.SendMail(m.SMTPAddr, loginAuth{"ticketd", "any password"}, "support@example.com", []string{"ann@example.com"}, third); err != nil {
		t.Fatalf("SendMail with AUTH LOGIN: %v", err)
	}

	msgs := m.WaitMessages(t, 3, 10*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("WaitMessages(3) returned %d messages, want 3", len(msgs))
	}
	got := msgs[1]
	if got.Subject != "re printer on fire" || got.MessageID != "re-printer-on-fire@example.com" ||
		got.InReplyTo != "printer-on-fire@example.com" {
		t.Errorf("second message = subject %q, id %q, in-reply-to %q; want %q, %q, %q",
			got.Subject, got.MessageID, got.InReplyTo,
			"re printer on fire", "re-printer-on-fire@example.com", "printer-on-fire@example.com")
	}
	if msgs[2].Username != "ticketd" {
		t.Errorf("third message Username = %q, want %q", msgs[2].Username, "ticketd")
	}
	wantFrom := Address{Name: "Support", Address: "support@example.com"}
	if got.From != wantFrom || len(got.To) != 1 || got.To[0].Address != "ann@example.com" {
		t.Errorf("second message from %+v to %+v, want from %+v to ann@example.com", got.From, got.To, wantFrom)
	}
	if msgs[0].Subject != "plain send" || msgs[0].Username != "" || msgs[0].InReplyTo != "" {
		t.Errorf("first message = subject %q, user %q, in-reply-to %q; want %q, \"\", \"\"",
			msgs[0].Subject, msgs[0].Username, msgs[0].InReplyTo, "plain send")
	}

	if raw := m.Raw(t, got.ID); !bytes.Contains(raw, []byte("With AUTH")) {
		t.Errorf("Raw(%s) = %q, want it to contain the body", got.ID, raw)
	}
	if h := m.Headers(t, got.ID); len(h["Subject"]) != 1 || h["Subject"][0] != "re printer on fire" {
		t.Errorf("Headers(%s)[Subject] = %q, want [re printer on fire]", got.ID, h["Subject"])
	}
}

func TestMailpitStopRestart(t *testing.T) {
	t.Parallel()
	m := StartMailpit(t)
	send := func(subject string) error {
		return smtp.SendMail(m.SMTPAddr, nil, "support@example.com", []string{"ann@example.com"},
			letter("support@example.com", "ann@example.com", subject, "", "Hi"))
	}
	if err := send("before outage"); err != nil {
		t.Fatalf("send before Stop: %v", err)
	}
	m.WaitMessages(t, 1, 10*time.Second)
	pgid := m.proc.cmd.Process.Pid

	m.Stop(t)
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, signalling mailpit's process group = %v, want ESRCH", err)
	}
	if err := send("during outage"); err == nil {
		t.Fatal("send after Stop succeeded, want an error")
	}

	m.Restart(t)
	if err := send("after outage"); err != nil {
		t.Fatalf("send after Restart: %v", err)
	}
	msgs := m.WaitMessages(t, 2, 10*time.Second)
	if got := subjects(msgs); got != `["before outage", "after outage"]` {
		t.Errorf("subjects after Restart = %s, want [\"before outage\", \"after outage\"]", got)
	}
}

func TestFreePort(t *testing.T) {
	port := FreePort(t)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("listen on FreePort() = %d: %v", port, err)
	}
	l.Close()
}

// loginAuth is the SMTP AUTH LOGIN mechanism, which net/smtp lacks.
type loginAuth struct{ username, password string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	switch {
	case !more:
		return nil, nil
	case strings.HasPrefix(strings.ToLower(string(challenge)), "user"):
		return []byte(a.username), nil
	default:
		return []byte(a.password), nil
	}
}

func TestLaunchDovecotClose(t *testing.T) {
	t.Parallel()
	d, err := LaunchDovecot("")
	if errors.Is(err, ErrNotInstalled) && !e2e.Required() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("LaunchDovecot: %v", err)
	}
	dir, pgid := d.dir, d.proc.cmd.Process.Pid
	raws := [][]byte{
		letter("ann@example.com", "support@example.com", "first", "", "1"),
		letter("bob@example.com", "support@example.com", "second", "", "2"),
		letter("eve@example.com", "support@example.com", "third", "", "3"),
	}
	if err := d.Deliver("INBOX", raws...); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	c, err := d.Login(d.Username, d.Password)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	total, unseen, err := status(c, "INBOX")
	c.Close()
	if err != nil || total != 3 || unseen != 3 {
		t.Errorf("status(INBOX) after Deliver of 3 = %d, %d, %v; want 3, 3, nil", total, unseen, err)
	}

	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Close, signalling dovecot's process group = %v, want ESRCH", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, stat %s = %v, want it gone", dir, err)
	}
}

func TestLaunchMailpitClose(t *testing.T) {
	t.Parallel()
	m, err := LaunchMailpit("")
	if errors.Is(err, ErrNotInstalled) && !e2e.Required() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("LaunchMailpit: %v", err)
	}
	dir := m.dir
	defer m.Close()
	for _, subject := range []string{"one", "two"} {
		if err := smtp.SendMail(m.SMTPAddr, nil, "support@example.com", []string{"ann@example.com"},
			letter("support@example.com", "ann@example.com", subject, "", "Hi")); err != nil {
			t.Fatalf("SendMail: %v", err)
		}
	}
	if n, err := m.Total(); n != 2 || err != nil {
		t.Errorf("Total() = %d, %v; want 2, nil", n, err)
	}
	if msgs, err := m.List(); err != nil || subjects(msgs) != `["one", "two"]` {
		t.Errorf("List() = %s, %v; want [\"one\", \"two\"], nil", subjects(msgs), err)
	}
	if err := m.DeleteAll(); err != nil {
		t.Fatalf("DeleteAll: %v", err)
	}
	if n, err := m.Total(); n != 0 || err != nil {
		t.Errorf("Total() after DeleteAll = %d, %v; want 0, nil", n, err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, stat %s = %v, want it gone", dir, err)
	}
}

func TestDovecotListRecreate(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t)
	raws := [][]byte{
		letter("ann@example.com", "support@example.com", "first", "", "1"),
		[]byte("From: bob@example.com\r\nSubject: no id\r\n\r\nHi\r\n"),
	}
	d.AppendMany(t, "Support", raws)
	got := d.List(t, "Support")
	if len(got) != 2 || got[0].MessageID != "first@example.com" || got[1].MessageID != "" || got[0].Seen || got[1].Seen {
		t.Fatalf("List(Support) = %+v, want first@example.com and no ID, both unseen", got)
	}
	if total, unseen := d.Count(t, "Support"); total != 2 || unseen != 2 {
		t.Errorf("Count(Support) after List = %d, %d; want 2, 2 (List must not set \\Seen)", total, unseen)
	}

	before, after := d.Recreate(t, "Support", raws[:1])
	if before == 0 || after == 0 || before == after {
		t.Errorf("Recreate(Support) UIDVALIDITY = %d → %d, want two different non-zero values", before, after)
	}
	if got := d.List(t, "Support"); len(got) != 1 || got[0].MessageID != "first@example.com" {
		t.Errorf("List(Support) after Recreate = %+v, want only first@example.com", got)
	}
	if got := d.List(t, "Missing"); len(got) != 0 {
		t.Errorf("List(Missing) = %+v, want nothing", got)
	}
}

// TestNoTestingImport keeps the package usable from programs: it must not
// import "testing" outside its tests.
func TestNoTestingImport(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(pkg.Imports, "testing") {
		t.Errorf("package mailtest imports \"testing\" outside its tests; take TB instead of testing.TB")
	}
}

func TestDovecotFreezeSessions(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t)
	d.Append(t, "INBOX", letter("ann@example.com", "support@example.com", "frozen", "", "Hi"))
	c, err := d.Login(d.Username, d.Password)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	resume := d.FreezeSessions(t)
	noop := make(chan error, 1)
	go func() { noop <- c.Noop().Wait() }()
	select {
	case err := <-noop:
		t.Fatalf("NOOP on a frozen session = %v, want no answer", err)
	case <-time.After(time.Second):
	}
	if total, _ := d.Count(t, "INBOX"); total != 1 {
		t.Errorf("Count(INBOX) over a new session while another is frozen = %d, want 1", total)
	}
	resume()
	select {
	case err := <-noop:
		if err != nil {
			t.Errorf("NOOP after resume = %v", err)
		}
	case <-time.After(imapTimeout):
		t.Fatal("NOOP still unanswered after resume")
	}
}
