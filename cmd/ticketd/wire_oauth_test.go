package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/internal/memmail"
	"github.com/ticketd/ticketd/internal/oauthtest"
	"github.com/ticketd/ticketd/oauth"
	"github.com/ticketd/ticketd/store"
)

// TestOAuthFailureIsLoud wires the service of a mailbox that logs in with
// OAuth2, revokes its refresh token, and checks each of the five ways the
// failure is told, once however often it is retried: the ERROR log line
// naming the account, the event, the metrics, /healthz, and the letter to
// [sla] notify; then that a new login ends it on each of them.
func TestOAuthFailureIsLoud(t *testing.T) {
	ctx := context.Background()
	srv := oauthtest.Start(t, &oauthtest.Options{ClientID: "ticketd"})
	imapSrv, err := memmail.StartIMAP("support@ticketd.test", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	config := writeConfig(t, fmt.Sprintf(`
[imap]
address = %q
tls = "none"
username = "support@ticketd.test"
auth = "oauth2"
oauth_token_url = %q
oauth_client_id = "ticketd"
[smtp]
address = "127.0.0.1:9"
tls = "none"
from = "Support <support@ticketd.test>"
[sla]
notify = ["duty@ticketd.test"]
[store]
path = %q
[console]
address = "127.0.0.1:0"
`, imapSrv.Addr, srv.TokenURL, filepath.Join(t.TempDir(), "ticketd.db")))
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	logged := &syncBuffer{}
	svc, err := openService(ctx, cfg, newLogger(logged, cfg.Log))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	src := svc.oauth["imap:INBOX"]
	if src == nil || len(svc.oauth) != 1 {
		t.Fatalf("oauth sources = %v, want imap:INBOX's", svc.oauth)
	}
	_, rt := srv.Grant("")
	if err := svc.db.SaveOAuthLogin(ctx, "imap:INBOX", store.OAuthToken{RefreshToken: rt}, "cli:test"); err != nil {
		t.Fatal(err)
	}
	healthz := func() (int, string) {
		rec := httptest.NewRecorder()
		svc.console.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		return rec.Code, rec.Body.String()
	}
	metric := func(name string) float64 {
		t.Helper()
		mfs, err := svc.metrics.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				if m.GetLabel()[0].GetValue() == "imap:INBOX" {
					if m.Counter != nil {
						return m.GetCounter().GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
		t.Fatalf("no %s{account=imap:INBOX}", name)
		return 0
	}
	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := healthz(); code != http.StatusOK {
		t.Errorf("GET /healthz while well = %d %s", code, body)
	}

	srv.RevokeUser(oauthtest.DefaultUsername)
	src.Rejected(tok)
	for range 3 {
		if _, err := src.Token(ctx); !errors.Is(err, oauth.ErrLoginNeeded) {
			t.Fatalf("Token after the revocation = %v, want ErrLoginNeeded", err)
		}
	}
	// 1. the log: one ERROR line naming the account, no token.
	if n := strings.Count(logged.String(), "level=ERROR"); n != 1 || !strings.Contains(logged.String(), "account=imap:INBOX") {
		t.Errorf("log = %s\nwant one ERROR line naming imap:INBOX", logged)
	}
	if strings.Contains(logged.String(), rt) || strings.Contains(logged.String(), tok) {
		t.Error("the log shows a token")
	}
	// 2. the event.
	es, err := svc.db.OAuthEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var failed int
	for _, e := range es {
		if e.Action == "oauth.failed" && e.Actor == "daemon" && strings.Contains(e.Detail, "imap:INBOX") {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("oauth.failed events = %d (%+v), want 1", failed, es)
	}
	// 3. the metrics: each failed try counted, unhealthy.
	if got := metric("ticketd_oauth_refresh_failures_total"); got != 1 {
		t.Errorf("ticketd_oauth_refresh_failures_total = %v, want 1 (one try: the refused token is not tried again)", got)
	}
	if got := metric("ticketd_oauth_healthy"); got != 0 {
		t.Errorf("ticketd_oauth_healthy = %v, want 0", got)
	}
	// 4. /healthz.
	if code, body := healthz(); code != http.StatusServiceUnavailable || !strings.Contains(body, `"status":"oauth"`) ||
		!strings.Contains(body, `"account":"imap:INBOX"`) {
		t.Errorf("GET /healthz after the failure = %d %s, want 503 oauth naming imap:INBOX", code, body)
	}
	// 5. the letter to [sla] notify, queued once.
	ns, err := svc.db.NoticesUnder(ctx, "oauth:")
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].To != "duty@ticketd.test" || !strings.Contains(ns[0].Subject, "imap:INBOX") {
		t.Errorf("notices = %+v, want one letter to duty@ticketd.test naming imap:INBOX", ns)
	}

	// A new login: the next refresh works, and every channel says so.
	_, rt = srv.Grant("")
	if err := svc.db.SaveOAuthLogin(ctx, "imap:INBOX", store.OAuthToken{RefreshToken: rt}, "cli:test"); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Token(ctx); err != nil {
		t.Fatalf("Token after a new login = %v", err)
	}
	if !strings.Contains(logged.String(), "works again") {
		t.Errorf("log = %s\nwant the recovery at INFO", logged)
	}
	if got := metric("ticketd_oauth_healthy"); got != 1 {
		t.Errorf("ticketd_oauth_healthy after the login = %v, want 1", got)
	}
	if code, body := healthz(); code != http.StatusOK {
		t.Errorf("GET /healthz after the login = %d %s, want 200", code, body)
	}
	if ns, _ := svc.db.NoticesUnder(ctx, "oauth:"); len(ns) != 1 {
		t.Errorf("notices after the recovery = %d, want still 1", len(ns))
	}
}

// TestOAuthTokensSealedAtStart saves a refresh token in a store without a
// key, then starts the service with store.key_file set: the token is
// sealed before anything else reads it.
func TestOAuthTokensSealedAtStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "ticketd.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveOAuthLogin(ctx, "imap:INBOX", store.OAuthToken{RefreshToken: "rt-before-the-key"}, "cli:test"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	key := filepath.Join(dir, "store.key")
	if err := os.WriteFile(key, []byte(store.NewKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(writeConfig(t, fmt.Sprintf(`
[imap]
address = "127.0.0.1:9"
tls = "none"
username = "support@ticketd.test"
auth = "oauth2"
oauth_token_url = "http://127.0.0.1:9/token"
oauth_client_id = "ticketd"
[smtp]
address = "127.0.0.1:9"
tls = "none"
from = "support@ticketd.test"
[console]
address = ""
[store]
path = %q
key_file = %q
`, dbPath, key)))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := openService(ctx, cfg, newLogger(io.Discard, cfg.Log))
	if err != nil {
		t.Fatal(err)
	}
	svc.Close()
	plain, err := store.Open(ctx, dbPath) // without the key
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.OAuthToken(ctx, "imap:INBOX"); !errors.Is(err, store.ErrNoKey) {
		t.Errorf("OAuthToken without the key after a start with it = %v, want ErrNoKey (sealed)", err)
	}
	if raw, _ := os.ReadFile(dbPath); strings.Contains(string(raw), "rt-before-the-key") {
		t.Error("the database file still holds the refresh token in the clear")
	}
}
