package daemon

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/memmail"
)

// The daemon's IMAP connection is bounded by the server's silence, not by
// the length of an answer (watchedConn). These tests put a memmail.Proxy
// between the daemon and the in-memory server and make it misbehave.

// stallTimeout is Mailbox.Timeout in these tests, and giveUp how long a test
// waits for the daemon before it fails; it is no measure of speed.
const (
	stallTimeout = 300 * time.Millisecond
	giveUp       = 20 * time.Second
)

// behindProxy routes the fixture's IMAP connection through a new proxy.
func behindProxy(t *testing.T, f *fixture) *memmail.Proxy {
	t.Helper()
	p, err := memmail.StartProxy(f.imap.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	f.d.Mailbox.Address, f.d.Mailbox.Timeout = p.Addr, stallTimeout
	return p
}

// pollWithin runs Poll and fails the test if it does not return within
// giveUp.
func pollWithin(t *testing.T, d *Daemon) (int, error) {
	t.Helper()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := d.Poll(context.Background())
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return r.n, r.err
	case <-time.After(giveUp):
		t.Fatalf("Poll still running after %v: a stalled server holds the daemon", giveUp)
		return 0, nil
	}
}

// waitClosed fails the test unless the daemon lets go of every connection
// to the proxy.
func waitClosed(t *testing.T, p *memmail.Proxy) {
	t.Helper()
	deadline := time.Now().Add(giveUp)
	for p.Open() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections to the stalled server still open after %v", p.Open(), giveUp)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDialSilentServer(t *testing.T) {
	cert, err := memmail.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{TLSNone, TLSStartTLS, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			f := newFixture(t)
			p, err := memmail.StartProxy("") // accepts, never answers
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			f.d.Mailbox.Address, f.d.Mailbox.Timeout, f.d.Mailbox.TLS = p.Addr, stallTimeout, mode
			f.d.Mailbox.TLSConfig = &tls.Config{RootCAs: cert.Pool}
			n, err := pollWithin(t, f.d)
			if err == nil || n != 0 || !strings.Contains(err.Error(), "sent nothing") {
				t.Errorf("Poll against a silent server = %d, %v; want the silence named", n, err)
			}
			waitClosed(t, p)
		})
	}
}

func TestFetchStalledMidLetter(t *testing.T) {
	f := newFixture(t)
	body := strings.Repeat("строка письма\r\n", 20000) // 300 KB
	for i := 1; i <= 3; i++ {
		f.imap.Append("INBOX", letter(fmt.Sprintf("c%d@example.ru", i), "Вопрос", fmt.Sprintf("m%d@x", i), body))
	}
	p := behindProxy(t, f)
	p.Hold(400 << 10) // the greeting, the login, the list, a letter and a third
	n, err := pollWithin(t, f.d)
	if err == nil || !strings.Contains(err.Error(), "sent nothing") {
		t.Fatalf("Poll with the server frozen mid-letter = %d, %v; want the silence named", n, err)
	}
	waitClosed(t, p)

	p.Heal()
	f.d.Mailbox.Timeout = 5 * time.Second // no spurious timeout on a loaded machine
	if n, err := pollWithin(t, f.d); err != nil || n != 3 {
		t.Errorf("Poll after the server is back = %d, %v; want 3", n, err)
	}
	wm, _ := f.db.Watermark(context.Background(), "INBOX")
	if wm.LastUID != 3 || wm.DoneUID != 3 {
		t.Errorf("watermark = %+v, want last and done UID 3", wm)
	}
}

// A letter that comes slowly but steadily is not cut off, however long it
// takes in all: here twice the timeout. (The timeout is long enough for the
// relay to get the CPU on a loaded machine.)
func TestFetchSlowLinkLargeLetter(t *testing.T) {
	f := newFixture(t)
	big := letter("a@example.ru", "Скриншоты", "big@x", strings.Repeat("строка письма\r\n", 90000)) // 2.4 MB
	f.imap.Append("INBOX", big)
	p := behindProxy(t, f)
	f.d.Mailbox.Timeout = 2 * time.Second
	p.Throttle(512 << 10) // about 5 s for the letter
	if n, err := pollWithin(t, f.d); err != nil || n != 1 {
		t.Errorf("Poll over a slow link = %d, %v; want the letter", n, err)
	}
}

// The daemon's own work between commands may outlast the timeout: the
// server owes nothing then.
func TestRestingConnectionOutlastsTimeout(t *testing.T) {
	a, b := tcpPair(t)
	c := newWatchedConn(a, 50*time.Millisecond)
	c.rest()
	got := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		got <- err
	}()
	time.Sleep(200 * time.Millisecond)
	b.Write([]byte("*"))
	if err := <-got; err != nil {
		t.Errorf("Read while resting = %v, want the byte sent after four timeouts", err)
	}

	// A write means a reply is due: the read in flight is bounded again.
	go func() {
		_, err := c.Read(make([]byte, 1))
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.Write([]byte("a NOOP\r\n"))
	select {
	case err := <-got:
		var se *silenceError
		if !errors.As(err, &se) || se.op != "read" {
			t.Errorf("Read after a write, server silent = %v, want a silenceError", err)
		}
	case <-time.After(giveUp):
		t.Fatal("Read after a write never gave up on the silent server")
	}
}

func TestIdleRenewalUnanswered(t *testing.T) {
	f := newFixture(t)
	p := behindProxy(t, f)
	var logs lockedBuffer
	f.d.Log = slog.New(slog.NewTextHandler(&logs, nil))
	f.d.PollInterval = 200 * time.Millisecond // the IDLE renewal
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.d.watch(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	waitFor(t, "the daemon connected", func() bool { return p.Open() == 1 })
	time.Sleep(50 * time.Millisecond) // the mailbox is empty: it is in IDLE by now
	p.Freeze()                        // the server stops; the DONE at the renewal goes unanswered
	waitFor(t, "the frozen session reported", func() bool { return strings.Contains(logs.String(), "mailbox unavailable") })
	if l := logs.String(); !strings.Contains(l, "sent nothing") {
		t.Errorf("log = %s\nwant the silence named", l)
	}
	f.imap.Append("INBOX", letter("c@example.ru", "Вопрос", "late@x", "Текст"))
	waitFor(t, "the letter read over a new connection", func() bool { return f.counts(t).Inbound == 1 })
	if p.Accepted() < 2 {
		t.Errorf("%d connections, want a new one after the freeze", p.Accepted())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(giveUp)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", giveUp, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// lockedBuffer is a log sink the daemon's goroutines and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
