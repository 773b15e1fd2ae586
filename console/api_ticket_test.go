package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// api sends a request with a bearer token and a JSON body ("" for none).
func (f *fixture) api(token, method, path, body string) (*http.Response, string) {
	f.t.Helper()
	r := httptest.NewRequest(method, "http://console.test"+path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.10:40000"
	r.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	f.server.Handler().ServeHTTP(w, r)
	resp := w.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAPITicket(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk, shot, _ := f.hostileTicket()
	tok := f.token("anna")

	resp, body := f.api(tok, "GET", "/api/v1/tickets/"+strings.ToLower(tk.Number), "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET = %s %s\n%s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	// The shape of "ticketd show -json", each letter with its id.
	var conv replies.Conversation
	if err := json.Unmarshal([]byte(body), &conv); err != nil {
		t.Fatal(err)
	}
	if conv.Number != tk.Number || conv.Version != tk.Version || len(conv.Messages) != 1 || len(conv.Messages[0].Attachments) != 2 ||
		conv.Messages[0].ReceivedAt == nil || len(conv.Events) == 0 {
		t.Errorf("conversation = %+v", conv)
	}
	var extra struct {
		Messages []struct {
			ID int64 `json:"id"`
		} `json:"messages"`
		Notes []store.Note `json:"notes"`
	}
	if err := json.Unmarshal([]byte(body), &extra); err != nil || len(extra.Messages) != 1 || extra.Messages[0].ID == 0 || extra.Notes == nil {
		t.Errorf("messages' ids and notes = %+v, %v\n%s", extra, err, body)
	}
	resp, raw := f.api(tok, "GET", fmt.Sprintf("/api/v1/tickets/%s/messages/%d/raw", tk.Number, extra.Messages[0].ID), "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "message/rfc822" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || raw != hostileHTML(shot) {
		t.Errorf("raw = %s %q %q", resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if resp, _ := f.api(tok, "GET", "/api/v1/tickets/TKT-424242", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown ticket = %s", resp.Status)
	}
	if resp, _ := f.do(request{path: "/api/v1/tickets/" + tk.Number, cookies: withCookie(f.signIn("anna"))}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with a cookie and no token = %s, want 401", resp.Status)
	}
}

func TestAPIReplyAndStatus(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk := f.ingest(inLetter{raw: plainLetter("api1@example.ru", "Статус заявления?"), messageID: "api1@example.ru", subject: "Заявление"})
	tok := f.token("anna")
	path := "/api/v1/tickets/" + tk.Number
	seen := tk.Version
	f.ingest(inLetter{raw: plainLetter("api2@example.ru", "Ещё вопрос"), messageID: "api2@example.ru", ticketID: tk.ID})
	current := f.ticketNow(tk.Number).Version

	tests := []struct {
		name, path, body string
		status           int
		want             []string // in the body
	}{
		{"missing variable named", path + "/replies", `{"template":"status","vars":{"comment":"x"}}`, 422, []string{`"error":"invalid_reply"`, `\"status\"`}},
		{"unknown variable named", path + "/replies", `{"template":"resolved","vars":{"coment":"x"}}`, 422, []string{`\"coment\"`}},
		{"automatic template refused", path + "/replies", `{"template":"ack"}`, 422, []string{"invalid_reply"}},
		{"unknown field refused", path + "/replies", `{"template":"resolved","bogus":1}`, 400, []string{"bad_request"}},
		{"not JSON", path + "/replies", `template=resolved`, 400, nil},
		{"preview", path + "/replies", `{"template":"status","vars":{"status":"approved","application":"77-1"},"preview":true}`, 200,
			[]string{`"preview":true`, `"queued":false`, "77-1", `"to":"citizen@example.ru"`}},
		{"stale version", path + "/replies", fmt.Sprintf(`{"template":"resolved","version":%d}`, seen), 409,
			[]string{`"error":"conflict"`, `"action":"ticket.followup"`}},
		{"send", path + "/replies", fmt.Sprintf(`{"template":"resolved","vars":{"comment":"готово"},"version":%d}`, current), 201,
			[]string{`"queued":true`, `"status":"answered"`, "готово"}},
		{"bad status", path + "/status", `{"status":"gone"}`, 422, nil},
		{"status", path + "/status", `{"status":"closed"}`, 200, []string{`"status":"closed"`}},
		{"unknown ticket", "/api/v1/tickets/TKT-424242/status", `{"status":"closed"}`, 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.api(tok, "POST", tc.path, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("POST %s %s = %s, want %d\n%s", tc.path, tc.body, resp.Status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
		})
	}
	msgs, _ := f.db.Messages(context.Background(), tk.ID)
	if n := len(msgs); n != 3 || msgs[2].Operator != "anna" || msgs[2].Template != "resolved" {
		t.Errorf("letters = %+v, want the citizen's and anna's resolved", msgs)
	}
}
