package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ticketd/ticketd/internal/browsertest"
	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/replies"
)

// consoleRig is "ticketd run" with the web console on a loopback port,
// over a real Dovecot and Mailpit, and a headless Chromium to use it.
type consoleRig struct {
	*servers
	origin  string // http://127.0.0.1:port, the console's origin
	browser *browsertest.Browser
}

// startConsole starts the mail servers and Chromium, puts seed in the
// mailbox, and runs the daemon with its console in this process (as main
// does) until the test ends; it returns once the console answers.
func startConsole(t *testing.T, seed ...[]byte) *consoleRig {
	t.Helper()
	browser := browsertest.Start(t) // first: skips before any server starts when Chromium is missing here
	s := startServers(t, "")
	port := mailtest.FreePort(t)
	r := &consoleRig{servers: s, origin: fmt.Sprintf("http://127.0.0.1:%d", port), browser: browser}
	r.setConsole(t, fmt.Sprintf("address = \"127.0.0.1:%d\"", port))
	if len(seed) > 0 {
		s.dovecot.AppendMany(t, "INBOX", seed)
	}
	r.run(t)
	return r
}

// setConsole replaces the [console] section's line that turns it off.
func (r *consoleRig) setConsole(t *testing.T, line string) {
	t.Helper()
	b, err := os.ReadFile(r.config)
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(b), "[console]\naddress = \"\"\n", "[console]\n"+line+"\n", 1)
	if conf == string(b) {
		t.Fatal("no [console] section turning the console off in the test configuration")
	}
	if err := os.WriteFile(r.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

// run runs "ticketd run" until the test ends, and waits until the console
// answers /healthz.
func (r *consoleRig) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"run", "-config", r.config}, logs, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("ticketd run ended with exit %d:\n%s", code, logs)
			}
		case <-time.After(time.Minute):
			t.Errorf("ticketd run did not stop within a minute of being told")
		}
		if strings.Contains(logs.String(), r.dovecot.Password) {
			t.Errorf("ticketd run logged the IMAP password")
		}
		if testing.Verbose() {
			t.Logf("ticketd run:\n%s", logs)
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case code := <-done:
			t.Fatalf("ticketd run ended with exit %d before the console answered:\n%s", code, logs)
		default:
		}
		resp, err := http.Get(r.origin + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console at %s did not answer within a minute (%v):\n%s", r.origin, err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// addUser adds a console user through the command line, the password on
// standard input, and returns the password.
func (r *consoleRig) addUser(t *testing.T, name, role string) string {
	t.Helper()
	password := "e2e-" + rand.Text()
	var out, errb bytes.Buffer
	code := MainInput(context.Background(), []string{"users", "add", name, "-role", role, "-operator", "e2e", "-config", r.config},
		strings.NewReader(password+"\n"), &out, &errb)
	if code != exitOK {
		t.Fatalf("users add %s -role %s: exit %d: %s", name, role, code, errb.String())
	}
	return password
}

// conversation reads a ticket with its letters and events as it is now,
// through "ticketd show -json".
func (r *consoleRig) conversation(t *testing.T, number string) replies.Conversation {
	t.Helper()
	var c replies.Conversation
	if err := json.Unmarshal([]byte(r.ticketd(t, "show", number, "-json", "-operator", "e2e")), &c); err != nil {
		t.Fatalf("show %s -json: %v", number, err)
	}
	return c
}

// signIn opens a page in a profile of its own and signs in on the
// console's form; it returns on the queue.
func (r *consoleRig) signIn(t *testing.T, name, password string) *browsertest.Page {
	t.Helper()
	p := r.browser.NewPage(t)
	p.Do(chromedp.Navigate(r.origin+"/login"),
		chromedp.WaitVisible(chromedp.CSS("form#login")),
		chromedp.SendKeys(chromedp.CSS("form#login input[name=username]"), name),
		chromedp.SendKeys(chromedp.CSS("form#login input[name=password]"), password),
		chromedp.Click(chromedp.CSS("form#login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("table#queue")))
	return p
}

// sessionCookie returns the page's session cookie for the console, which
// scripts cannot read (HttpOnly) but a test can, over the protocol.
func (r *consoleRig) sessionCookie(t *testing.T, p *browsertest.Page) *http.Cookie {
	t.Helper()
	res, err := chromedp.Call(p.Context(), network.GetCookies, network.GetCookiesParams{URLs: []string{r.origin + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if strings.Contains(c.Name, "session") {
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
				t.Errorf("session cookie %s: HttpOnly %v, SameSite %q; want HttpOnly and Strict", c.Name, c.HTTPOnly, c.SameSite)
			}
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("no session cookie among %d cookies", len(res.Cookies))
	return nil
}

// post sends a form to the console as a plain HTTP client would, with the
// cookie and the extra headers, and returns the status.
func (r *consoleRig) post(t *testing.T, path string, form string, cookie *http.Cookie, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.origin+path, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitJS evaluates expr in the page until it is true; it fails the test
// after a generous while. No test asserts how long it took.
func waitJS(t *testing.T, p *browsertest.Page, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := chromedp.Run(p.Context(), chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(p.Context(), chromedp.Location())
			t.Fatalf("gave up waiting for %s on %s (last error %v)", what, loc, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// evalJS evaluates expr in the page, awaiting a promise, and returns its
// value as T.
func evalJS[T any](t *testing.T, p *browsertest.Page, expr string) T {
	t.Helper()
	v, err := chromedp.Run(p.Context(), chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// letter is a citizen's letter: plain text, or multipart/alternative with
// html when it is not "".
func letter(messageID, fromName, from, subject, text, html string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: support@ticketd.test\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n",
		mime.BEncoding.Encode("utf-8", fromName), from, mime.BEncoding.Encode("utf-8", subject),
		time.Now().Format(time.RFC1123Z), messageID)
	if html == "" {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", text)
		return []byte(b.String())
	}
	fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"+
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n"+
		"--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n--b1--\r\n", text, html)
	return []byte(b.String())
}
