package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// fakeOAuth is OAuthTokens from a list, or failing with err.
type fakeOAuth struct {
	toks []store.OAuthToken
	err  error
}

func (f *fakeOAuth) OAuthTokens(context.Context) ([]store.OAuthToken, error) { return f.toks, f.err }

func TestHealthzOAuth(t *testing.T) {
	toks := &fakeOAuth{}
	reads := &fakeReads{at: map[string]time.Time{}}
	f := newFixture(t, func(o *Options) {
		o.OAuth, o.OAuthAccounts = toks, []string{"smtp", "imap:general"}
		o.Mailboxes, o.Watched, o.StaleAfter = reads, []string{"general"}, 10*time.Minute
	})
	type answer struct {
		Status    string         `json:"status"`
		Accounts  []oauthProblem `json:"accounts"`
		Mailboxes []staleMailbox `json:"mailboxes"`
	}
	get := func() (int, answer, string) {
		t.Helper()
		resp, body := f.do(request{path: "/healthz"})
		var a answer
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatalf("GET /healthz = %s, not JSON: %v", body, err)
		}
		return resp.StatusCode, a, body
	}
	if code, a, body := get(); code != http.StatusServiceUnavailable || a.Status != "oauth" || len(a.Accounts) != 2 ||
		a.Accounts[0].Account != "imap:general" || a.Accounts[0].Problem != "no token" {
		t.Errorf("no logins yet: GET /healthz = %d %s, want 503 oauth naming both accounts", code, body)
	}
	failedAt := f.clock.Now().Add(-time.Minute)
	toks.toks = []store.OAuthToken{
		{Account: "imap:general", RefreshedAt: failedAt},
		{Account: "smtp", Failure: "token endpoint: invalid_grant: revoked", FailedAt: failedAt},
	}
	code, a, body := get()
	if code != http.StatusServiceUnavailable || a.Status != "oauth" || len(a.Accounts) != 1 || a.Accounts[0].Account != "smtp" ||
		a.Accounts[0].Problem != "refresh failed" || a.Accounts[0].Since == "" {
		t.Errorf("smtp failing: GET /healthz = %d %s, want 503 oauth naming smtp", code, body)
	}
	if strings.Contains(body, "invalid_grant") || strings.Contains(body, "revoked") {
		t.Errorf("GET /healthz = %s tells the reason; it must name the account only", body)
	}
	f.clock.Add(11 * time.Minute)
	if code, a, body := get(); code != http.StatusServiceUnavailable || a.Status != "oauth" || len(a.Mailboxes) != 1 {
		t.Errorf("smtp failing and general stale: GET /healthz = %d %s, want oauth with the stale mailbox", code, body)
	}
	reads.at["general"] = f.clock.Now()
	toks.toks[1].Failure = ""
	if code, _, body := get(); code != http.StatusOK {
		t.Errorf("recovered: GET /healthz = %d %s, want 200", code, body)
	}
	toks.err = errors.New("store down")
	if code, a, body := get(); code != http.StatusServiceUnavailable || a.Status != "unavailable" {
		t.Errorf("tokens unknown: GET /healthz = %d %s, want 503 unavailable", code, body)
	}
}
