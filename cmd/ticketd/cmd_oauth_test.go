package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/oauthtest"
	"github.com/ticketd/ticketd/store"
)

// oauthLoginConfig is a configuration whose [imap] and [smtp] log in with
// OAuth2 at srv, over a sealed store in dir.
func oauthLoginConfig(t *testing.T, srv *oauthtest.Server) (path, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	key := filepath.Join(dir, "store.key")
	if err := os.WriteFile(key, []byte(store.NewKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath = filepath.Join(dir, "ticketd.db")
	return writeConfig(t, `
[store]
path = "`+dbPath+`"
key_file = "`+key+`"
[imap]
address = "imap.example.org:993"
username = "support@example.org"
auth = "oauth2"
oauth_token_url = "`+srv.TokenURL+`"
oauth_device_url = "`+srv.DeviceURL+`"
oauth_client_id = "ticketd"
oauth_scopes = ["mail", "offline_access"]
[smtp]
address = "smtp.example.org:587"
from = "support@example.org"
auth = "oauth2"
oauth_token_url = "`+srv.TokenURL+`"
oauth_auth_url = "`+srv.AuthorizeURL+`"
oauth_client_id = "ticketd"
`), dbPath
}

// runLines runs ticketd with args in a goroutine, handing the test each
// line it prints; done gets its exit status and what it wrote to stderr.
// ran is how a command run by runLines ended.
type ran struct {
	code   int
	stderr string
}

func runLines(ctx context.Context, args ...string) (lines <-chan string, done <-chan ran) {
	pr, pw := io.Pipe()
	ls := make(chan string, 32)
	d := make(chan ran, 1)
	go func() {
		defer close(ls)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			ls <- sc.Text()
		}
	}()
	go func() {
		var stderr bytes.Buffer
		code := Main(ctx, args, pw, &stderr)
		pw.Close()
		d <- ran{code, stderr.String()}
	}()
	return ls, d
}

func TestOAuthLoginAndStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := oauthtest.Start(t, &oauthtest.Options{ClientID: "ticketd"})
	cfg, dbPath := oauthLoginConfig(t, srv)

	// Before any login, status names both accounts and fails.
	var out, errOut bytes.Buffer
	if code := Main(ctx, []string{"oauth", "status", "-config", cfg}, &out, &errOut); code != exitFail ||
		strings.Count(out.String(), "none: run ticketd oauth login") != 2 {
		t.Errorf("oauth status before logins = %d\n%s%s, want 1 and both without a token", code, out.String(), errOut.String())
	}

	// The mailbox by the device flow: the operator types the code.
	lines, done := runLines(ctx, "oauth", "login", "-config", cfg, "-operator", "anna")
	var printed []string
	for line := range lines {
		printed = append(printed, line)
		if codes := srv.PendingUserCodes(); len(codes) == 1 && strings.Contains(line, codes[0]) {
			if err := srv.Approve(codes[0]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res := <-done; res.code != exitOK {
		t.Fatalf("oauth login (device) = %d: %s\n%s", res.code, res.stderr, strings.Join(printed, "\n"))
	}
	mailboxRT := srv.RefreshToken(oauthtest.DefaultUsername)

	// The SMTP server by the code flow: the test plays the browser.
	lines, done = runLines(ctx, "oauth", "login", "-config", cfg, "-smtp", "-flow", "code", "-operator", "anna")
	for line := range lines {
		if strings.HasPrefix(line, srv.AuthorizeURL) {
			resp, err := http.Get(line)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	if res := <-done; res.code != exitOK {
		t.Fatalf("oauth login (code) = %d: %s", res.code, res.stderr)
	}

	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Sealed: the store opened without the key does not open them, and
	// no file of the database holds one in the clear.
	for _, acct := range []string{"imap:INBOX", "smtp"} {
		if _, err := db.OAuthToken(ctx, acct); !errors.Is(err, store.ErrNoKey) {
			t.Errorf("OAuthToken(%s) without the key = %v, want ErrNoKey", acct, err)
		}
	}
	for _, f := range []string{dbPath, dbPath + "-wal"} {
		if raw, _ := os.ReadFile(f); bytes.Contains(raw, []byte(mailboxRT)) {
			t.Errorf("%s holds the refresh token in the clear", filepath.Base(f))
		}
	}
	var evs []string
	es, err := db.OAuthEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		evs = append(evs, e.Actor+" "+e.Action+" "+e.Detail)
	}
	if want := "cli:anna oauth.login account imap:INBOX|cli:anna oauth.login account smtp"; strings.Join(evs, "|") != want {
		t.Errorf("events = %q, want %q", evs, want)
	}

	out.Reset()
	errOut.Reset()
	if code := Main(ctx, []string{"oauth", "status", "-config", cfg}, &out, &errOut); code != exitOK ||
		strings.Count(out.String(), "present") != 2 || strings.Contains(out.String(), mailboxRT) {
		t.Errorf("oauth status after the logins = %d\n%s%s, want 0 and both present, no token shown", code, out.String(), errOut.String())
	}
}

func TestOAuthLoginUsage(t *testing.T) {
	srv := oauthtest.Start(t, nil)
	cfg, _ := oauthLoginConfig(t, srv)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-smtp", "-mailbox", "INBOX"}, exitUsage, "one account at a time"},
		{[]string{"-flow", "magic"}, exitUsage, "want device or code"},
		{[]string{"-mailbox", "other"}, exitFail, `no mailbox "other"`},
	} {
		var out, errOut bytes.Buffer
		args := append([]string{"oauth", "login", "-config", cfg, "-operator", "anna"}, tt.args...)
		if code := Main(context.Background(), args, &out, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("ticketd %s = %d, %q; want %d saying %q", strings.Join(args, " "), code, errOut.String(), tt.code, tt.want)
		}
	}
}
