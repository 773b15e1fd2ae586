package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
	"golang.org/x/net/html"
)

// reads lists the recorded reads f selects, newest first.
func (f *fixture) reads(rf store.ReadFilter) []store.ReadEvent {
	f.t.Helper()
	rs, err := f.db.Reads(context.Background(), rf)
	if err != nil {
		f.t.Fatal(err)
	}
	return rs
}

// firstLetter is the ID of ticket tk's first letter.
func (f *fixture) firstLetter(tk store.Ticket) int64 {
	f.t.Helper()
	msgs, err := f.db.Messages(context.Background(), tk.ID)
	if err != nil || len(msgs) == 0 {
		f.t.Fatalf("letters of %s: %d, %v", tk.Number, len(msgs), err)
	}
	return msgs[0].ID
}

// TestEachReadRecordsOneEvent serves each read of personal data, through
// the pages and the API, and checks that it records exactly one event
// with the reader, what was read and of which ticket; and that lists,
// the live updates' fragment without a search, and an auditor's view of
// the reads record nothing.
func TestEachReadRecordsOneEvent(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk, shot, exe := f.hostileTicket()
	letter := f.firstLetter(tk)
	anna := withCookie(f.signIn("anna"))
	ivan := withCookie(f.signIn("ivan"))
	annaToken := "Bearer " + f.token("anna")
	base := "/tickets/" + tk.Number
	fileDetail := fmt.Sprintf("file %s of letter %d", sumOf(shot)[:12], letter)

	tests := []struct {
		name    string
		req     request
		status  int
		actor   string
		action  string // "" for no read
		ticket  string
		detail  string
		version int64 // the form's version of a POST, filled in below
	}{
		{"ticket page", request{path: base, cookies: anna}, 200, "anna", "read.ticket", tk.Number, "", 0},
		{"ticket page again, its letters cached", request{path: base, cookies: anna}, 200, "anna", "read.ticket", tk.Number, "", 0},
		{"ticket page with images", request{path: base + "?images=1", cookies: anna}, 200, "anna", "read.ticket", tk.Number, "", 0},
		{"ticket page by an auditor", request{path: base, cookies: ivan}, 200, "ivan", "read.ticket", tk.Number, "", 0},
		{"ticket page again after a refused form", request{method: "POST", path: base + "/priority", cookies: anna,
			form: url.Values{"priority": {"high"}, "version": {"VERSION"}}}, 422, "anna", "read.ticket", tk.Number, "", 0},
		{"raw letter", request{path: fmt.Sprintf("%s/messages/%d/raw", base, letter), cookies: anna}, 200, "anna", "read.letter",
			tk.Number, fmt.Sprintf("letter %d", letter), 0},
		{"file", request{path: base + "/files/" + sumOf(shot), cookies: anna}, 200, "anna", "read.file", tk.Number, fileDetail, 0},
		{"rejected file", request{path: base + "/files/" + sumOf(exe), cookies: ivan}, 200, "ivan", "read.file", tk.Number,
			fmt.Sprintf("file %s of letter %d", sumOf(exe)[:12], letter), 0},
		{"thumbnail", request{path: base + "/files/" + sumOf(shot) + "/thumbnail", cookies: anna}, 200, "anna", "read.file", tk.Number,
			fileDetail + " (thumbnail)", 0},
		{"display copy", request{path: base + "/files/" + sumOf(shot) + "/image", cookies: anna}, 200, "anna", "read.file", tk.Number,
			fileDetail + " (display copy)", 0},
		{"search", request{path: "/?q=" + url.QueryEscape("ivan.petrov@mail.ru 112-233-445 95"), cookies: anna}, 200, "anna", "read.search", "",
			"i…@mail.ru •••-•••-••• 95", 0},
		{"search's rows, reloaded", request{path: "/queue/rows?q=" + url.QueryEscape("СНИЛС"), cookies: anna}, 200, "anna", "read.search", "",
			"СНИЛС", 0},
		{"API ticket", request{path: "/api/v1/tickets/" + tk.Number, header: map[string]string{"Authorization": annaToken}}, 200,
			"anna", "read.ticket", tk.Number, "", 0},
		{"API raw letter", request{path: fmt.Sprintf("/api/v1/tickets/%s/messages/%d/raw", tk.Number, letter),
			header: map[string]string{"Authorization": annaToken}}, 200, "anna", "read.letter", tk.Number, fmt.Sprintf("letter %d", letter), 0},
		{"API search", request{path: "/api/v1/tickets?q=" + url.QueryEscape("79123456789"), header: map[string]string{"Authorization": annaToken}},
			200, "anna", "read.search", "", "•••••••••89", 0},

		{"queue", request{path: "/", cookies: anna}, 200, "", "", "", "", 0},
		{"queue's rows", request{path: "/queue/rows", cookies: anna}, 200, "", "", "", "", 0},
		{"blank search", request{path: "/?q=+", cookies: anna}, 200, "", "", "", "", 0},
		{"API list", request{path: "/api/v1/tickets", header: map[string]string{"Authorization": annaToken}}, 200, "", "", "", "", 0},
		{"missing file", request{path: base + "/files/" + strings.Repeat("0", 64), cookies: anna}, 404, "", "", "", "", 0},
		{"missing ticket", request{path: "/tickets/TKT-999999", cookies: anna}, 404, "", "", "", "", 0},
		{"letter of another ticket", request{path: fmt.Sprintf("/tickets/TKT-999999/messages/%d/raw", letter), cookies: anna}, 404, "", "", "", "", 0},
		{"who read what", request{path: "/audit/reads", cookies: ivan}, 200, "", "", "", "", 0},
		{"refused: who read what for an operator", request{path: "/audit/reads", cookies: anna}, 403, "", "", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req.form != nil && tt.req.form.Get("version") == "VERSION" {
				tt.req.form.Set("version", fmt.Sprint(f.ticketNow(tk.Number).Version))
			}
			before := f.reads(store.ReadFilter{})
			version := f.ticketNow(tk.Number).Version
			resp, body := f.do(tt.req)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s = %s, want %d\n%.500s", tt.req.method, tt.req.path, resp.Status, tt.status, body)
			}
			after := f.reads(store.ReadFilter{})
			if v := f.ticketNow(tk.Number).Version; v != version {
				t.Errorf("the read changed the ticket's version: %d → %d", version, v)
			}
			if tt.action == "" {
				if len(after) != len(before) {
					t.Errorf("recorded %d reads, want none: %+v", len(after)-len(before), after[0])
				}
				return
			}
			if len(after) != len(before)+1 {
				t.Fatalf("recorded %d reads, want 1", len(after)-len(before))
			}
			got := after[0]
			if got.Actor != tt.actor || got.Action != tt.action || got.Ticket != tt.ticket || got.Detail != tt.detail {
				t.Errorf("recorded %q %q of %q, detail %q; want %q %q of %q, detail %q",
					got.Actor, got.Action, got.Ticket, got.Detail, tt.actor, tt.action, tt.ticket, tt.detail)
			}
		})
	}
}

// unrecordedReads is a store that cannot record reads.
type unrecordedReads struct{ Store }

func (unrecordedReads) RecordRead(context.Context, store.Read) error {
	return errors.New("disk I/O error")
}

// TestUnrecordedReadIsNotServed checks that a read the store cannot
// record is answered 500, with none of what it would have shown.
func TestUnrecordedReadIsNotServed(t *testing.T) {
	f := newFixture(t, withOperator(t), func(o *Options) { o.Store = unrecordedReads{o.Store} })
	tk, shot, _ := f.hostileTicket()
	letter := f.firstLetter(tk)
	anna := withCookie(f.signIn("anna"))
	auth := map[string]string{"Authorization": "Bearer " + f.token("anna")}
	base := "/tickets/" + tk.Number
	for _, req := range []request{
		{path: base, cookies: anna},
		{path: fmt.Sprintf("%s/messages/%d/raw", base, letter), cookies: anna},
		{path: base + "/files/" + sumOf(shot), cookies: anna},
		{path: base + "/files/" + sumOf(shot) + "/thumbnail", cookies: anna},
		{path: base + "/files/" + sumOf(shot) + "/image", cookies: anna},
		{path: "/?q=" + url.QueryEscape("citizen@example.ru"), cookies: anna},
		{path: "/queue/rows?q=" + url.QueryEscape("citizen@example.ru"), cookies: anna},
		{path: "/api/v1/tickets/" + tk.Number, header: auth},
		{path: fmt.Sprintf("/api/v1/tickets/%s/messages/%d/raw", tk.Number, letter), header: auth},
		{path: "/api/v1/tickets?q=" + url.QueryEscape("citizen@example.ru"), header: auth},
		{method: "POST", path: base + "/priority", cookies: anna, form: url.Values{"priority": {"high"}, "version": {fmt.Sprint(tk.Version)}}},
	} {
		resp, body := f.do(req)
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("%s %s with reads not recorded = %s, want 500", req.method, req.path, resp.Status)
		}
		for _, secret := range []string{"citizen@example.ru", "СНИЛС", "shot.png", "\x89PNG"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s %s with reads not recorded shows %q", req.method, req.path, secret)
			}
		}
	}
	// What reads nothing personal still works.
	if resp, _ := f.do(request{path: "/", cookies: anna}); resp.StatusCode != http.StatusOK {
		t.Errorf("the queue without a search = %s, want 200", resp.Status)
	}
}

// TestWhoReadThis checks the ticket page's list of its reads: auditors
// and admins see it, newest first, a page at a time; operators do not,
// nor the header's link to /audit/reads.
func TestWhoReadThis(t *testing.T) {
	f := newFixture(t)
	tk, _, _ := f.hostileTicket()
	anna := withCookie(f.signIn("anna"))
	for range ticketReadsPage + 4 {
		if resp, _ := f.do(request{path: "/tickets/" + tk.Number, cookies: anna}); resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
	}
	_, body := f.do(request{path: "/tickets/" + tk.Number, cookies: anna})
	if p := parseHTMLPage(t, body); p.byID("section", "reads-box") != nil || p.byID("a", "nav-reads") != nil {
		t.Errorf("an operator's ticket page lists its reads or links to them")
	}

	for _, tc := range []struct{ who, before string }{{"ivan", "anna"}, {"root", "ivan"}} {
		who := tc.who
		c := withCookie(f.signIn(who))
		_, body := f.do(request{path: "/tickets/" + tk.Number + "?lang=en", cookies: c})
		p := parseHTMLPage(t, body)
		if p.byID("section", "reads-box") == nil || p.byID("a", "nav-reads") == nil {
			t.Fatalf("%s's ticket page has no list of its reads or no link to them:\n%s", who, body)
		}
		rows := ticketReadRows(p)
		if len(rows) != ticketReadsPage {
			t.Fatalf("%s sees %d reads on the first page, want %d", who, len(rows), ticketReadsPage)
		}
		if got := nodeAttr(rows[0], "data-actor"); got != who {
			t.Errorf("the newest read is by %q, want %s's own read of the page", got, who)
		}
		if got := nodeAttr(rows[1], "data-actor"); got != tc.before {
			t.Errorf("the second read is by %q, want %s's", got, tc.before)
		}
		if !strings.Contains(nodeText(rows[1]), "ticket opened") {
			t.Errorf("a read of the page says %q, want the event named in English", nodeText(rows[1]))
		}
		older := p.byClass("a", "older")
		if len(older) != 1 {
			t.Fatalf("no link to the older reads")
		}
		href, _, _ := strings.Cut(nodeAttr(older[0], "href"), "#") // a browser sends no fragment
		_, body = f.do(request{path: href, cookies: c})
		p = parseHTMLPage(t, body)
		rows = ticketReadRows(p)
		if len(rows) == 0 || len(rows) >= ticketReadsPage || len(p.byClass("a", "older")) != 0 {
			t.Errorf("the second page lists %d reads, want the rest, and no older page", len(rows))
		}
		if p.find(func(n *html.Node) bool {
			return n.Data == "a" && nodeAttr(n, "href") == "/tickets/"+tk.Number+"#reads-box"
		}) == nil {
			t.Errorf("the second page has no link back to the newest reads")
		}
	}
}

// ticketReadRows are the rows of the ticket page's list of its reads.
func ticketReadRows(p *htmlPage) []*html.Node {
	table := p.byID("table", "reads")
	if table == nil {
		return nil
	}
	sub := &htmlPage{t: p.t, root: table}
	return sub.find(func(n *html.Node) bool { return n.Data == "tr" && nodeAttr(n, "data-action") == "read.ticket" })
}

// TestAuditReads checks /audit/reads and GET /api/v1/reads: for auditors
// and admins, 403 for operators (whatever the page shows), filtered by
// user and by ticket, a page at a time.
func TestAuditReads(t *testing.T) {
	f := newFixture(t)
	numbers := f.addTickets(ticket{subject: "первое"}, ticket{subject: "второе"})
	ctx := context.Background()
	for i := range 60 {
		number, who := numbers[i%2], []string{"anna", "oleg", "cli:anna"}[i%3]
		tk := f.ticketNow(number)
		if err := f.db.RecordRead(ctx, store.Read{TicketID: tk.ID, Actor: who, What: store.ReadTicket}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.db.RecordRead(ctx, store.Read{Actor: "anna", What: store.ReadSearch, Detail: "i…@mail.ru"}); err != nil {
		t.Fatal(err)
	}

	anna, ivan, root := withCookie(f.signIn("anna")), withCookie(f.signIn("ivan")), withCookie(f.signIn("root"))
	for _, tt := range []struct {
		who    []*http.Cookie
		token  string
		status int
	}{{anna, "anna", 403}, {ivan, "ivan", 200}, {root, "root", 200}} {
		if resp, _ := f.do(request{path: "/audit/reads", cookies: tt.who}); resp.StatusCode != tt.status {
			t.Errorf("GET /audit/reads as %s = %s, want %d", tt.token, resp.Status, tt.status)
		}
		if resp, _ := f.api(f.token(tt.token), "GET", "/api/v1/reads", ""); resp.StatusCode != tt.status {
			t.Errorf("GET /api/v1/reads as %s = %s, want %d", tt.token, resp.Status, tt.status)
		}
	}
	if resp, _ := f.do(request{path: "/api/v1/reads", cookies: ivan}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/reads with a session cookie = %s, want 401", resp.Status)
	}

	_, body := f.do(request{path: "/audit/reads?user=anna&ticket=" + strings.ToLower(numbers[0]), cookies: ivan})
	p := parseHTMLPage(t, body)
	rows := p.find(func(n *html.Node) bool { return n.Data == "tr" && nodeHasAttr(n, "data-id") })
	if len(rows) != 10 { // reads 0, 6, 12, ... 54: i%2 == 0 and i%3 == 0
		t.Errorf("anna's reads of %s: %d rows, want 10", numbers[0], len(rows))
	}
	for _, r := range rows {
		if nodeAttr(r, "data-actor") != "anna" || nodeAttr(r, "data-ticket") != numbers[0] {
			t.Errorf("a row of anna's reads of %s: %v", numbers[0], r.Attr)
		}
	}
	if v, _ := formValue(p.byID("form", "reads-filter"), "ticket"); v != numbers[0] {
		t.Errorf("the filter's ticket = %q, want %s", v, numbers[0])
	}

	// Every read, 50 a page; the second page has the other 11.
	_, body = f.do(request{path: "/audit/reads", cookies: ivan})
	p = parseHTMLPage(t, body)
	if rows := p.find(func(n *html.Node) bool { return n.Data == "tr" && nodeHasAttr(n, "data-id") }); len(rows) != readsPage ||
		nodeAttr(rows[0], "data-action") != "read.search" {
		t.Fatalf("the first page: %d rows, want %d, the search first", len(rows), readsPage)
	}
	older := p.byID("a", "older-reads")
	if older == nil {
		t.Fatal("no link to the older reads")
	}
	_, body = f.do(request{path: nodeAttr(older, "href"), cookies: ivan})
	p = parseHTMLPage(t, body)
	if rows := p.find(func(n *html.Node) bool { return n.Data == "tr" && nodeHasAttr(n, "data-id") }); len(rows) != 11 || p.byID("a", "older-reads") != nil {
		t.Errorf("the second page: %d rows, want 11 and no older page", len(rows))
	}

	// The API, by user, a page of 15 at a time.
	tok := f.token("ivan")
	var all []store.ReadEvent
	next := ""
	for range 10 {
		path := "/api/v1/reads?user=cli:anna&limit=15"
		if next != "" {
			path += "&before=" + next
		}
		resp, body := f.api(tok, "GET", path, "")
		var list struct {
			Reads []store.ReadEvent `json:"reads"`
			Next  string            `json:"next"`
		}
		if err := json.Unmarshal([]byte(body), &list); resp.StatusCode != 200 || err != nil {
			t.Fatalf("GET %s = %s, %v\n%s", path, resp.Status, err, body)
		}
		all = append(all, list.Reads...)
		if next = list.Next; next == "" {
			break
		}
	}
	if len(all) != 20 {
		t.Errorf("cli:anna's reads through the API: %d, want 20", len(all))
	}
	for i, r := range all {
		if r.Actor != "cli:anna" || r.Action != "read.ticket" || r.Ticket == "" || (i > 0 && r.ID >= all[i-1].ID) {
			t.Errorf("read %d: %+v; want cli:anna's, newest first", i, r)
		}
	}
	for _, bad := range []string{"before=x", "before=-1", "limit=0", "user=" + strings.Repeat("a", 65)} {
		if resp, _ := f.api(tok, "GET", "/api/v1/reads?"+bad, ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /api/v1/reads?%s = %s, want 400", bad, resp.Status)
		}
	}
	if _, body := f.api(tok, "GET", "/api/v1/reads?ticket=TKT-999999", ""); !strings.Contains(body, `"reads":[]`) {
		t.Errorf("reads of no such ticket = %s, want an empty list", body)
	}
}

func TestReadDetail(t *testing.T) {
	v := &view{Lang: "ru", messages: mustCatalog(t)}
	sum := strings.Repeat("ab", 32)
	f := store.AttachmentFile{Attachment: store.Attachment{SHA256: sum}, MessageID: 7}
	tests := []struct {
		action, detail, want string
	}{
		{"read.letter", letterRead(12), "письмо 12"},
		{"read.file", fileRead(f, ""), "файл abababababab из письма 7"},
		{"read.file", fileRead(f, "thumbnail"), "файл abababababab из письма 7, миниатюра"},
		{"read.file", fileRead(f, "display copy"), "файл abababababab из письма 7, копия для просмотра"},
		{"read.search", "i…@mail.ru", "i…@mail.ru"},
		{"read.export", "letter 3 and more", "letter 3 and more"},
		{"read.letter", "letter 3 and more", "letter 3 and more"},
		{"read.file", "file <b> of letter 1", "file <b> of letter 1"},
		{"read.ticket", "", ""},
	}
	for _, tt := range tests {
		if got := v.ReadDetail(store.ReadEvent{Event: store.Event{Action: tt.action, Detail: tt.detail}}); got != tt.want {
			t.Errorf("ReadDetail(%s %q) = %q, want %q", tt.action, tt.detail, got, tt.want)
		}
	}
}

func mustCatalog(t *testing.T) catalog {
	t.Helper()
	c, err := newCatalog(coreMessages(), ticketMessages(), auditMessages())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
