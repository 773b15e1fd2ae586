package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// TestTicketPurged: a ticket whose correspondence a retention purge
// removed still opens, in the page and the API, and says when and under
// which rule; its letters and files are gone (410), not errors.
func TestTicketPurged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, withOperator(t))
	tk, shot, _ := f.hostileTicket()
	if _, err := f.db.AddNote(ctx, tk.Number, "звонил заявитель", "operator:anna"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetStatus(ctx, tk.Number, 0, store.StatusClosed, "operator:anna"); err != nil {
		t.Fatal(err)
	}
	msgs, _ := f.db.Messages(ctx, tk.ID)
	rule := store.RetentionRule{Name: `retention.closed_for = "1095d"`, Period: 1095 * 24 * time.Hour}
	rep, err := f.db.Purge(ctx, store.PurgeOptions{Now: f.clock.Now().Add(4 * 365 * 24 * time.Hour), Actor: "operator:olga",
		Policy: func(string) (store.RetentionRule, bool) { return rule, true }})
	if err != nil || len(rep.Tickets) != 1 {
		t.Fatalf("Purge = %+v, %v", rep, err)
	}
	c := f.signIn("anna")
	resp, body := f.do(request{path: "/tickets/" + tk.Number, cookies: withCookie(c)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET purged ticket = %s\n%s", resp.Status, body)
	}
	for _, want := range []string{`id="purged"`, "retention.closed_for = &#34;1095d&#34;", `class="letter-purged`, msgs[0].RawSHA256} {
		if !strings.Contains(body, want) {
			t.Errorf("the page of a purged ticket lacks %s", want)
		}
	}
	for _, gone := range []string{"citizen@example.ru", "звонил заявитель", "shot.png", "/files/", `id="reply"`, `id="note"`, `id="status"`} {
		if strings.Contains(body, gone) {
			t.Errorf("the page of a purged ticket shows %q", gone)
		}
	}
	base := "/tickets/" + tk.Number
	for _, path := range []string{fmt.Sprintf("%s/messages/%d/raw", base, msgs[0].ID), base + "/files/" + sumOf(shot)} {
		if resp, _ := f.do(request{path: path, cookies: withCookie(c)}); resp.StatusCode != http.StatusGone {
			t.Errorf("GET %s = %s, want 410", path, resp.Status)
		}
	}

	tok := f.token("anna")
	if resp, body := f.api(tok, "POST", "/api/v1/tickets/"+tk.Number+"/status", `{"status":"in_progress"}`); resp.StatusCode != http.StatusGone {
		t.Errorf("API status change of a purged ticket = %s, want 410\n%s", resp.Status, body)
	}
	resp, body = f.api(tok, "GET", "/api/v1/tickets/"+tk.Number, "")
	var conv replies.Conversation
	if err := json.Unmarshal([]byte(body), &conv); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("API GET = %s, %v\n%s", resp.Status, err, body)
	}
	if conv.PurgedAt.IsZero() || conv.PurgeRule != rule.Name || conv.Messages[0].PurgedAt.IsZero() || conv.Messages[0].FromAddress != "" {
		t.Errorf("API of a purged ticket = %+v", conv)
	}
}
