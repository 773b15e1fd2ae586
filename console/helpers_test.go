package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/store"
)

// The store's *store.DB is what the console reads.
var _ Store = (*store.DB)(nil)

const testPassword = "correct horse battery staple"

// clock is a settable clock for the store, the accounts and the console.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a console over a fresh store with three users: anna the
// operator, ivan the auditor and root the admin (no TOTP).
type fixture struct {
	t        *testing.T
	db       *store.DB
	accounts *accounts.Service
	server   *Server
	clock    *clock
}

func newFixture(t *testing.T, configure ...func(*Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "ticketd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	db.SetClock(clk.Now)
	acc := &accounts.Service{Store: db, Params: accounts.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, Now: clk.Now}
	for _, u := range []struct {
		name string
		role accounts.Role
	}{{"anna", accounts.RoleOperator}, {"ivan", accounts.RoleAuditor}, {"root", accounts.RoleAdmin}} {
		if _, err := acc.Add(ctx, u.name, u.role, testPassword, "test"); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{Store: db, Accounts: acc, Now: clk.Now, Location: time.UTC}
	for _, c := range configure {
		c(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, accounts: acc, server: s, clock: clk}
}

// request is one request to the fixture's handler.
type request struct {
	method, path string
	form         url.Values // a POST body, form-encoded
	cookies      []*http.Cookie
	header       map[string]string
}

// do serves req and returns the response, its body read.
func (f *fixture) do(req request) (*http.Response, string) {
	f.t.Helper()
	return f.doFrom(req, "")
}

// doFrom is do from the client at remote ("" for 192.0.2.10:40000).
func (f *fixture) doFrom(req request, remote string) (*http.Response, string) {
	f.t.Helper()
	if remote == "" {
		remote = "192.0.2.10:40000"
	}
	var body io.Reader
	if req.form != nil {
		body = strings.NewReader(req.form.Encode())
	}
	if req.method == "" {
		req.method = http.MethodGet
	}
	r := httptest.NewRequest(req.method, "http://console.test"+req.path, body)
	r.RemoteAddr = remote
	if req.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	for _, c := range req.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	f.server.Handler().ServeHTTP(w, r)
	resp := w.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn signs name in with the test password and returns the session
// cookie.
func (f *fixture) signIn(name string) *http.Cookie {
	f.t.Helper()
	resp, body := f.do(request{method: "POST", path: "/login", form: url.Values{"username": {name}, "password": {testPassword}}})
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("sign in %s: %s\n%s", name, resp.Status, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie || c.Name == secureSessionCookie {
			return c
		}
	}
	f.t.Fatalf("sign in %s: no session cookie", name)
	return nil
}

// token issues an API token for name.
func (f *fixture) token(name string) string {
	f.t.Helper()
	tok, err := f.accounts.IssueToken(context.Background(), name, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// ticket is a ticket to store through Ingest, as a letter would.
type ticket struct {
	subject, name, address string
	priority               store.Priority
	category               string
	due                    time.Duration // from the clock's now
}

// addTickets stores ts, one letter each, and returns their numbers.
func (f *fixture) addTickets(ts ...ticket) []string {
	f.t.Helper()
	var numbers []string
	for i, t := range ts {
		if t.address == "" {
			t.address = "citizen@example.ru"
		}
		if t.priority == "" {
			t.priority = store.PriorityNormal
		}
		if t.due == 0 {
			t.due = 24 * time.Hour
		}
		mid := fmt.Sprintf("t%d-%d@example.ru", i, time.Now().UnixNano())
		raw := "Message-ID: <" + mid + ">\r\nSubject: test\r\n\r\nbody\r\n"
		in := store.Inbound{
			Raw: []byte(raw), MessageID: mid, FromName: t.name, FromAddress: t.address,
			Ticket: store.Ticket{Subject: t.subject, CitizenName: t.name, CitizenAddress: t.address, Priority: t.priority,
				Category: t.category, Language: "ru", DueAt: f.clock.Now().Add(t.due)},
		}
		got, err := f.db.Ingest(context.Background(), in, nil)
		if err != nil {
			f.t.Fatal(err)
		}
		numbers = append(numbers, got.Ticket.Number)
	}
	return numbers
}
