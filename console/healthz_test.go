package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fakeReads is MailboxReads from a map, or failing with err.
type fakeReads struct {
	at  map[string]time.Time
	err error
}

func (f *fakeReads) MailboxesRead(context.Context) (map[string]time.Time, error) { return f.at, f.err }

func TestHealthzStale(t *testing.T) {
	reads := &fakeReads{at: map[string]time.Time{}}
	f := newFixture(t, func(o *Options) {
		o.Mailboxes, o.Watched, o.StaleAfter = reads, []string{"general", "access"}, 10*time.Minute
	})
	start := f.clock.Now()
	type answer struct {
		Status    string         `json:"status"`
		Mailboxes []staleMailbox `json:"mailboxes"`
	}
	check := func(what string, wantCode int, wantStale ...string) {
		t.Helper()
		resp, body := f.do(request{path: "/healthz"})
		var a answer
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatalf("%s: GET /healthz = %s, not JSON: %v", what, body, err)
		}
		var names []string
		for _, m := range a.Mailboxes {
			names = append(names, m.Mailbox)
		}
		if resp.StatusCode != wantCode || strings.Join(names, ",") != strings.Join(wantStale, ",") {
			t.Errorf("%s: GET /healthz = %d %s, want %d naming %v", what, resp.StatusCode, body, wantCode, wantStale)
		}
	}
	check("just started, nothing read yet", http.StatusOK)
	reads.at["general"] = start.Add(2 * time.Minute)
	f.clock.Add(9 * time.Minute)
	check("9 min after start", http.StatusOK)
	f.clock.Add(2 * time.Minute)
	check("access never read for 11 min", http.StatusServiceUnavailable, "access")
	reads.at["access"] = f.clock.Now()
	f.clock.Add(time.Minute)
	check("general last read 10 min ago", http.StatusServiceUnavailable, "general")
	reads.at["general"] = f.clock.Now()
	check("both read lately", http.StatusOK)
	reads.err = errors.New("store down")
	check("reads unknown", http.StatusServiceUnavailable)
}

func TestHealthzStaleOff(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.Mailboxes, o.Watched, o.StaleAfter = &fakeReads{at: map[string]time.Time{}}, []string{"general"}, 0
	})
	f.clock.Add(24 * time.Hour)
	if resp, body := f.do(request{path: "/healthz"}); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz with stale_after 0 = %d %s, want 200", resp.StatusCode, body)
	}
}

func TestMetricsAccess(t *testing.T) {
	served := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ticketd_up 1\n")) })
	tests := []struct {
		name       string
		handler    http.Handler
		token      string
		auth       string
		remote     string
		wantStatus int
	}{
		{"no token configured: not served", served, "", "", "", http.StatusNotFound},
		{"no token configured, even from loopback", served, "", "", "127.0.0.1:5000", http.StatusNotFound},
		{"token configured, none sent", served, "tok", "", "", http.StatusForbidden},
		{"token configured, none sent, from loopback", served, "tok", "", "127.0.0.1:5000", http.StatusForbidden},
		{"wrong token", served, "tok", "Bearer nope", "", http.StatusForbidden},
		{"right token", served, "tok", "Bearer tok", "", http.StatusOK},
		{"no handler", nil, "tok", "Bearer tok", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.Metrics, o.MetricsToken = tt.handler, tt.token })
			req := request{path: "/metrics", header: map[string]string{}}
			if tt.auth != "" {
				req.header["Authorization"] = tt.auth
			}
			resp, body := f.doFrom(req, tt.remote)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("GET /metrics = %d %q, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusOK && body != "ticketd_up 1\n" {
				t.Errorf("GET /metrics body = %q", body)
			}
		})
	}
}
