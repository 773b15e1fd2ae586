package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestAPIAuth(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("anna")
	tok := f.token("ivan")
	for _, tc := range []struct {
		name   string
		req    request
		status int
		auth   string // WWW-Authenticate holds it
	}{
		{"no token", request{path: "/api/v1/tickets"}, 401, "Bearer"},
		{"session cookie only", request{path: "/api/v1/tickets", cookies: []*http.Cookie{c}}, 401, "Bearer"},
		{"unknown token", request{path: "/api/v1/tickets", header: map[string]string{"Authorization": "Bearer tkd_nope"}}, 401, `error="invalid_token"`},
		{"basic auth", request{path: "/api/v1/tickets", header: map[string]string{"Authorization": "Basic YW5uYTp4"}}, 401, "Bearer"},
		{"auditor's token", request{path: "/api/v1/tickets", header: map[string]string{"Authorization": "Bearer " + tok}}, 200, ""},
		{"lower-case scheme", request{path: "/api/v1/tickets", header: map[string]string{"Authorization": "bearer " + tok}}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.do(tc.req)
			if resp.StatusCode != tc.status {
				t.Fatalf("GET /api/v1/tickets = %s, want %d\n%s", resp.Status, tc.status, body)
			}
			if !strings.Contains(resp.Header.Get("WWW-Authenticate"), tc.auth) {
				t.Errorf("WWW-Authenticate %q, want %q", resp.Header.Get("WWW-Authenticate"), tc.auth)
			}
			if tc.status == 401 {
				var e apiError
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error != "unauthorized" {
					t.Errorf("401 body %s: want the JSON error unauthorized", body)
				}
			}
		})
	}
}

// apiList is GET /api/v1/tickets's body as a client reads it.
type apiList struct {
	Tickets []struct {
		Number  string `json:"number"`
		Version int64  `json:"version"`
		Subject string `json:"subject"`
	} `json:"tickets"`
	Total int    `json:"total"`
	Next  string `json:"next"`
}

func TestAPITickets(t *testing.T) {
	f := newFixture(t)
	n := seedQueue(f)
	auth := map[string]string{"Authorization": "Bearer " + f.token("anna")}
	get := func(query string) (int, apiList, string) {
		t.Helper()
		resp, body := f.do(request{path: "/api/v1/tickets?" + query, header: auth})
		var l apiList
		if resp.StatusCode == 200 {
			if err := json.Unmarshal([]byte(body), &l); err != nil {
				t.Fatalf("GET /api/v1/tickets?%s: %v\n%s", query, err, body)
			}
		}
		return resp.StatusCode, l, body
	}
	numbers := func(l apiList) []string {
		var s []string
		for _, t := range l.Tickets {
			s = append(s, t.Number)
		}
		return s
	}
	if _, l, _ := get(""); !slices.Equal(numbers(l), []string{n[4], n[1], n[2], n[0]}) || l.Total != 4 || l.Next != "" {
		t.Errorf("list = %v total %d next %q", numbers(l), l.Total, l.Next)
	}
	if _, l, _ := get("priority=high&category=complaint"); !slices.Equal(numbers(l), []string{n[4]}) || l.Total != 1 {
		t.Errorf("filtered list = %v, total %d", numbers(l), l.Total)
	}
	for query, want := range map[string]int{"priority=high": 2, "status=new&status=closed": 5, "status=closed": 1,
		"assignee=anna": 1, "q=" + url.QueryEscape("кабинет"): 1, "status=new&q=" + url.QueryEscape("кабинет"): 1} {
		if _, l, _ := get(query); l.Total != want {
			t.Errorf("%s: total %d, want %d", query, l.Total, want)
		}
	}
	_, l, _ := get("limit=3")
	if len(l.Tickets) != 3 || l.Next == "" || l.Total != 4 || l.Tickets[0].Version == 0 {
		t.Fatalf("limit=3: %d tickets, next %q, total %d, version %d", len(l.Tickets), l.Next, l.Total, l.Tickets[0].Version)
	}
	_, rest, _ := get("limit=3&after=" + url.QueryEscape(l.Next))
	if got := append(numbers(l), numbers(rest)...); !slices.Equal(got, []string{n[4], n[1], n[2], n[0]}) || rest.Next != "" {
		t.Errorf("two pages = %v, next %q", got, rest.Next)
	}
	if _, l, body := get("status=closed"); !slices.Equal(numbers(l), []string{n[3]}) || !strings.Contains(body, `"tickets":[`) {
		t.Errorf("status=closed = %v", numbers(l))
	}
	if _, l, body := get("q=nothing-matches-this"); len(l.Tickets) != 0 || !strings.Contains(body, `"tickets":[]`) {
		t.Errorf("an empty list is not []: %s", body)
	}
	for _, bad := range []string{"status=bogus", "priority=urgent", "limit=0", "limit=x", "after=bogus", "q=" + strings.Repeat("x", 201)} {
		status, _, body := get(bad)
		var e apiError
		json.Unmarshal([]byte(body), &e)
		if status != http.StatusBadRequest || e.Error != "bad_filter" {
			t.Errorf("GET /api/v1/tickets?%s = %d %s, want 400 bad_filter", bad, status, body)
		}
	}
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(request{path: "/healthz"})
	if resp.StatusCode != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Errorf("GET /healthz = %s %s", resp.Status, body)
	}
	f.db.Close()
	resp, body = f.do(request{path: "/healthz"})
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, `"ok"`) {
		t.Errorf("GET /healthz with the store closed = %s %s, want 503", resp.Status, body)
	}
}
