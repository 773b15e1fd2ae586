package console

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

var (
	rowPattern  = regexp.MustCompile(`<tr data-ticket="(TKT-\d+)" class="([^"]*)"`)
	nextPattern = regexp.MustCompile(`href="([^"]*)" rel="next"`)
)

// queueRows returns the numbers of the rows of a queue page, and the
// class of each.
func queueRows(body string) ([]string, map[string]string) {
	var nums []string
	classes := map[string]string{}
	for _, m := range rowPattern.FindAllStringSubmatch(body, -1) {
		nums = append(nums, m[1])
		classes[m[1]] = m[2]
	}
	return nums, classes
}

// seedQueue stores five tickets and returns their numbers:
//
//	0 normal, due in 24 h, technical_error
//	1 high, due in 12 h
//	2 normal, due an hour ago, assigned to anna
//	3 normal, closed
//	4 high, due 2 hours ago, complaint, subject mentions the cabinet
func seedQueue(f *fixture) []string {
	f.t.Helper()
	nums := f.addTickets(
		ticket{subject: "Ошибка на портале", category: "technical_error", due: 24 * time.Hour},
		ticket{subject: "Взломали аккаунт", priority: store.PriorityHigh, due: 12 * time.Hour},
		ticket{subject: "Где мой ответ", due: -time.Hour},
		ticket{subject: "Спасибо", due: 48 * time.Hour},
		ticket{subject: "Не могу войти в кабинет", priority: store.PriorityHigh, category: "complaint", due: -2 * time.Hour},
	)
	ctx := context.Background()
	if err := f.db.Assign(ctx, nums[2], 0, "anna", "operator:anna"); err != nil {
		f.t.Fatal(err)
	}
	if err := f.db.SetStatus(ctx, nums[3], 0, store.StatusClosed, "operator:anna"); err != nil {
		f.t.Fatal(err)
	}
	return nums
}

func TestQueueFilters(t *testing.T) {
	f := newFixture(t)
	n := seedQueue(f)
	c := f.signIn("anna")
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{n[4], n[1], n[2], n[0]}}, // urgent first, then by deadline; closed left out
		{"status=closed", []string{n[3]}},
		{"status=new&status=closed", []string{n[4], n[1], n[2], n[0], n[3]}},
		{"priority=high", []string{n[4], n[1]}},
		{"priority=normal", []string{n[2], n[0]}},
		{"category=complaint", []string{n[4]}},
		{"category=technical_error&category=complaint", []string{n[4], n[0]}},
		{"category=*", []string{n[4], n[1], n[2], n[0]}},
		{"category=", []string{n[1], n[2]}}, // no category
		{"assignee=anna", []string{n[2]}},
		{"assignee=", []string{n[4], n[1], n[0]}}, // nobody
		{"assignee=*", []string{n[4], n[1], n[2], n[0]}},
		{"q=" + url.QueryEscape("кабинет"), []string{n[4]}},
		{"q=" + n[2], []string{n[2]}},
		{"priority=high&category=complaint", []string{n[4]}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			resp, body := f.do(request{path: "/?" + tc.query, cookies: []*http.Cookie{c}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /?%s = %s\n%s", tc.query, resp.Status, body)
			}
			if got, _ := queueRows(body); !slices.Equal(got, tc.want) {
				t.Errorf("GET /?%s = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
}

func TestQueueMarksAndCounts(t *testing.T) {
	f := newFixture(t)
	n := seedQueue(f)
	c := f.signIn("anna")
	_, body := f.do(request{path: "/", cookies: []*http.Cookie{c}})
	_, class := queueRows(body)
	for num, want := range map[string][]string{n[4]: {"urgent", "overdue"}, n[1]: {"urgent"}, n[2]: {"overdue"}, n[0]: nil} {
		got := strings.Fields(class[num])
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("row %s class %q, want %v", num, class[num], want)
		}
	}
	if !strings.Contains(body, `<a class="ticket-link" href="/tickets/`+n[4]+`">`) {
		t.Error("rows lack a.ticket-link to the ticket page")
	}
	if !strings.Contains(body, `<table id="queue">`) {
		t.Error("no table#queue")
	}
	want := `href="/?status=new" class="count status-new" data-status="new">новое <strong>4</strong>`
	if !strings.Contains(body, want) {
		t.Errorf("counts lack %s:\n%s", want, body)
	}
	// The counts ignore the status filter but not the others.
	_, body = f.do(request{path: "/?priority=high&status=closed", cookies: []*http.Cookie{c}})
	if !strings.Contains(body, `data-status="new">новое <strong>2</strong>`) {
		t.Errorf("counts of priority=high lack new 2")
	}
}

func TestQueuePages(t *testing.T) {
	f := newFixture(t)
	var ts []ticket
	for i := range 120 {
		ts = append(ts, ticket{subject: fmt.Sprintf("Обращение %d", i), due: time.Duration(i%7+1) * time.Hour})
	}
	all := f.addTickets(ts...)
	c := f.signIn("anna")
	var seen []string
	path := "/"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("more pages than tickets")
		}
		resp, body := f.do(request{path: path, cookies: []*http.Cookie{c}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %s", path, resp.Status)
		}
		rows, _ := queueRows(body)
		if len(rows) > store.DefaultTicketLimit {
			t.Errorf("GET %s: %d rows", path, len(rows))
		}
		seen = append(seen, rows...)
		path = ""
		if m := nextPattern.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
			if strings.Contains(path, "offset") || !strings.Contains(path, "after=") {
				t.Errorf("next link %q: want a keyset cursor", path)
			}
		}
	}
	slices.Sort(seen)
	if !slices.Equal(seen, all) {
		t.Errorf("pages gave %d tickets (%d distinct), want each of %d once", len(seen), len(slices.Compact(slices.Clone(seen))), len(all))
	}
	if resp, _ := f.do(request{path: "/?after=bogus", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /?after=bogus = %s, want 400", resp.Status)
	}
}

func TestQueueNextPageKeepsFilters(t *testing.T) {
	f := newFixture(t)
	var ts []ticket
	for range 60 {
		ts = append(ts, ticket{subject: "кабинет", priority: store.PriorityHigh})
	}
	f.addTickets(ts...)
	c := f.signIn("anna")
	_, body := f.do(request{path: "/?priority=high&q=" + url.QueryEscape("кабинет"), cookies: []*http.Cookie{c}})
	m := nextPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no next link")
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("priority") != "high" || q.Get("q") != "кабинет" || q.Get("after") == "" {
		t.Errorf("next link %s lost the filter", u)
	}
}

func TestQueueRowsFragment(t *testing.T) {
	f := newFixture(t)
	n := seedQueue(f)
	c := f.signIn("anna")
	_, page := f.do(request{path: "/?priority=high", cookies: []*http.Cookie{c}})
	if !strings.Contains(page, `data-rows="/queue/rows?priority=high"`) {
		t.Fatalf("the queue does not name its rows fragment with its filter")
	}
	resp, body := f.do(request{path: "/queue/rows?priority=high", cookies: []*http.Cookie{c}})
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") {
		t.Fatalf("GET /queue/rows = %s; want a fragment\n%s", resp.Status, body)
	}
	if rows, _ := queueRows(body); !slices.Equal(rows, []string{n[4], n[1]}) {
		t.Errorf("fragment rows %v", rows)
	}
	for _, id := range []string{`id="queue-body"`, `id="counts"`, `id="pager"`} {
		if !strings.Contains(body, id) {
			t.Errorf("fragment lacks %s", id)
		}
	}
}

func TestQueueInEnglish(t *testing.T) {
	f := newFixture(t)
	seedQueue(f)
	c := f.signIn("anna")
	resp, body := f.do(request{path: "/?lang=en", cookies: []*http.Cookie{c}})
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Sign out") || !strings.Contains(body, "urgent") {
		t.Errorf("?lang=en is not English")
	}
	var lang *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == langCookie {
			lang = k
		}
	}
	if lang == nil || lang.Value != "en" {
		t.Fatalf("?lang=en set no cookie: %v", resp.Cookies())
	}
	_, body = f.do(request{path: "/", cookies: []*http.Cookie{c, lang}})
	if !strings.Contains(body, `<html lang="en">`) {
		t.Error("the lang cookie is not followed")
	}
	_, body = f.do(request{path: "/", cookies: []*http.Cookie{c}})
	if !strings.Contains(body, `<html lang="ru">`) || !strings.Contains(body, "Выйти") {
		t.Error("Russian is not the default")
	}
	_, body = f.do(request{path: "/?priority=high", cookies: []*http.Cookie{c}})
	if !strings.Contains(body, `href="/?lang=en&amp;priority=high"`) {
		t.Error("the language link loses the page's filter")
	}
	_, body = f.do(request{path: "/?lang=xx", cookies: []*http.Cookie{c, lang}})
	if !strings.Contains(body, `<html lang="en">`) {
		t.Error("an unknown ?lang= overrode the cookie")
	}
}

func TestCatalogComplete(t *testing.T) {
	c, err := newCatalog(coreMessages(), ticketMessages(), auditMessages())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range statusOrder() {
		for _, lang := range languages() {
			if _, ok := c[lang]["status."+string(st)]; !ok {
				t.Errorf("no %s message for status %s", lang, st)
			}
		}
	}
	if _, err := newCatalog(coreMessages(), map[string]map[string]string{"en": {"only.en": "x"}}); err == nil {
		t.Error("a message in one language only was taken")
	}
	if _, err := newCatalog(coreMessages(), map[string]map[string]string{"ru": {"nav.queue": "x"}, "en": {"nav.queue": "x"}}); err == nil {
		t.Error("a message given twice was taken")
	}
}

func TestSearchWithStaleIndex(t *testing.T) {
	f := newFixture(t)
	f.addTickets(ticket{subject: "кабинет"})
	if err := f.db.UseKey(make([]byte, 32)); err != nil { // another key than the index was built with
		t.Fatal(err)
	}
	c := f.signIn("anna")
	resp, body := f.do(request{path: "/?q=" + url.QueryEscape("кабинет"), cookies: []*http.Cookie{c}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "ticketd reindex") {
		t.Errorf("search with a stale index = %s, want 503 naming ticketd reindex\n%s", resp.Status, body)
	}
	if resp, _ := f.do(request{path: "/", cookies: []*http.Cookie{c}}); resp.StatusCode != http.StatusOK {
		t.Errorf("the queue without a search = %s, want 200", resp.Status)
	}
	resp, body = f.do(request{path: "/api/v1/tickets?q=x", header: map[string]string{"Authorization": "Bearer " + f.token("anna")}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"error":"search_stale"`) {
		t.Errorf("API search with a stale index = %s %s", resp.Status, body)
	}
}

// TestMessageKeysExist finds the message keys the templates and handlers
// name and checks the catalog has each: a missing one would show as the
// key itself.
func TestMessageKeysExist(t *testing.T) {
	c, err := newCatalog(coreMessages(), ticketMessages(), auditMessages())
	if err != nil {
		t.Fatal(err)
	}
	inTemplates := regexp.MustCompile(`\.T "([a-z_.]+)"`)
	inGo := regexp.MustCompile(`"((?:error|login|queue|live|nav|ticket|reads)\.[a-z_.]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	gofiles, _ := filepath.Glob("*.go")
	for _, name := range append(files, gofiles...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		re := inGo
		if strings.HasSuffix(name, ".html") {
			re = inTemplates
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := c[defaultLanguage][m[1]]; !ok && !strings.HasSuffix(m[1], ".") {
				t.Errorf("%s names message %q, which the catalog lacks", name, m[1])
			}
		}
	}
}
