package console

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// wantHeaders are the security headers every response carries.
func wantHeaders() map[string]string {
	return map[string]string{
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	}
}

func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	f := newFixture(t)
	f.addTickets(ticket{subject: "Не могу войти"})
	c := f.signIn("anna")
	tok := f.token("anna")
	own := []*http.Cookie{c}
	bearer := map[string]string{"Authorization": "Bearer " + tok}
	for _, tc := range []struct {
		name string
		req  request
		want int
	}{
		{"sign-in form", request{path: "/login"}, 200},
		{"sign-in refused", request{method: "POST", path: "/login", form: url.Values{"username": {"anna"}, "password": {"x"}}}, 401},
		{"queue", request{path: "/", cookies: own}, 200},
		{"queue in English", request{path: "/?lang=en", cookies: own}, 200},
		{"queue signed out", request{path: "/"}, 303},
		{"queue bad filter", request{path: "/?status=bogus", cookies: own}, 400},
		{"queue rows", request{path: "/queue/rows", cookies: own}, 200},
		{"events signed out", request{path: "/events", header: map[string]string{"Accept": "text/event-stream"}}, 401},
		{"script", request{path: "/static/console.js"}, 200},
		{"stylesheet", request{path: "/static/console.css"}, 200},
		{"static missing", request{path: "/static/nope.js"}, 404},
		{"favicon", request{path: "/favicon.ico"}, 200},
		{"healthz", request{path: "/healthz"}, 200},
		{"api list", request{path: "/api/v1/tickets", header: bearer}, 200},
		{"api without token", request{path: "/api/v1/tickets"}, 401},
		{"not found", request{path: "/nope", cookies: own}, 404},
		{"wrong method", request{method: "DELETE", path: "/login"}, 405},
		{"cross-origin post", request{method: "POST", path: "/logout", cookies: own, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403},
		{"sign-out", request{method: "POST", path: "/logout", cookies: own}, 303},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.do(tc.req)
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s = %s, want %d\n%.400s", tc.req.method, tc.req.path, resp.Status, tc.want, body)
			}
			for k, v := range wantHeaders() {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s %s: %s = %q, want %q", tc.req.method, tc.req.path, k, got, v)
				}
			}
		})
	}
}

func TestContentSecurityPolicyForbidsInline(t *testing.T) {
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(contentSecurityPolicy, d) {
			t.Errorf("CSP lacks %q", d)
		}
	}
	if strings.Contains(contentSecurityPolicy, "unsafe") {
		t.Errorf("CSP allows something unsafe: %s", contentSecurityPolicy)
	}
	// No template may need what the policy forbids: inline script, style
	// attributes or event handlers.
	for name, page := range newFixture(t).server.pages {
		for _, tmpl := range page.Templates() {
			if tmpl.Tree == nil {
				continue
			}
			src := tmpl.Tree.Root.String()
			for _, bad := range []string{"<script>", "style=", " onclick", " onload", " onerror", "javascript:", "<style"} {
				if strings.Contains(src, bad) {
					t.Errorf("template %s/%s holds %q, which the CSP forbids", name, tmpl.Name(), bad)
				}
			}
		}
	}
}

func TestCrossOriginWritesRefused(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("anna")
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "https://evil.example"},
	} {
		resp, _ := f.do(request{method: "POST", path: "/login", header: h,
			form: url.Values{"username": {"anna"}, "password": {testPassword}}})
		if resp.StatusCode != http.StatusForbidden || sessionOf(resp) != nil {
			t.Errorf("cross-origin sign-in %v = %s, cookie %v; want 403 and none", h, resp.Status, sessionOf(resp))
		}
		resp, _ = f.do(request{method: "POST", path: "/logout", header: h, cookies: []*http.Cookie{c}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin sign-out %v = %s, want 403", h, resp.Status)
		}
	}
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusOK {
		t.Errorf("the session ended by a cross-origin sign-out: GET / = %s", resp.Status)
	}
	resp, _ := f.do(request{method: "POST", path: "/login", header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://console.test"},
		form: url.Values{"username": {"anna"}, "password": {testPassword}}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin sign-in = %s, want 303", resp.Status)
	}
}

// TestAuditorRefusedOnWrites checks the guards every state-changing route
// goes through: requireRole on the route, and the session's and the
// bearer's own refusal of any method but GET and HEAD to an auditor.
func TestAuditorRefusedOnWrites(t *testing.T) {
	f := newFixture(t)
	s := f.server
	wrote := false
	write := func(w http.ResponseWriter, r *http.Request) { wrote = true }
	cookies := map[string]*http.Cookie{"anna": f.signIn("anna"), "ivan": f.signIn("ivan"), "root": f.signIn("root")}
	tokens := map[string]string{"anna": f.token("anna"), "ivan": f.token("ivan"), "root": f.token("root")}
	for _, tc := range []struct {
		name   string
		h      http.HandlerFunc
		user   string
		method string
		api    bool
		want   int
	}{
		{"operator writes", s.session(s.writersOnly(write)), "anna", "POST", false, 200},
		{"admin writes", s.session(s.writersOnly(write)), "root", "POST", false, 200},
		{"auditor writes", s.session(s.writersOnly(write)), "ivan", "POST", false, 403},
		{"auditor on an unguarded write", s.session(write), "ivan", "POST", false, 403},
		{"auditor on an unguarded PUT", s.session(write), "ivan", "PUT", false, 403},
		{"auditor reads", s.session(write), "ivan", "GET", false, 200},
		{"auditor reads a writers' route", s.session(s.writersOnly(write)), "ivan", "GET", false, 403},
		{"operator writes by API", s.bearer(s.writersOnly(write)), "anna", "POST", true, 200},
		{"auditor writes by API", s.bearer(s.writersOnly(write)), "ivan", "POST", true, 403},
		{"auditor on an unguarded API write", s.bearer(write), "ivan", "POST", true, 403},
		{"auditor reads by API", s.bearer(write), "ivan", "GET", true, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wrote = false
			path := "/tickets/TKT-000001/status"
			if tc.api {
				path = "/api/v1/tickets/TKT-000001/status"
			}
			r := httptest.NewRequest(tc.method, path, nil)
			if tc.api {
				r.Header.Set("Authorization", "Bearer "+tokens[tc.user])
			} else {
				r.AddCookie(cookies[tc.user])
			}
			w := httptest.NewRecorder()
			tc.h(w, r)
			if w.Code != tc.want || wrote != (tc.want == 200) {
				t.Errorf("%s %s as %s = %d (handler ran: %v), want %d", tc.method, path, tc.user, w.Code, wrote, tc.want)
			}
			if tc.want == 403 && tc.api && !strings.Contains(w.Body.String(), `"error":"forbidden"`) {
				t.Errorf("API refusal is not the JSON error: %s", w.Body)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's writes.
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

func TestRequestLogKeepsNoQueryOrForm(t *testing.T) {
	var logs syncBuffer
	f := newFixture(t, func(o *Options) {
		o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c := f.signIn("anna")
	tok := f.token("anna")
	f.do(request{path: "/?q=" + url.QueryEscape("Паспорт 4509 123456 secretword"), cookies: []*http.Cookie{c}})
	f.do(request{path: "/queue/rows?q=secretword&assignee=secretword", cookies: []*http.Cookie{c}})
	f.do(request{path: "/api/v1/tickets?q=secretword", header: map[string]string{"Authorization": "Bearer " + tok}})
	f.do(request{path: "/api/v1/tickets", header: map[string]string{"Authorization": "Bearer tkd_secretword"}})
	f.do(request{method: "POST", path: "/login", form: url.Values{"username": {"secretword-typo"}, "password": {"hunter2secret"}}})
	f.do(request{method: "POST", path: "/login", form: url.Values{"username": {"anna"}, "password": {"hunter2secret"}}})
	out := logs.String()
	for _, secret := range []string{"secretword", "4509", url.QueryEscape("Паспорт"), "Паспорт", "hunter2", tok, c.Value} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{`route="GET /{$}"`, "user=anna", "status=200", `route="GET /api/v1/tickets"`, "status=401", `route="POST /login"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
}

func TestPanicRecovered(t *testing.T) {
	var logs syncBuffer
	f := newFixture(t, func(o *Options) { o.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	h := f.server.logRequests(f.server.recoverPanics(secureHeaders(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusInternalServerError || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("a panicking handler = %d (CSP %q), want 500 with the headers", w.Code, w.Header().Get("Content-Security-Policy"))
	}
	if !strings.Contains(logs.String(), "panic=boom") || !strings.Contains(logs.String(), "status=500") {
		t.Errorf("the panic is not logged:\n%s", logs.String())
	}
}

func TestHostileTicketFieldsEscaped(t *testing.T) {
	f := newFixture(t)
	f.addTickets(
		ticket{subject: `<script>alert(1)</script>`, name: `"><img src=x onerror=alert(2)>`, address: `evil"><svg onload=alert(3)>@example.ru`},
		ticket{subject: `</td></tr></tbody></table><iframe src="javascript:alert(4)">`, category: `"><b>cat</b>`},
	)
	c := f.signIn("anna")
	hostileQ := url.QueryEscape(`"><script>alert(5)</script>`)
	for _, path := range []string{"/", "/queue/rows", "/?q=" + hostileQ, "/queue/rows?q=" + hostileQ, "/?category=" + url.QueryEscape(`"><b>cat</b>`)} {
		resp, body := f.do(request{path: path, cookies: []*http.Cookie{c}})
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %s", path, resp.Status)
		}
		for _, bad := range []string{"<script>alert", "<img", "<svg", "<iframe", "<b>cat", `"><svg`} {
			if i := strings.Index(body, bad); i >= 0 {
				t.Errorf("GET %s: the page holds %q unescaped: %s", path, bad, body[max(0, i-200):i+50])
			}
		}
	}
	resp, body := f.do(request{path: "/api/v1/tickets", header: map[string]string{"Authorization": "Bearer " + f.token("anna")}})
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || strings.Contains(body, "<script>") {
		t.Errorf("API: Content-Type %q, body %s", ct, body)
	}
}
