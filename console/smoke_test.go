package console

import (
	"net/http"
	"strings"
	"testing"
)

func TestQueueShowsTickets(t *testing.T) {
	f := newFixture(t)
	nums := f.addTickets(ticket{subject: "Не могу войти", name: "Иван"}, ticket{subject: "Срочно", priority: "high"})
	c := f.signIn("anna")
	resp, body := f.do(request{path: "/", cookies: []*http.Cookie{c}})
	if resp.StatusCode != 200 {
		t.Fatalf("GET / = %s\n%s", resp.Status, body)
	}
	for _, n := range nums {
		if !strings.Contains(body, `data-ticket="`+n+`"`) {
			t.Errorf("queue lacks %s:\n%s", n, body)
		}
	}
}
