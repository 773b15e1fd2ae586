package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// syncBuffer is a bytes.Buffer a command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// demoPrinted is what the serving demo prints once it is ready: the
// console's URL, the two accounts, and the mailbox.
type demoPrinted struct {
	url                          string
	operator, auditor            string // passwords
	imapAddr, imapUser, imapPass string
}

var (
	demoURL     = regexp.MustCompile(`The web console: (http://\S+/)\n`)
	demoAccount = regexp.MustCompile(`(?m)^\s+(operator|auditor)\s+user (\S+)\s+password (\S+)$`)
	demoMailbox = regexp.MustCompile(`IMAP (\S+), user (\S+), password (\S+), folder INBOX`)
)

// startDemo runs "ticketd demo" in a goroutine, as main does, on a free
// port, and returns what it printed once it serves; cancelling the
// returned function stops it and checks that it ended well.
func startDemo(t *testing.T) (demoPrinted, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"demo", "-letters", "../../testdata/mail", "-console", "127.0.0.1:0"}, out, errb)
	}()
	stop := func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("demo ended with exit %d: %s", code, errb)
			}
		case <-time.After(time.Minute):
			t.Errorf("demo did not end within a minute of its interruption")
		}
	}
	var p demoPrinted
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), "Serving until interrupted") {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("demo ended with exit %d before serving:\n%s\n%s", code, out, errb)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("demo printed no console after a minute:\n%s", out)
		}
	}
	printed := out.String()
	m := demoURL.FindStringSubmatch(printed)
	mb := demoMailbox.FindStringSubmatch(printed)
	if m == nil || mb == nil {
		stop()
		t.Fatalf("demo printed no console URL or mailbox:\n%s", printed)
	}
	p.url, p.imapAddr, p.imapUser, p.imapPass = m[1], mb[1], mb[2], mb[3]
	for _, a := range demoAccount.FindAllStringSubmatch(printed, -1) {
		switch {
		case a[1] == "operator" && a[2] == demoOperator:
			p.operator = a[3]
		case a[1] == "auditor" && a[2] == demoAuditor:
			p.auditor = a[3]
		}
	}
	if p.operator == "" || p.auditor == "" {
		stop()
		t.Fatalf("demo printed no operator and auditor logins:\n%s", printed)
	}
	return p, stop
}

// consoleClient is an HTTP client with a cookie jar that does not follow
// redirects, so that a test sees them.
func consoleClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// getPage GETs u, retrying while nothing listens yet, and returns the
// status and body.
func getPage(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get(u)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", u, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signIn posts the login form and returns the status and the redirect.
func signIn(t *testing.T, c *http.Client, base, user, password string) (int, string) {
	t.Helper()
	resp, err := c.PostForm(base+"login", url.Values{"username": {user}, "password": {password}})
	if err != nil {
		t.Fatalf("POST /login: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func TestDemoServesTheConsole(t *testing.T) {
	p, stop := startDemo(t)
	defer stop()
	c := consoleClient(t)
	if code, body := getPage(t, c, p.url+"login"); code != http.StatusOK || !strings.Contains(body, `id="login"`) {
		t.Fatalf("GET /login = %d, want 200 with the form:\n%s", code, body)
	}
	if code, _ := signIn(t, c, p.url, demoOperator, p.auditor); code == http.StatusSeeOther {
		t.Errorf("the operator signed in with the auditor's password")
	}
	if code, to := signIn(t, c, p.url, demoOperator, p.operator); code != http.StatusSeeOther || to != "/" {
		t.Fatalf("sign-in as the demo operator = %d to %q, want 303 to /", code, to)
	}
	code, queue := getPage(t, c, p.url)
	if code != http.StatusOK || !strings.Contains(queue, `id="queue"`) || !strings.Contains(queue, `data-ticket="TKT-000001"`) {
		t.Fatalf("queue = %d, want 200 with the demo's tickets:\n%s", code, queue)
	}

	// The mailbox stays open: a letter appended now becomes a ticket.
	subject := fmt.Sprintf("Новое письмо %d", time.Now().UnixNano())
	appendIMAP(t, p.imapAddr, p.imapUser, p.imapPass, []byte("From: Пётр <petr@example.ru>\r\nTo: support@demo.ticketd.local\r\n"+
		"Subject: "+subject+"\r\nMessage-ID: <demo-append@example.ru>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0300\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nЗдравствуйте, не могу войти в личный кабинет.\r\n"))
	start := time.Now()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(queue, subject) {
		if time.Now().After(deadline) {
			t.Fatalf("the appended letter is not on the queue after a minute:\n%s", queue)
		}
		time.Sleep(100 * time.Millisecond)
		_, queue = getPage(t, c, p.url)
	}

	t.Logf("the appended letter appeared after %v", time.Since(start))
	auditor := consoleClient(t)
	if code, to := signIn(t, auditor, p.url, demoAuditor, p.auditor); code != http.StatusSeeOther || to != "/" {
		t.Errorf("sign-in as the demo auditor = %d to %q, want 303 to /", code, to)
	}
}

// appendIMAP appends raw to INBOX of a plain-text IMAP server.
func appendIMAP(t *testing.T, addr, user, password string, raw []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("IMAP login: %v", err)
	}
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("IMAP append: %v", err)
	}
}

// TestDemoAddressTaken: with the default console address taken, the demo
// serves on another free port of the same host; an address given with
// -console stays as given.
func TestDemoAddressTaken(t *testing.T) {
	def := Defaults().Console.Address
	if ln, err := net.Listen("tcp", def); err == nil { // else someone else holds it: taken either way
		t.Cleanup(func() { ln.Close() })
	}
	got, err := demoAddress(def)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(got)
	if err != nil || host != "127.0.0.1" || port == "0" || got == def {
		t.Errorf("demoAddress(%q) with it taken = %q, want another port of 127.0.0.1", def, got)
	}
	if got, _ := demoAddress("127.0.0.1:9"); got != "127.0.0.1:9" {
		t.Errorf("demoAddress(127.0.0.1:9) = %q, want it kept", got)
	}
}
