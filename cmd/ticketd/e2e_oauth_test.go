package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/internal/oauthtest"
	"github.com/ticketd/ticketd/store"
)

// oauthE2E is a Dovecot whose mailbox and submission service take OAuth2
// tokens checked at an oauthtest server, a Mailpit behind the submission
// service, and a configuration of "ticketd run" over them.
type oauthE2E struct {
	srv      *oauthtest.Server
	dovecot  *mailtest.Dovecot
	mailpit  *mailtest.Mailpit
	config   string
	dbPath   string
	console  string // host:port
	metrics  string // host:port
	mailbox  string // the mailbox's account at the server
	password string // its password, to append letters
	sender   string // the SMTP server's account
}

func startOAuthE2E(t *testing.T) *oauthE2E {
	t.Helper()
	e := &oauthE2E{srv: oauthtest.Start(t, &oauthtest.Options{ClientID: "ticketd"}), mailpit: mailtest.StartMailpit(t),
		mailbox: oauthtest.DefaultUsername, password: "append-only", sender: "sender@example.test",
		console: freeAddress(t), metrics: freeAddress(t)}
	e.dovecot = mailtest.StartDovecotWith(t, &mailtest.DovecotOptions{IntrospectionURL: e.srv.IntrospectURL, SubmissionRelay: e.mailpit.SMTPAddr})
	e.dovecot.AddUser(t, e.mailbox, e.password)
	dir := t.TempDir()
	e.dbPath = filepath.Join(dir, "ticketd.db")
	e.config = filepath.Join(dir, "ticketd.toml")
	conf := fmt.Sprintf(`
[imap]
address = %q
tls = "none"
username = %q
poll_interval = "1s"
auth = "oauth2"
oauth_token_url = %q
oauth_device_url = %q
oauth_client_id = "ticketd"
oauth_scopes = ["mail", "offline_access"]
[smtp]
address = %q
tls = "none"
from = "Служба поддержки <support@ticketd.test>"
username = %q
auth = "oauth2"
oauth_token_url = %q
oauth_device_url = %q
oauth_client_id = "ticketd"
[sla]
notify = ["duty@ticketd.test"]
[console]
address = %q
[metrics]
address = %q
[store]
path = %q
`, e.dovecot.Addr, e.mailbox, e.srv.TokenURL, e.srv.DeviceURL,
		e.dovecot.SubmissionAddr, e.sender, e.srv.TokenURL, e.srv.DeviceURL,
		e.console, e.metrics, e.dbPath)
	if err := os.WriteFile(e.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// login runs "ticketd oauth login" with args, approving the device code it
// prints as user.
func (e *oauthE2E) login(t *testing.T, user string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lines, done := runLines(ctx, append([]string{"oauth", "login", "-config", e.config, "-operator", "e2e"}, args...)...)
	for line := range lines {
		for _, code := range e.srv.PendingUserCodes() {
			if strings.Contains(line, code) {
				if err := e.srv.ApproveAs(code, user); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if res := <-done; res.code != exitOK {
		t.Fatalf("ticketd oauth login %s = %d: %s", strings.Join(args, " "), res.code, res.stderr)
	}
}

// oauthGet returns the status and body of GET http://addr/path.
func oauthGet(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// oauthLetter is a citizen's letter numbered n.
func oauthLetter(n int) []byte {
	return []byte(fmt.Sprintf("From: Гражданин %d <citizen%d@example.ru>\r\nTo: support@ticketd.test\r\n"+
		"Subject: Обращение %d\r\nMessage-ID: <oauth-e2e-%d@example.ru>\r\nDate: Thu, 03 Dec 2026 10:00:00 +0300\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nНе могу войти в личный кабинет, обращение %d.\r\n", n, n, n, n, n))
}

// TestEndToEndOAuth2 runs "ticketd run" on a mailbox and an SMTP server
// that take only OAuth2 tokens (Dovecot's oauth2 passdb and submission
// service): signed in with "ticketd oauth login", it reads letters and
// answers them; through an access token's expiry it refreshes, storing the
// rotated refresh token; when the mailbox's refresh token is revoked it is
// loud (log, event, metrics, /healthz, a letter to [sla] notify) and
// quiet on the server; a new login mends it without a restart.
func TestEndToEndOAuth2(t *testing.T) {
	e := startOAuthE2E(t)
	e.login(t, e.mailbox)         // the only OAuth2 mailbox
	e.login(t, e.sender, "-smtp") // the SMTP server's account
	ctx, cancel := context.WithCancel(context.Background())
	logged := &syncBuffer{}
	ran := make(chan int, 1)
	go func() { ran <- Main(ctx, []string{"run", "-config", e.config}, io.Discard, logged) }()
	defer func() {
		cancel()
		select {
		case <-ran:
		case <-time.After(time.Minute):
			t.Error("ticketd run did not stop within a minute")
		}
	}()
	tickets := func() int {
		c := counts(t, e.dbPath)
		return c.Tickets
	}
	acks := func() int {
		n, _ := e.mailpit.Total()
		return n
	}
	waitLogged := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("waited 90s for %s; log:\n%s", what, lastLines(logged.String(), 40))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// 1. Signed in: a letter is read and acknowledged through submission.
	e.dovecot.AppendAs(t, e.mailbox, e.password, "INBOX", oauthLetter(1))
	waitLogged("the first letter filed and acknowledged", func() bool { return tickets() == 1 && acks() == 1 })

	// 2. The access tokens expire (Dovecot is restarted, so ticketd logs
	// in again): refused once, refreshed, the rotated refresh token stored.
	before := e.srv.Refreshes()
	e.srv.ExpireAll()
	e.dovecot.Restart(t)
	e.dovecot.AppendAs(t, e.mailbox, e.password, "INBOX", oauthLetter(2))
	waitLogged("the second letter filed and acknowledged after the expiry", func() bool { return tickets() == 2 && acks() == 2 })
	if e.srv.Refreshes() <= before {
		t.Errorf("refreshes after the expiry = %d, want more than %d", e.srv.Refreshes(), before)
	}
	db, err := store.Open(context.Background(), e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tok, err := db.OAuthToken(context.Background(), "imap:INBOX")
	if err != nil || tok.RefreshToken != e.srv.RefreshToken(e.mailbox) {
		t.Errorf("stored refresh token of imap:INBOX = %v, want the server's current one (rotated)", err)
	}
	if strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("an expiry logged an ERROR:\n%s", logged)
	}

	// 3. The mailbox's refresh token is revoked: loud, once.
	e.srv.RevokeUser(e.mailbox)
	e.dovecot.Restart(t)
	e.dovecot.AppendAs(t, e.mailbox, e.password, "INBOX", oauthLetter(3))
	waitLogged("/healthz to say oauth", func() bool {
		code, body := oauthGet(t, e.console, "/healthz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"account":"imap:INBOX"`)
	})
	waitLogged("the letter to [sla] notify", func() bool { return acks() == 3 })
	failedTries := e.srv.FailedRefreshes()
	time.Sleep(3 * time.Second) // several polls
	if n := e.srv.FailedRefreshes(); n != failedTries {
		t.Errorf("refreshes tried with the revoked token went on: %d, then %d", failedTries, n)
	}
	if n := strings.Count(logged.String(), "oauth: refresh failed"); n != 1 || !strings.Contains(logged.String(), "account=imap:INBOX") {
		t.Errorf("ERROR lines of the failure = %d, want 1 naming account=imap:INBOX:\n%s", n, lastLines(logged.String(), 20))
	}
	es, err := db.OAuthEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var failed int
	for _, ev := range es {
		if ev.Action == "oauth.failed" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("oauth.failed events = %d, want 1", failed)
	}
	if _, body := oauthGet(t, e.metrics, "/metrics"); !strings.Contains(body, `ticketd_oauth_healthy{account="imap:INBOX"} 0`) ||
		!strings.Contains(body, `ticketd_oauth_refresh_failures_total{account="imap:INBOX"} 1`) ||
		!strings.Contains(body, `ticketd_oauth_healthy{account="smtp"} 1`) {
		t.Errorf("/metrics after the revocation lacks the oauth series:\n%s", grepLines(body, "ticketd_oauth_"))
	}
	var notice bool
	for _, m := range e.mailpit.Messages(t) {
		if len(m.To) == 1 && m.To[0].Address == "duty@ticketd.test" && strings.Contains(m.Subject, "imap:INBOX") {
			notice = true
		}
	}
	if !notice {
		t.Error("no letter to duty@ticketd.test naming imap:INBOX")
	}
	if tickets() != 2 {
		t.Errorf("tickets while the mailbox cannot log in = %d, want 2", tickets())
	}
	for _, secret := range []string{tok.RefreshToken, e.srv.RefreshToken(e.sender)} {
		if secret != "" && strings.Contains(logged.String(), secret) {
			t.Error("the log shows a refresh token")
		}
	}

	// 4. A new login mends it, without a restart.
	e.login(t, e.mailbox)
	waitLogged("the third letter filed after the new login", func() bool { return tickets() == 3 })
	waitLogged("/healthz well again", func() bool { code, _ := oauthGet(t, e.console, "/healthz"); return code == http.StatusOK })
	if testing.Verbose() {
		t.Logf("log:\n%s", logged)
	}
	if !strings.Contains(logged.String(), "refresh works again") {
		t.Errorf("no INFO line on the recovery:\n%s", lastLines(logged.String(), 20))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
