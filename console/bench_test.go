package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/store"
)

// benchTickets is the size of the small benchmark database.
const benchTickets = 5000

// openBenchStore returns a store to benchmark the queue on: benchTickets
// tickets made here or, with TICKETD_BENCH_1M=1, the million-ticket
// database of store/storetest.
func openBenchStore(b *testing.B) *store.DB {
	b.Helper()
	if os.Getenv("TICKETD_BENCH_1M") == "1" {
		return openMillion(b)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
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
			addr := fmt.Sprintf("citizen%d@example.ru", i%700)
			mid := fmt.Sprintf("bench-%d@example.ru", i)
			in := store.Inbound{
				Raw: []byte("Message-ID: <" + mid + ">\r\n\r\nТекст\r\n"), MessageID: mid, FromAddress: addr,
				Ticket: store.Ticket{Subject: fmt.Sprintf("Не могу войти в личный кабинет %d", i), CitizenName: "Иван Петров",
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
	return db
}

// openMillion opens the million-ticket benchmark database.
func openMillion(b *testing.B) *store.DB {
	b.Fatal("TICKETD_BENCH_1M=1: the million-ticket database builder (store/storetest) is not wired in yet")
	return nil
}

// BenchmarkQueuePage measures the server's time for the queue: the whole
// handler (session check, query, counts, template) for the first page,
// the next page, filters, searches, the rows fragment and the API.
func BenchmarkQueuePage(b *testing.B) {
	ctx := context.Background()
	db := openBenchStore(b)
	acc := &accounts.Service{Store: db, Params: accounts.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	if _, err := acc.Add(ctx, "bench", accounts.RoleOperator, testPassword, "bench"); err != nil {
		b.Fatal(err)
	}
	tok, err := acc.IssueToken(ctx, "bench", "bench")
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{Store: db, Accounts: acc})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	w := httptest.NewRecorder()
	login := httptest.NewRequest("POST", "/login", formBody(url.Values{"username": {"bench"}, "password": {testPassword}}))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(w, login)
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil {
		b.Fatal("no session")
	}
	first, err := db.FindTickets(ctx, store.TicketFilter{Order: store.OrderQueue, Status: queueStatuses()})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{
		{"first", "/"},
		{"next", "/?after=" + url.QueryEscape(first.Next)},
		{"status", "/?status=new"},
		{"priority", "/?priority=high"},
		{"category", "/?category=complaint"},
		{"assignee", "/?assignee="},
		{"search-number", "/?q=" + first.Tickets[0].Number},
		{"search-sender", "/?q=citizen5@example.ru"},
		{"search-word", "/?q=" + url.QueryEscape("кабинет")},
		{"rows", "/queue/rows"},
		{"api", "/api/v1/tickets"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest("GET", bc.path, nil)
				r.AddCookie(cookie)
				r.Header.Set("Authorization", "Bearer "+tok)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", bc.path, w.Code)
				}
			}
		})
	}
}
