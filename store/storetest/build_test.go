package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// fileOneByOne stores plans the slow way: each letter filed with Ingest in
// a transaction of its own, each acknowledgement marked sent as the
// outbox does, each action with the store's method, every step at its
// time. Load must store the same.
func fileOneByOne(t *testing.T, db *store.DB, plans []plan) {
	t.Helper()
	ctx := context.Background()
	for _, p := range plans {
		lt := p.load()
		var ticket store.Ticket
		for i, l := range lt.Letters {
			db.SetClock(func() time.Time { return l.At })
			in := l.In
			in.TicketID = ticket.ID
			var answer store.AnswerFunc
			if l.Answer != nil {
				answer = func(store.Ticket, store.Situation) (*store.Outgoing, error) { return l.Answer, nil }
			}
			res, err := db.Ingest(ctx, in, answer)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				ticket = res.Ticket
			}
			if !l.Sent.IsZero() {
				ds, err := db.DueDeliveries(ctx, l.Sent.Add(24*time.Hour), 10)
				if err != nil || len(ds) != 1 {
					t.Fatalf("DueDeliveries = %d, %v; want the answer", len(ds), err)
				}
				if err := db.MarkAllSent(ctx, ds, l.Sent); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, a := range lt.Actions {
			db.SetClock(func() time.Time { return a.At })
			var err error
			switch {
			case a.Assign:
				err = db.Assign(ctx, ticket.Number, 0, a.Assignee, a.Actor)
			case a.Priority != "":
				err = db.SetPriority(ctx, ticket.Number, 0, a.Priority, a.Reason, a.Actor)
			default:
				err = db.SetStatus(ctx, ticket.Number, 0, a.Status, a.Actor)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// testPlans makes n plans, and one more with a file and a letter stored
// in pieces.
func testPlans(n int) []plan {
	r := rand.New(rand.NewPCG(7, 8))
	var plans []plan
	for i := range n {
		plans = append(plans, newPlan(r, i, n, DefaultEnd.Add(time.Duration(i-n)*time.Hour), 7))
	}
	p := newPlan(r, n, n+1, DefaultEnd, 7)
	p.first.Attachments = []store.Attachment{{Filename: "scan.png", DeclaredType: "image/png", DetectedType: "image/png",
		Size: 3, Verdict: store.VerdictAccepted, Data: []byte("png"), Width: 1, Height: 1}}
	p.followUp.Raw = append(p.followUp.Raw, bytes.Repeat([]byte("x"), 3<<20/2)...)
	return append(plans, p)
}

// dump reads every row of the store's tables, in order: all but the
// full-text table's own, whose pages depend on how rows were written.
func dump(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table'
		AND name NOT IN ('ticket_search', 'ticket_search_data', 'ticket_search_idx', 'ticket_search_config')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY rowid")
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			var b strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = fmt.Sprintf("%x", bs)
				}
				if table == "ticket_search_docsize" && cols[i] == "origin" {
					continue // FTS5's own count of how rows were written
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			if table == "ticket_counts" && vals[len(vals)-1] == int64(0) {
				continue // a count that went back to 0 stays as a row
			}
			out[table] = append(out[table], b.String())
		}
		rows.Close()
		if table == "ticket_counts" {
			slices.Sort(out[table]) // rows are made in the order combinations first occur
		}
	}
	return out
}

// TestLoadStoresWhatFilingDoes stores the same tickets the slow way and
// with Load, and compares every row of every table.
func TestLoadStoresWhatFilingDoes(t *testing.T) {
	ctx := context.Background()
	plans := testPlans(150)
	dir := t.TempDir()
	slow, fast := filepath.Join(dir, "slow.db"), filepath.Join(dir, "fast.db")
	db, err := store.Open(ctx, slow)
	if err != nil {
		t.Fatal(err)
	}
	fileOneByOne(t, db, plans)
	db.Close()
	if db, err = store.Open(ctx, fast); err != nil {
		t.Fatal(err)
	}
	for _, part := range [][]plan{plans[:90], plans[90:]} {
		var ts []store.LoadTicket
		for _, p := range part {
			ts = append(ts, p.load())
		}
		if err := db.Load(ctx, ts); err != nil {
			t.Fatal(err)
		}
	}
	// The searches find the same.
	for _, search := range []string{"здравствуйте", plans[3].first.FromAddress, "TKT-000007", "квитанции счётчик"} {
		page, err := db.FindTickets(ctx, store.TicketFilter{Search: search, Limit: store.MaxTicketLimit})
		if err != nil || len(page.Tickets) == 0 {
			t.Errorf("Search %q in the loaded store = %d tickets, %v", search, len(page.Tickets), err)
		}
	}
	db.Close()

	want, got := dump(t, slow), dump(t, fast)
	if len(want["tickets"]) != len(plans) || len(want["events"]) < 5*len(plans) || len(want["ticket_terms"]) != len(plans) {
		t.Fatalf("the slow way stored %d tickets, %d events, %d indexed; want %d tickets and their history",
			len(want["tickets"]), len(want["events"]), len(want["ticket_terms"]), len(plans))
	}
	for table, rows := range want {
		if len(got[table]) != len(rows) {
			t.Errorf("%s: Load stored %d rows, filing one by one %d", table, len(got[table]), len(rows))
			continue
		}
		for i := range rows {
			if got[table][i] != rows[i] {
				t.Errorf("%s row %d:\nLoad:  %s\nslow:  %s", table, i, got[table][i], rows[i])
				break
			}
		}
	}
}

func TestBuild(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "b.db")
	const n = 400
	if err := Build(ctx, path, n, &Options{Key: Key(), Seed: 3}); err != nil {
		t.Fatal(err)
	}
	if err := Build(ctx, path, n, nil); err == nil {
		t.Error("Build over an existing file succeeded")
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckSearchIndex(ctx); err != nil {
		t.Errorf("CheckSearchIndex: %v", err)
	}
	if c, err := db.Count(ctx); err != nil || c != (store.Counts{Tickets: n, Inbound: 2 * n, Outbound: n}) {
		t.Errorf("Count = %+v, %v; want %d tickets of 3 letters, nothing unsent", c, err, n)
	}
	for _, s := range []store.Status{store.StatusNew, store.StatusInProgress, store.StatusWaiting, store.StatusAnswered, store.StatusClosed} {
		page, err := db.FindTickets(ctx, store.TicketFilter{Status: []store.Status{s}, Limit: 1})
		if err != nil || page.Total == 0 || page.Total > n*95/100 {
			t.Errorf("%d tickets %s, %v; want a share", page.Total, s, err)
		}
	}
	if page, _ := db.FindTickets(ctx, store.TicketFilter{Assignee: []string{""}, Limit: 1}); page.Total == 0 || page.Total == n {
		t.Errorf("%d of %d tickets unassigned; want some", page.Total, n)
	}
	tk, err := db.Ticket(ctx, "TKT-000042")
	if err != nil || tk.Description == "" {
		t.Fatalf("Ticket = %+v, %v", tk, err)
	}
	for _, search := range []string{tk.CitizenAddress, "TKT-000042", tk.AccountNumber + " " + tk.ApplicationNumber} {
		page, err := db.FindTickets(ctx, store.TicketFilter{Search: search})
		if err != nil || len(page.Tickets) == 0 || page.Tickets[len(page.Tickets)-1].Number > "TKT-000042" && page.Total == 1 {
			t.Errorf("Search %q = %+v, %v; want TKT-000042 among them", search, page.Tickets, err)
		}
	}
	common, err := db.FindTickets(ctx, store.TicketFilter{Search: "добрый день", Limit: 1})
	if err != nil || common.Total < n/2 {
		t.Errorf("Search for a greeting found %d of %d, %v; want most", common.Total, n, err)
	}
	msgs, err := db.Messages(ctx, tk.ID)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("Messages = %d, %v; want 3", len(msgs), err)
	}
	if raw, err := db.Raw(ctx, msgs[0].ID); err != nil || len(raw) < 700 || len(raw) > 2500 {
		t.Errorf("first letter: %d bytes, %v; want one or two KB", len(raw), err)
	}
	db.Close()
	// Sealed: the file holds no word only letters' texts hold.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"признателен", "Заранее", "Прошу помочь"} {
		if bytes.Contains(b, []byte(word)) {
			t.Errorf("the sealed store's file holds %q", word)
		}
	}
}

func TestCached(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache", "bench.db")
	t.Setenv("TICKETD_BENCH_DB", path)
	built := 0
	progress := func(int) { built++ }
	got, err := Cached(ctx, 30, progress)
	if err != nil || got != path || built == 0 {
		t.Fatalf("Cached = %q, %v after %d batches; want %q built", got, err, built, path)
	}
	built = 0
	if got, err := Cached(ctx, 30, progress); err != nil || got != path || built != 0 {
		t.Errorf("Cached again = %q, %v after %d batches; want it reused", got, err, built)
	}
	os.WriteFile(path+".built", []byte("ticketd storetest: schema 1, builder 0, 30 tickets\n"), 0o644)
	if _, err := Cached(ctx, 30, progress); err != nil || built == 0 {
		t.Errorf("Cached of another schema: %v after %d batches; want it built again", err, built)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if c, err := db.Count(ctx); err != nil || c.Tickets != 30 {
		t.Errorf("the cached store holds %+v, %v; want 30 tickets", c, err)
	}
}
