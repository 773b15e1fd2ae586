package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/pgtest"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/store/storetest"
)

// million is how many tickets BenchmarkFindTickets1M reads.
const million = 1_000_000

// BenchmarkFindTickets1M reads pages of the console's queue and searches
// from a store of a million tickets of three letters each, built once by
// storetest.Cached (about 11 minutes and 7 GB; "make bench-console"). It
// is skipped unless TICKETD_BENCH_1M=1. Besides ns/op, each case reports
// the median and 99th percentile of its calls, and how many tickets the
// filter selects.
//
// With TICKETD_BENCH_BACKEND=postgres the same cases read a PostgreSQL
// store (storetest.CachedPostgres; see pgBench1M for where it is kept).
// TICKETD_BENCH_N=200000 makes the store of that many tickets instead.
func BenchmarkFindTickets1M(b *testing.B) {
	if os.Getenv("TICKETD_BENCH_1M") != "1" {
		b.Skip("set TICKETD_BENCH_1M=1 to build (once) or reuse a store of a million tickets")
	}
	n := million
	if v := os.Getenv("TICKETD_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("TICKETD_BENCH_N=%q: want a number of tickets, at least 1000", v)
		}
	}
	ctx := context.Background()
	start := time.Now()
	progress := func(made int) {
		if made%100_000 == 0 || made == n {
			fmt.Fprintf(os.Stderr, "storetest: %d tickets in %s\n", made, time.Since(start).Round(time.Second))
		}
	}
	var db *store.DB
	switch backend := os.Getenv("TICKETD_BENCH_BACKEND"); backend {
	case "", "sqlite":
		path, err := storetest.Cached(ctx, n, progress)
		if err != nil {
			b.Fatal(err)
		}
		if db, err = storetest.Open(ctx, path); err != nil {
			b.Fatal(err)
		}
	case "postgres":
		db = pgBench1M(b, n, progress)
	default:
		b.Fatalf("TICKETD_BENCH_BACKEND=%q: want sqlite or postgres", backend)
	}
	defer db.Close()
	findTickets1M(b, db, n)
}

// pgBench1M returns the PostgreSQL store of n tickets the benchmark reads:
// in the database $TICKETD_BENCH_PG_URL names (which a rebuild empties),
// or else in the database bench_N of a cluster kept in
// $TICKETD_BENCH_PG_DIR (default: ticketd/pg-bench in the user's cache
// directory; /var/tmp/ticketd-pg-bench for root, whose home the postgres
// user cannot enter), started for the run and stopped after it.
func pgBench1M(b *testing.B, n int, progress func(int)) *store.DB {
	ctx := context.Background()
	url := os.Getenv("TICKETD_BENCH_PG_URL")
	if url == "" {
		dir := os.Getenv("TICKETD_BENCH_PG_DIR")
		if dir == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				b.Fatalf("cache: %v (set TICKETD_BENCH_PG_DIR or TICKETD_BENCH_PG_URL)", err)
			}
			dir = filepath.Join(cache, "ticketd", "pg-bench")
			if os.Geteuid() == 0 {
				dir = "/var/tmp/ticketd-pg-bench"
			}
		}
		c, err := pgtest.LaunchAt(dir, "shared_buffers=1GB", "maintenance_work_mem=512MB", "max_wal_size=8GB")
		if errors.Is(err, pgtest.ErrNotInstalled) {
			b.Skip(err)
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			if err := c.Close(); err != nil {
				b.Error(err)
			}
		})
		if url, err = c.EnsureDatabase(ctx, fmt.Sprintf("bench_%d", n)); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	if err := storetest.CachedPostgres(ctx, url, n, progress); err != nil {
		b.Fatal(err)
	}
	if took := time.Since(start); took > time.Minute {
		fmt.Fprintf(os.Stderr, "storetest: built and analysed on PostgreSQL in %s\n", took.Round(time.Second))
	}
	db, err := storetest.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// findTickets1M runs the cases of BenchmarkFindTickets1M on db, a store
// of n tickets made by storetest.
func findTickets1M(b *testing.B, db *store.DB, n int) {
	ctx := context.Background()
	open := []store.Status{store.StatusNew, store.StatusInProgress, store.StatusWaiting, store.StatusAnswered}
	queue := store.TicketFilter{Order: store.OrderQueue, Status: open}
	first, err := db.FindTickets(ctx, queue)
	if err != nil || first.Next == "" {
		b.Fatalf("the queue's first page: %v", err)
	}
	deep := queue
	deep.Limit = store.MaxTicketLimit
	pages := min(20, n/50_000) // 20,000 tickets into the queue of a million
	for range pages {
		page, err := db.FindTickets(ctx, deep)
		if err != nil || page.Next == "" {
			b.Fatalf("paging into the queue: %v", err)
		}
		deep.After = page.Next
	}
	deep.Limit = 0
	// A ticket with an account number, a third of the way in.
	var sample store.Ticket
	for id := int64(n / 3); sample.AccountNumber == ""; id++ {
		if sample, err = db.Ticket(ctx, store.TicketNumber(id)); err != nil {
			b.Fatal(err)
		}
	}
	with := func(f store.TicketFilter, change func(*store.TicketFilter)) store.TicketFilter {
		change(&f)
		return f
	}
	cases := []struct {
		name string
		f    store.TicketFilter
	}{
		{"queue/first", queue},
		{"queue/first/no-total", with(queue, func(f *store.TicketFilter) { f.NoTotal = true })},
		{"queue/next", with(queue, func(f *store.TicketFilter) { f.After = first.Next })},
		{fmt.Sprintf("queue/%d-in", pages*store.MaxTicketLimit), deep},
		{"newest/first", store.TicketFilter{}},
		{"status/new", store.TicketFilter{Order: store.OrderQueue, Status: []store.Status{store.StatusNew}}},
		{"priority/high", with(queue, func(f *store.TicketFilter) { f.Priority = []store.Priority{store.PriorityHigh} })},
		{"category/complaint", with(queue, func(f *store.TicketFilter) { f.Category = []string{"complaint"} })},
		{"assignee/anna", with(queue, func(f *store.TicketFilter) { f.Assignee = []string{"anna"} })},
		{"assignee/nobody", with(queue, func(f *store.TicketFilter) { f.Assignee = []string{""} })},
		{"due/overdue", with(queue, func(f *store.TicketFilter) { f.DueBefore = storetest.DefaultEnd })},
		{"due/overdue/no-total", with(queue, func(f *store.TicketFilter) { f.DueBefore, f.NoTotal = storetest.DefaultEnd, true })},
		{"search/number", store.TicketFilter{Search: sample.Number}},
		{"search/sender", store.TicketFilter{Search: sample.CitizenAddress}},
		{"search/sender/queue", with(queue, func(f *store.TicketFilter) { f.Search = sample.CitizenAddress })},
		{"search/account", store.TicketFilter{Search: sample.AccountNumber}},
		{"search/word-rare", store.TicketFilter{Search: "дератизация"}},
		{"search/word-rare/queue", with(queue, func(f *store.TicketFilter) { f.Search = "дератизация" })},
		{"search/word", store.TicketFilter{Search: "субсидии"}},
		{"search/word/queue", with(queue, func(f *store.TicketFilter) { f.Search = "субсидии" })},
		{"search/word/queue/no-total", with(queue, func(f *store.TicketFilter) { f.Search, f.NoTotal = "субсидии", true })},
		{"search/two-words", store.TicketFilter{Search: "квитанции площадь"}},
		{"search/common-word", store.TicketFilter{Search: "добрый"}},
		{"search/common-word/queue", with(queue, func(f *store.TicketFilter) { f.Search = "добрый" })},
		{"search/common-word/queue/no-total", with(queue, func(f *store.TicketFilter) { f.Search, f.NoTotal = "добрый", true })},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			var total int
			for b.Loop() {
				start := time.Now()
				page, err := db.FindTickets(ctx, c.f)
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				total = page.Total
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(total), "selected")
			b.ReportMetric(0, "ns/op") // the percentiles say it
		})
	}
}
