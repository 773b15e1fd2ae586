package console

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestListsMaskPersonalData: the queue, its rows fragment and the API's
// list show a ticket's subject, sender and name with the personal data
// masked (replies.Listed); the ticket page and the API's ticket show them
// in full. A search by the full address still finds the ticket.
func TestListsMaskPersonalData(t *testing.T) {
	f := newFixture(t)
	n := f.addTickets(ticket{subject: "СНИЛС 112-233-445 95, звоните +7 (912) 345-67-89",
		name: "Иван Петров 8 903 555 12 34", address: "ivan.petrov@example.ru"})[0]
	full := []string{"112-233-445 95", "+7 (912) 345-67-89", "8 903 555 12 34", "ivan.petrov@example.ru"}
	masked := []string{"СНИЛС •••-•••-••• ••, звоните +• (•••) •••-••-••", "Иван Петров • ••• ••• •• ••", "i…@example.ru"}
	c := []*http.Cookie{f.signIn("anna")}
	auth := map[string]string{"Authorization": "Bearer " + f.token("anna")}
	for _, tc := range []struct {
		name   string
		req    request
		listed bool   // a list: masked; else the ticket itself, in full
		typed  string // what the operator typed, which the page shows back
	}{
		{"queue", request{path: "/", cookies: c}, true, ""},
		{"queue searched by the full address", request{path: "/?q=" + url.QueryEscape("ivan.petrov@example.ru"), cookies: c}, true, "ivan.petrov@example.ru"},
		{"rows fragment", request{path: "/queue/rows", cookies: c}, true, ""},
		{"API list", request{path: "/api/v1/tickets", header: auth}, true, ""},
		{"ticket page", request{path: "/tickets/" + n, cookies: c}, false, ""},
		{"API ticket", request{path: "/api/v1/tickets/" + n, header: auth}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.do(tc.req)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %s\n%s", tc.req.path, resp.Status, body)
			}
			if !strings.Contains(body, n) {
				t.Fatalf("GET %s does not show %s", tc.req.path, n)
			}
			body = html.UnescapeString(strings.ReplaceAll(body, `value="`+tc.typed+`"`, ""))
			for _, v := range full {
				if shown := strings.Contains(body, v); shown == tc.listed {
					t.Errorf("GET %s shows %q: %v, want %v", tc.req.path, v, shown, !tc.listed)
				}
			}
			if tc.listed {
				for _, v := range masked {
					if !strings.Contains(body, v) {
						t.Errorf("GET %s does not show %q", tc.req.path, v)
					}
				}
			}
		})
	}
}
