package oauthtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// post sends form to u and decodes the JSON answer.
func post(t *testing.T, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("POST %s: decode: %v", u, err)
	}
	return resp.StatusCode, m
}

func refresh(t *testing.T, s *Server, rt string) (int, map[string]any) {
	t.Helper()
	return post(t, s.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"ticketd"}})
}

func introspect(t *testing.T, s *Server, tok string) map[string]any {
	t.Helper()
	_, m := post(t, s.IntrospectURL, url.Values{"token": {tok}})
	return m
}

func TestRefreshRotates(t *testing.T) {
	s := Start(t, &Options{ClientID: "ticketd", AccessLifetime: 90 * time.Minute})
	at, rt := s.Grant("")
	if m := introspect(t, s, at); m["active"] != true || m["username"] != DefaultUsername {
		t.Fatalf("introspect(granted) = %v, want active for %s", m, DefaultUsername)
	}
	code, m := refresh(t, s, rt)
	if code != 200 || m["refresh_token"] == rt || m["refresh_token"] == "" || m["expires_in"] != float64(5400) {
		t.Fatalf("refresh = %d %v, want 200 with a new refresh token and expires_in 5400", code, m)
	}
	if code, m := refresh(t, s, rt); code != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("refresh(rotated token) = %d %v, want 400 invalid_grant", code, m)
	}
	if got := s.RefreshToken(DefaultUsername); got != m["refresh_token"] {
		t.Errorf("RefreshToken = %q, want %q", got, m["refresh_token"])
	}
	if s.Refreshes() != 1 || s.FailedRefreshes() != 1 {
		t.Errorf("Refreshes, FailedRefreshes = %d, %d, want 1, 1", s.Refreshes(), s.FailedRefreshes())
	}
	if code, m := post(t, s.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "client_id": {"other"}}); code != 401 {
		t.Errorf("refresh by another client = %d %v, want 401", code, m)
	}
}

func TestExpireAndRevoke(t *testing.T) {
	s := Start(t, nil)
	at, rt := s.Grant("u1")
	s.ExpireAll()
	if m := introspect(t, s, at); m["active"] != false {
		t.Fatalf("introspect(expired) = %v, want inactive", m)
	}
	_, m := refresh(t, s, rt)
	at2, rt2 := m["access_token"].(string), m["refresh_token"].(string)
	if !s.Active(at2) {
		t.Fatal("refreshed token not active")
	}
	if !s.Revoke(rt) { // an earlier token of the same grant
		t.Fatal("Revoke(known) = false")
	}
	if s.Active(at2) {
		t.Error("access token active after its grant was revoked")
	}
	if code, m := refresh(t, s, rt2); code != 400 || m["error"] != "invalid_grant" {
		t.Errorf("refresh(revoked) = %d %v, want 400 invalid_grant", code, m)
	}
	if s.Revoke("nope") {
		t.Error("Revoke(unknown) = true")
	}
	if m := introspect(t, s, "nope"); m["active"] != false {
		t.Errorf("introspect(unknown) = %v", m)
	}
	if s.Introspections() != 2 {
		t.Errorf("Introspections = %d, want 2", s.Introspections())
	}
}

func TestFailTokens(t *testing.T) {
	s := Start(t, nil)
	_, rt := s.Grant("")
	s.FailTokens(503, "temporarily_unavailable")
	if code, m := refresh(t, s, rt); code != 503 || m["error"] != "temporarily_unavailable" {
		t.Fatalf("refresh during outage = %d %v", code, m)
	}
	s.FailTokens(0, "")
	if code, _ := refresh(t, s, rt); code != 200 {
		t.Fatalf("refresh after outage = %d, want 200", code)
	}
}

func TestClientSecret(t *testing.T) {
	s := Start(t, &Options{ClientID: "c", ClientSecret: "s3"})
	_, rt := s.Grant("")
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	req, _ := http.NewRequest("POST", s.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("c", "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong secret = %d, want 401", resp.StatusCode)
	}
	form.Set("client_id", "c")
	form.Set("client_secret", "s3")
	if code, m := post(t, s.TokenURL, form); code != 200 {
		t.Fatalf("secret in form = %d %v, want 200", code, m)
	}
}

func TestDeviceFlow(t *testing.T) {
	s := Start(t, &Options{ClientID: "ticketd"})
	code, m := post(t, s.DeviceURL, url.Values{"client_id": {"ticketd"}, "scope": {"a offline_access"}})
	if code != 200 || m["interval"] != float64(1) || m["verification_uri"] == "" {
		t.Fatalf("device authorization = %d %v", code, m)
	}
	dc, uc := m["device_code"].(string), m["user_code"].(string)
	if got := s.PendingUserCodes(); len(got) != 1 || got[0] != uc {
		t.Fatalf("PendingUserCodes = %v, want [%s]", got, uc)
	}
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {dc}, "client_id": {"ticketd"}}
	if code, m := post(t, s.TokenURL, poll); code != 400 || m["error"] != "authorization_pending" {
		t.Fatalf("poll before approval = %d %v", code, m)
	}
	if err := s.ApproveAs(uc, "mbox@example.test"); err != nil {
		t.Fatal(err)
	}
	code, m = post(t, s.TokenURL, poll)
	if code != 200 || m["scope"] != "a offline_access" {
		t.Fatalf("poll after approval = %d %v", code, m)
	}
	if got := introspect(t, s, m["access_token"].(string)); got["username"] != "mbox@example.test" {
		t.Errorf("introspect = %v, want username mbox@example.test", got)
	}
	if code, _ := post(t, s.TokenURL, poll); code != 400 {
		t.Errorf("second poll = %d, want 400 (code used)", code)
	}
	if err := s.Approve("NOPE-NOPE"); err == nil {
		t.Error("Approve(unknown) = nil")
	}
	_, m = post(t, s.DeviceURL, url.Values{"client_id": {"ticketd"}})
	resp, err := http.Get(m["verification_uri_complete"].(string))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	poll.Set("device_code", m["device_code"].(string))
	if code, m := post(t, s.TokenURL, poll); resp.StatusCode != 200 || code != 200 || introspect(t, s, m["access_token"].(string))["username"] != DefaultUsername {
		t.Errorf("poll after opening the verification URI = %d (page %d) %v", code, resp.StatusCode, m)
	}
	_, m = post(t, s.DeviceURL, url.Values{"client_id": {"ticketd"}})
	_ = s.Deny(m["user_code"].(string))
	poll.Set("device_code", m["device_code"].(string))
	if code, m := post(t, s.TokenURL, poll); code != 400 || m["error"] != "access_denied" {
		t.Errorf("poll after deny = %d %v", code, m)
	}
}

func TestCodeFlowPKCE(t *testing.T) {
	s := Start(t, &Options{ClientID: "ticketd"})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := "a-verifier-of-enough-length-0123456789-abcdefgh"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	redirect := "http://127.0.0.1:1/callback"
	authorize := func() *url.URL {
		t.Helper()
		q := url.Values{"response_type": {"code"}, "client_id": {"ticketd"}, "redirect_uri": {redirect},
			"state": {"st8"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
		resp, err := noFollow.Get(s.AuthorizeURL + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 302 || err != nil || loc.Query().Get("state") != "st8" {
			t.Fatalf("authorize = %d %q, want 302 to the redirect with state", resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc
	}
	c := authorize().Query().Get("code")
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {redirect}, "client_id": {"ticketd"}, "code_verifier": {"wrong"}}
	if code, m := post(t, s.TokenURL, exchange); code != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("exchange with a wrong verifier = %d %v", code, m)
	}
	exchange.Set("code", authorize().Query().Get("code"))
	exchange.Set("code_verifier", verifier)
	if code, m := post(t, s.TokenURL, exchange); code != 200 || m["refresh_token"] == "" {
		t.Fatalf("exchange = %d %v", code, m)
	}
	if code, _ := post(t, s.TokenURL, exchange); code != 400 {
		t.Errorf("second exchange of one code = %d, want 400", code)
	}
	s.SetAuthorize(false)
	if got := authorize().Query().Get("error"); got != "access_denied" {
		t.Errorf("denied authorize error = %q", got)
	}
}

func TestTokens(t *testing.T) {
	s := Start(t, &Options{ClientID: "ticketd"})
	at, rt := s.Grant("")
	tok := s.Tokens("ticketd", at, rt)
	ctx := t.Context()
	if got, err := tok.Token(ctx); err != nil || got != at {
		t.Fatalf("Token = %q, %v; want the granted one", got, err)
	}
	tok.Rejected(at)
	got, err := tok.Token(ctx)
	if err != nil || got == at || !s.Active(got) || tok.RefreshToken() == rt {
		t.Fatalf("Token after Rejected = %q, %v; want a new live token and a rotated refresh token", got, err)
	}
	s.Revoke(tok.RefreshToken())
	tok.Rejected(got)
	if _, err := tok.Token(ctx); !errors.Is(err, ErrRefused) {
		t.Errorf("Token after Revoke = %v, want ErrRefused", err)
	}
	if n := len(tok.Issued()); n != 2 {
		t.Errorf("Issued = %d tokens, want 2", n)
	}
	if n := len(tok.RejectedTokens()); n != 2 {
		t.Errorf("RejectedTokens = %d, want 2", n)
	}
}
