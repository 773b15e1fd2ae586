package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketd/ticketd/accounts"
)

// loginForm posts a sign-in and returns the response and body.
func (f *fixture) login(name, password, code string, cookies ...*http.Cookie) (*http.Response, string) {
	f.t.Helper()
	return f.do(request{method: "POST", path: "/login", cookies: cookies,
		form: url.Values{"username": {name}, "password": {password}, "totp": {code}}})
}

func sessionOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if (c.Name == sessionCookie || c.Name == secureSessionCookie) && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	failed := f.server.messages.text("ru", "login.failed")
	for _, tc := range []struct {
		name, user, password string
		status               int
	}{
		{"operator", "anna", testPassword, http.StatusSeeOther},
		{"auditor", "ivan", testPassword, http.StatusSeeOther},
		{"admin without totp, not required", "root", testPassword, http.StatusSeeOther},
		{"wrong password", "anna", "wrong", http.StatusUnauthorized},
		{"unknown user", "nobody", testPassword, http.StatusUnauthorized},
		{"empty name", "", testPassword, http.StatusUnauthorized},
		{"name too long", strings.Repeat("a", 65), testPassword, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.login(tc.user, tc.password, "")
			if resp.StatusCode != tc.status {
				t.Fatalf("POST /login as %q = %s, want %d\n%s", tc.user, resp.Status, tc.status, body)
			}
			c := sessionOf(resp)
			if tc.status == http.StatusSeeOther {
				if c == nil || resp.Header.Get("Location") != "/" {
					t.Fatalf("POST /login as %q: cookie %v, Location %q; want a session and /", tc.user, c, resp.Header.Get("Location"))
				}
				return
			}
			if c != nil {
				t.Errorf("POST /login as %q failed but set a session cookie", tc.user)
			}
			if !strings.Contains(body, `class="flash error"`) || !strings.Contains(body, failed) {
				t.Errorf("POST /login as %q: the page lacks the one failure message\n%s", tc.user, body)
			}
		})
	}
}

func TestLoginKeepsNextOnlyWhenLocal(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ next, want string }{
		{"/tickets/TKT-000001", "/tickets/TKT-000001"},
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"/api/v1/tickets", "/"},
	} {
		resp, _ := f.do(request{method: "POST", path: "/login",
			form: url.Values{"username": {"anna"}, "password": {testPassword}, "next": {tc.next}}})
		if got := resp.Header.Get("Location"); got != tc.want {
			t.Errorf("POST /login next=%q: Location %q, want %q", tc.next, got, tc.want)
		}
	}
	resp, _ := f.do(request{path: "/queue/rows?q=secret"})
	if got, want := resp.Header.Get("Location"), "/login?next=%2Fqueue%2Frows"; got != want {
		t.Errorf("GET /queue/rows?q=secret signed out: Location %q, want %q (the path only)", got, want)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		f := newFixture(t, func(o *Options) { o.Secure = secure })
		resp, _ := f.login("anna", testPassword, "")
		c := sessionOf(resp)
		if c == nil {
			t.Fatalf("secure=%v: no session cookie", secure)
		}
		wantName := sessionCookie
		if secure {
			wantName = secureSessionCookie
		}
		if c.Name != wantName || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure != secure || c.Domain != "" {
			t.Errorf("secure=%v: cookie %+v; want %s, HttpOnly, SameSite=Strict, Path=/, Secure=%v, no Domain", secure, c, wantName, secure)
		}
		if len(c.Value) < 43 {
			t.Errorf("secure=%v: session value %d characters; want 32 random bytes", secure, len(c.Value))
		}
		if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusOK {
			t.Errorf("secure=%v: GET / with the cookie = %s", secure, resp.Status)
		}
	}
}

func TestSessionFixation(t *testing.T) {
	f := newFixture(t)
	old := f.signIn("anna")
	resp, _ := f.login("anna", testPassword, "", old)
	fresh := sessionOf(resp)
	if fresh == nil || fresh.Value == old.Value {
		t.Fatalf("signing in again kept the session %v", fresh)
	}
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{old}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the session held before signing in again still works: %s", resp.Status)
	}
	planted := &http.Cookie{Name: sessionCookie, Value: "planted-by-an-attacker"}
	resp, _ = f.login("anna", testPassword, "", planted)
	if c := sessionOf(resp); c == nil || c.Value == planted.Value {
		t.Errorf("a planted session value was kept: %v", c)
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("anna")
	resp, _ := f.do(request{method: "POST", path: "/logout", cookies: []*http.Cookie{c}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("POST /logout = %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	var cleared bool
	for _, k := range resp.Cookies() {
		cleared = cleared || (k.Name == sessionCookie && k.MaxAge < 0)
	}
	if !cleared {
		t.Error("POST /logout did not clear the cookie")
	}
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / after sign-out = %s, want a redirect to sign in", resp.Status)
	}
}

func TestDisabledUserSessionStops(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("anna")
	tok := f.token("anna")
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %s", resp.Status)
	}
	if err := f.accounts.Disable(context.Background(), "anna", "test"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / by a disabled user = %s, want a redirect to sign in", resp.Status)
	}
	if resp, _ := f.do(request{path: "/queue/rows", cookies: []*http.Cookie{c}, header: map[string]string{"Accept": "text/html"}}); resp.StatusCode == http.StatusOK {
		t.Errorf("GET /queue/rows by a disabled user = %s", resp.Status)
	}
	if resp, _ := f.do(request{path: "/api/v1/tickets", header: map[string]string{"Authorization": "Bearer " + tok}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/tickets with a disabled user's token = %s, want 401", resp.Status)
	}
	if resp, _ := f.login("anna", testPassword, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signing in a disabled user = %s, want 401", resp.Status)
	}
}

func TestIdleSessionEnds(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.IdleTimeout = 10 * time.Minute })
	c := f.signIn("anna")
	f.clock.Add(9 * time.Minute)
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / after 9 idle minutes = %s", resp.Status)
	}
	f.clock.Add(9 * time.Minute) // 9 minutes since the last request: still alive
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / 9 minutes after the last request = %s", resp.Status)
	}
	f.clock.Add(11 * time.Minute)
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / after 11 idle minutes = %s, want a redirect to sign in", resp.Status)
	}
}

func TestLoginTOTP(t *testing.T) {
	f := newFixture(t)
	en, err := f.accounts.EnrolTOTP(context.Background(), "anna", "test")
	if err != nil {
		t.Fatal(err)
	}
	code, err := accounts.TOTPCode(en.Secret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.login("anna", testPassword, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in without the code = %s, want 401", resp.Status)
	}
	if resp, _ := f.login("anna", "wrong", code); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with the code and a wrong password = %s, want 401", resp.Status)
	}
	if resp, body := f.login("anna", testPassword, code[:3]+" "+code[3:]); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with the code (spaced) = %s, want 303\n%s", resp.Status, body)
	}
	if resp, _ := f.login("anna", testPassword, code); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with the same code again = %s, want 401", resp.Status)
	}
}

func TestRequireTOTPForAdmins(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.RequireTOTP = true })
	resp, body := f.login("root", testPassword, "")
	if resp.StatusCode != http.StatusForbidden || sessionOf(resp) != nil {
		t.Fatalf("admin without TOTP = %s, cookie %v; want 403 and none", resp.Status, sessionOf(resp))
	}
	if !strings.Contains(body, "ticketd users totp root") {
		t.Errorf("the refusal does not say to run ticketd users totp root:\n%s", body)
	}
	if resp, body := f.login("root", "wrong", ""); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "users totp") {
		t.Errorf("admin with a wrong password = %s; the TOTP advice must go only to the holder of the password", resp.Status)
	}
	if resp, _ := f.login("anna", testPassword, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("operator without TOTP = %s, want 303: only admins need it", resp.Status)
	}
	en, err := f.accounts.EnrolTOTP(context.Background(), "root", "test")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := accounts.TOTPCode(en.Secret, f.clock.Now())
	if resp, _ := f.login("root", testPassword, code); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("admin with TOTP = %s, want 303", resp.Status)
	}
}

func TestLoginThrottledPerUser(t *testing.T) {
	f := newFixture(t)
	failed := f.server.messages.text("ru", "login.failed")
	for i := range freeUserFailures + 1 {
		if resp, _ := f.login("anna", "wrong", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d = %s, want 401", i+1, resp.Status)
		}
	}
	resp, body := f.login("anna", testPassword, "")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || sessionOf(resp) != nil {
		t.Fatalf("the right password while locked = %s (Retry-After %q), want 429 and no session", resp.Status, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, failed) {
		t.Errorf("the locked page does not give the one failure message:\n%s", body)
	}
	if resp, _ := f.login("ANNA", testPassword, ""); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the name in capitals escapes the lock: %s", resp.Status)
	}
	if resp, _ := f.login("ivan", testPassword, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another user from the same address = %s, want 303", resp.Status)
	}
	// Each failure past the free ones doubles the lock.
	f.clock.Add(2 * time.Second)
	if resp, _ := f.login("anna", "wrong", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a failure after the lock = %s", resp.Status)
	}
	f.clock.Add(time.Second)
	if resp, _ := f.login("anna", testPassword, ""); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("1 s into a 2 s lock = %s, want 429", resp.Status)
	}
	f.clock.Add(2 * time.Second)
	if resp, _ := f.login("anna", testPassword, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the lock = %s, want 303", resp.Status)
	}
	// Success forgets the failures.
	if resp, _ := f.login("anna", "wrong", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a failure after success = %s, want 401, not a lock", resp.Status)
	}
}

func TestLoginThrottledPerAddress(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var names []string
	for i := range 6 {
		n := "user" + string(rune('a'+i))
		if _, err := f.accounts.Add(ctx, n, accounts.RoleOperator, testPassword, "test"); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	for i := range freeAddrFailures + 1 {
		f.login(names[i%len(names)], "wrong", "")
	}
	if resp, _ := f.login("anna", testPassword, ""); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a fresh user from an address past its failures = %s, want 429", resp.Status)
	}
}

func TestLimiterKeys(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"192.0.2.1:1000", "192.0.2.1:2000"},
		{"[2001:db8::1]:1000", "[2001:db8::ffff]:1000"},
		{"[::ffff:192.0.2.1]:1000", "192.0.2.1:1"},
	} {
		if addrKey(tc.a) != addrKey(tc.b) {
			t.Errorf("addrKey(%s) = %s, addrKey(%s) = %s; want the same", tc.a, addrKey(tc.a), tc.b, addrKey(tc.b))
		}
	}
	if addrKey("[2001:db8:0:1::1]:1") == addrKey("[2001:db8:0:2::1]:1") {
		t.Error("two /64s share a key")
	}
}

func TestLoginGuessesAtOnceAreThrottled(t *testing.T) {
	f := newFixture(t)
	// A password slow to check, as in production, so that the guesses
	// overlap.
	slow := &accounts.Service{Store: f.db, Params: accounts.Params{Memory: 16 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}}
	if err := slow.SetPassword(context.Background(), "anna", testPassword, "test"); err != nil {
		t.Fatal(err)
	}
	const guesses = 40
	codes := make(chan int, guesses)
	var wg sync.WaitGroup
	for range guesses {
		wg.Go(func() {
			resp, _ := f.do(request{method: "POST", path: "/login", form: url.Values{"username": {"anna"}, "password": {"wrong"}}})
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	checked := 0
	for c := range codes {
		if c == http.StatusUnauthorized {
			checked++
		}
	}
	// The lock falls after the free failures and one more; a guess already
	// holding a hashing slot then may finish.
	if most := freeUserFailures + 1 + cap(f.server.hashing); checked > most {
		t.Errorf("%d of %d guesses sent at once were checked, want at most %d", checked, guesses, most)
	}
}

func TestWithoutTyped(t *testing.T) {
	err := fmt.Errorf("authenticate Secret-Pass-1: %w", fmt.Errorf("store: user Secret-Pass-1: disk I/O error"))
	if got := withoutTyped(err, "Secret-Pass-1"); strings.Contains(got, "Secret") || !strings.Contains(got, "disk I/O error") {
		t.Errorf("withoutTyped = %q, want the error without what was typed", got)
	}
}
