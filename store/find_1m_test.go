package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

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
func BenchmarkFindTickets1M(b *testing.B) {
	if os.Getenv("TICKETD_BENCH_1M") != "1" {
		b.Skip("set TICKETD_BENCH_1M=1 to build (once) or reuse a store of a million tickets")
	}
	ctx := context.Background()
	start := time.Now()
	path, err := storetest.Cached(ctx, million, func(made int) {
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
	defer db.Close()

	open := []store.Status{store.StatusNew, store.StatusInProgress, store.StatusWaiting, store.StatusAnswered}
	queue := store.TicketFilter{Order: store.OrderQueue, Status: open}
	first, err := db.FindTickets(ctx, queue)
	if err != nil || first.Next == "" {
		b.Fatalf("the queue's first page: %v", err)
	}
	deep := queue
	deep.Limit = store.MaxTicketLimit
	for range 20 { // 20,000 tickets into the queue
		page, err := db.FindTickets(ctx, deep)
		if err != nil || page.Next == "" {
			b.Fatalf("paging into the queue: %v", err)
		}
		deep.After = page.Next
	}
	deep.Limit = 0
	// A ticket with an account number, a third of the way in.
	var sample store.Ticket
	for id := int64(million / 3); sample.AccountNumber == ""; id++ {
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
		{"queue/20000-in", deep},
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
