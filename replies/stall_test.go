package replies

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"github.com/ticketd/ticketd/internal/memmail"
)

// stallTimeout is SMTP.Timeout in these tests, and giveUp how long a test
// waits for the outbox before it fails; it is no measure of speed.
const (
	stallTimeout = time.Second
	giveUp       = 20 * time.Second
)

// stallingSMTP is an SMTP server that answers like a plain one up to one
// step of the conversation, and there either falls silent or, as a tarpit,
// answers one byte every 30 ms, forever: bytes keep coming, thirty within
// each timeout, and the reply never ends.
type stallingSMTP struct {
	addr string
	at   string // "greeting", "EHLO", "MAIL", "RCPT", "DATA", "." (end of data), "QUIT"
	drip bool
	pace time.Duration // when set, a read of at most 4 KiB each pace

	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	open  int // connections the client has not closed
	got   int // letters accepted
}

func startStallingSMTP(t *testing.T, at string, drip bool) *stallingSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stallingSMTP{addr: ln.Addr().String(), at: at, drip: drip, ln: ln}
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.count(&s.open, 1)
			go func() {
				defer s.count(&s.open, -1)
				defer c.Close()
				s.serve(c)
			}()
		}
	}()
	return s
}

func (s *stallingSMTP) count(n *int, d int) {
	s.mu.Lock()
	*n += d
	s.mu.Unlock()
}

func (s *stallingSMTP) stats() (open, got int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open, s.got
}

// serve talks to one client until it leaves or the conversation reaches
// s.at; it returns when the client closes the connection.
func (s *stallingSMTP) serve(c net.Conn) {
	r := bufio.NewReaderSize(paced{c, s.pace}, 4<<10)
	if !s.reply(c, r, "greeting", "220 stalling ESMTP\r\n") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.TrimSpace(strings.SplitN(line, " ", 2)[0]))
		var ok bool
		switch verb {
		case "EHLO":
			ok = s.reply(c, r, "EHLO", "250-stalling\r\n250 8BITMIME\r\n")
		case "MAIL", "RCPT":
			ok = s.reply(c, r, verb, "250 ok\r\n")
		case "DATA":
			ok = s.reply(c, r, "DATA", "354 go on\r\n")
			for ok {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			if ok = ok && s.reply(c, r, ".", "250 queued\r\n"); ok {
				s.count(&s.got, 1)
			}
		case "QUIT":
			s.reply(c, r, "QUIT", "221 bye\r\n")
			return
		default:
			ok = s.reply(c, r, verb, "250 ok\r\n")
		}
		if !ok {
			return
		}
	}
}

// reply answers text, unless step is where the server stalls: then it
// stalls until the client leaves and reports false.
func (s *stallingSMTP) reply(c net.Conn, r *bufio.Reader, step, text string) bool {
	if step != s.at {
		_, err := io.WriteString(c, text)
		return err == nil
	}
	if s.drip {
		go func() {
			for i := 0; ; i++ {
				time.Sleep(30 * time.Millisecond)
				if _, err := c.Write([]byte{"250-slow\r\n"[i%10]}); err != nil {
					return
				}
			}
		}()
	}
	io.Copy(io.Discard, r)
	return false
}

// paced reads from a connection no faster than a read each pace.
type paced struct {
	net.Conn
	pace time.Duration
}

func (p paced) Read(b []byte) (int, error) {
	time.Sleep(p.pace)
	return p.Conn.Read(b)
}

// drainWithin runs o.Drain and fails the test if it does not return within
// giveUp.
func drainWithin(t *testing.T, o *Outbox) (int, error) {
	t.Helper()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := o.Drain(context.Background())
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return r.n, r.err
	case <-time.After(giveUp):
		t.Fatalf("Drain still running after %v: a stalled server holds the outbox", giveUp)
		return 0, nil
	}
}

func TestSendStalledServer(t *testing.T) {
	for _, drip := range []bool{false, true} {
		name := "silent"
		if drip {
			name = "tarpit"
		}
		for _, at := range []string{"greeting", "EHLO", "MAIL", "RCPT", "DATA", ".", "QUIT"} {
			t.Run(name+" at "+at, func(t *testing.T) {
				t.Parallel() // each mostly waits for its timeout
				srv := startStallingSMTP(t, at, drip)
				db := queued(t, "a@example.ru")
				var logs lockedBuffer
				o := NewOutbox(db, SMTP{Address: srv.addr, TLS: TLSNone, Timeout: stallTimeout},
					slog.New(slog.NewTextHandler(&logs, nil)))
				n, err := drainWithin(t, o)
				c, _ := db.Count(context.Background())
				_, got := srv.stats()
				switch at {
				case "QUIT": // the letter went; only the goodbye is lost
					if n != 1 || got != 1 || c.Unsent != 0 {
						t.Errorf("Drain = %d, %v with %d accepted, %d unsent; want the letter sent", n, err, got, c.Unsent)
					}
				case "greeting", "EHLO": // no session: the letter stays due
					if err == nil || !strings.Contains(err.Error(), "smtp timeout") || c.Unsent != 1 {
						t.Errorf("Drain = %d, %v with %d unsent; want the timeout named and the letter queued", n, err, c.Unsent)
					}
				default: // the letter failed: it is postponed, the timeout named
					if n != 0 || got != 0 || c.Unsent != 1 {
						t.Errorf("Drain = %d, %v with %d accepted, %d unsent; want the letter queued", n, err, got, c.Unsent)
					}
					if l := logs.String(); !strings.Contains(l, "will retry") || !strings.Contains(l, "smtp timeout") {
						t.Errorf("the outbox logged %s\nwant the letter postponed and the timeout named", l)
					}
				}
				waitFor(t, "the connection closed", func() bool { open, _ := srv.stats(); return open == 0 })
			})
		}
	}
}

// The letter's data is bounded by progress, not by its length: a letter
// the server reads slowly but steadily, taking more than twice the timeout
// in all, still goes (one deadline for the letter used to cut it off). A pipe stands for the link, so no kernel buffer hides
// how slowly the server reads.
func TestSendSlowReaderLargeLetter(t *testing.T) {
	srv := &stallingSMTP{pace: 150 * time.Millisecond} // 4 KiB each 150 ms
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		srv.serve(server)
	}()
	sc, err := smtp.NewClient(client, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	sess := &Session{smtp: sc, conn: &dialed{c: client}, timeout: time.Second}
	raw := []byte("From: support@example.gov\r\nTo: a@example.ru\r\nSubject: big\r\n\r\n" +
		strings.Repeat("0123456789 строка письма\r\n", 1000)) // 32 KiB: eight reads
	start := time.Now()
	if err := sess.Send("support@example.gov", "a@example.ru", raw); err != nil {
		t.Fatalf("Send to a slow reader = %v after %v, want the letter sent", err, time.Since(start))
	}
	took := time.Since(start)
	if took < 2*sess.timeout {
		t.Errorf("the letter took %v, want over twice the timeout for the test to mean anything", took)
	}
}

func TestDialEndsWithContext(t *testing.T) {
	p, err := memmail.StartProxy("") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := SMTP{Address: p.Addr, TLS: TLSNone, Timeout: time.Hour}.Dial(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Dial after the context ended = nil, want an error")
		}
	case <-time.After(giveUp):
		t.Fatal("Dial waits for a silent server after its context ended")
	}
}

func TestDialAuthAndName(t *testing.T) {
	cert, err := memmail.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		server int
		client string
	}{
		{"implicit TLS", memmail.Implicit, TLSImplicit},
		{"STARTTLS", memmail.StartTLS, TLSStartTLS},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sink, err := memmail.StartSMTPTLS(tt.server, &cert)
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			sink.RequireAuth("support", "secret")
			s := SMTP{Address: sink.Addr, TLS: tt.client, Username: "support", Password: "secret",
				HELO: "example.gov", TLSConfig: &tls.Config{RootCAs: cert.Pool}}
			sess, err := s.Dial(context.Background())
			if err != nil {
				t.Fatalf("Dial with AUTH over %s = %v", tt.name, err)
			}
			defer sess.Close()
			if err := sess.Send("support@example.gov", "a@example.ru", []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
				t.Errorf("Send after AUTH = %v", err)
			}
			if got := sink.Hostname(); got != "example.gov" {
				t.Errorf("EHLO %s, want EHLO example.gov", got)
			}
		})
	}
}

// lockedBuffer is a log sink the outbox's goroutines and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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
