package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/store/storetest"
)

// benchTickets is the size of the small benchmark database.
const benchTickets = 5000

// benchStore is a store to benchmark the queue on, and the words to search
// it for.
type benchStore struct {
	db             *store.DB
	million        bool   // storetest's shared store of a million tickets: read it, never write
	word, rareWord string // a word many subjects hold, and one few do
	commonWord     string // a word nearly every letter holds
}

// openBenchStore returns benchTickets tickets made here or, with
// TICKETD_BENCH_1M=1, storetest's million tickets of three letters each
// (built once, about 10 minutes; TICKETD_BENCH_DB says where to keep it).
// The tickets made here are sealed, as storetest's are, with
// TICKETD_BENCH_SEALED=1.
func openBenchStore(b *testing.B) benchStore {
	b.Helper()
	ctx := context.Background()
	if os.Getenv("TICKETD_BENCH_1M") == "1" {
		start := time.Now()
		path, err := storetest.Cached(ctx, 1_000_000, func(made int) {
			if made%100_000 == 0 {
				fmt.Fprintf(os.Stderr, "storetest: %d tickets in %s\n", made, time.Since(start).Round(time.Second))
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		db, err := storetest.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return benchStore{db: db, million: true, word: "субсидии", rareWord: "дератизация", commonWord: "добрый"}
	}
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if os.Getenv("TICKETD_BENCH_SEALED") == "1" {
		if err := db.UseKey(storetest.Key()); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	cats := categories()
	per := db.BatchLimits().Letters
	for i := 0; i < benchTickets; {
		batch, err := db.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < per && i < benchTickets; j, i = j+1, i+1 {
			p := store.PriorityNormal
			if i%10 == 0 {
				p = store.PriorityHigh
			}
			subject := fmt.Sprintf("Не могу войти в личный кабинет %d", i)
			if i%100 == 0 {
				subject = "Дератизация подвала"
			}
			addr := fmt.Sprintf("citizen%d@example.ru", i%700)
			mid := fmt.Sprintf("bench-%d@example.ru", i)
			in := store.Inbound{
				Raw: []byte("Message-ID: <" + mid + ">\r\n\r\nДобрый день\r\n"), MessageID: mid, FromAddress: addr,
				Text: "Добрый день! " + subject,
				Ticket: store.Ticket{Subject: subject, CitizenName: "Иван Петров",
					CitizenAddress: addr, Priority: p, Category: cats[i%len(cats)], Language: "ru",
					AccountNumber: fmt.Sprintf("%010d", i), DueAt: now.Add(time.Duration(i%96-24) * time.Hour)},
			}
			if _, err := batch.Ingest(ctx, in, nil); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return benchStore{db: db, word: "кабинет", rareWord: "дератизация", commonWord: "добрый"}
}

// BenchmarkQueuePage measures the server's time for the queue: the
// handler with the middleware every request goes through (the request
// log, the headers, the language), its queries, the counts and the
// template, for the first page, a next page, each filter, searches, the
// rows fragment the live updates reload, and the list API. The user is
// put in the request as the session would: the million-ticket store is
// shared and never written; the "session" case, on the small store only,
// adds the session's check (a write, as it marks the session seen). Each
// case reports the median and 99th percentile of its calls.
func BenchmarkQueuePage(b *testing.B) {
	ctx := context.Background()
	bs := openBenchStore(b)
	db := bs.db
	s, err := New(Options{Store: db, Accounts: &accounts.Service{Store: db}, Now: func() time.Time { return storetest.DefaultEnd }})
	if err != nil {
		b.Fatal(err)
	}
	user := store.User{Name: "anna", Role: string(accounts.RoleOperator)}
	as := func(h http.HandlerFunc) http.Handler {
		return s.logRequests(s.recoverPanics(secureHeaders(s.language(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h(w, r.WithContext(withUser(r.Context(), user)))
		})))))
	}
	first, err := db.FindTickets(ctx, store.TicketFilter{Order: store.OrderQueue, Status: queueStatuses(), NoTotal: true})
	if err != nil || first.Next == "" {
		b.Fatalf("the queue's first page: %v", err)
	}
	deep := store.TicketFilter{Order: store.OrderQueue, Status: queueStatuses(), NoTotal: true, Limit: store.MaxTicketLimit}
	pages := 2
	if bs.million {
		pages = 20 // 20,000 tickets into the queue
	}
	for range pages {
		page, err := db.FindTickets(ctx, deep)
		if err != nil || page.Next == "" {
			b.Fatalf("paging into the queue: %v", err)
		}
		deep.After = page.Next
	}
	var sample store.Ticket
	for id := int64(1); sample.AccountNumber == ""; id++ {
		if bs.million {
			id = max(id, 1_000_000/3)
		}
		if sample, err = db.Ticket(ctx, store.TicketNumber(id)); err != nil {
			b.Fatal(err)
		}
	}
	q := func(s string) string { return url.QueryEscape(s) }
	cases := []struct {
		name, path string
		h          http.Handler
	}{
		{"first", "/", as(s.queue)},
		{"next", "/?after=" + q(first.Next), as(s.queue)},
		{"deep", "/?after=" + q(deep.After), as(s.queue)},
		{"status", "/?status=new", as(s.queue)},
		{"priority", "/?priority=high", as(s.queue)},
		{"category", "/?category=complaint", as(s.queue)},
		{"assignee", "/?assignee=anna", as(s.queue)},
		{"assignee-nobody", "/?assignee=", as(s.queue)},
		{"search-number", "/?q=" + q(sample.Number), as(s.queue)},
		{"search-sender", "/?q=" + q(sample.CitizenAddress), as(s.queue)},
		{"search-account", "/?q=" + q(sample.AccountNumber), as(s.queue)},
		{"search-word-rare", "/?q=" + q(bs.rareWord), as(s.queue)},
		{"search-word", "/?q=" + q(bs.word), as(s.queue)},
		{"search-word-common", "/?q=" + q(bs.commonWord), as(s.queue)},
		{"search-word-filtered", "/?priority=high&q=" + q(bs.word), as(s.queue)},
		{"rows", "/queue/rows", as(s.queueRows)},
		{"api", "/api/v1/tickets", as(s.apiTickets)},
		{"api-search", "/api/v1/tickets?q=" + q(bs.word), as(s.apiTickets)},
	}
	if !bs.million {
		cases = append(cases, struct {
			name, path string
			h          http.Handler
		}{"session", "/", s.Handler()})
	}
	var cookie *http.Cookie
	if !bs.million {
		if _, err := db.AddUser(ctx, store.NewUser{Name: "anna", Role: "operator"}, "bench"); err != nil {
			b.Fatal(err)
		}
		token, _ := newSessionToken()
		if err := db.CreateSession(ctx, "anna", accounts.HashToken(token)); err != nil {
			b.Fatal(err)
		}
		cookie = &http.Cookie{Name: sessionCookie, Value: token}
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				r := httptest.NewRequest("GET", c.path, nil)
				if cookie != nil {
					r.AddCookie(cookie)
				}
				w := httptest.NewRecorder()
				start := time.Now()
				c.h.ServeHTTP(w, r)
				took = append(took, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s = %d\n%.300s", c.path, w.Code, w.Body)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
