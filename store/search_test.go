package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// bodyOf is a LetterText for tests: what follows a letter's header.
func bodyOf(raw []byte) string {
	_, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	return string(body)
}

// letterIn is an inbound letter whose text is body.
func letterIn(mid, from, subject, body string) Inbound {
	return Inbound{
		Raw:         []byte("From: " + from + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + mid + ">\r\n\r\n" + body),
		MessageID:   mid,
		FromAddress: from,
		Text:        body,
		Ticket:      Ticket{Subject: subject, CitizenAddress: from, Description: body, DueAt: time.Now().Add(time.Hour)},
	}
}

// dumpTable returns every value of every row of table, as bytes.
func dumpTable(t *testing.T, db *DB, table string) []byte {
	t.Helper()
	rows, err := db.sql.Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []byte
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		for _, v := range vals {
			switch v := v.(type) {
			case []byte:
				out = append(out, v...)
			case string:
				out = append(out, v...)
			default:
				out = fmt.Appendf(out, "%v", v)
			}
			out = append(out, 0)
		}
	}
	return out
}

// found returns the numbers of the tickets FindTickets finds with search,
// newest first, and checks that the queue's order finds the same ones.
func found(t *testing.T, db *DB, search string) string {
	t.Helper()
	ctx := context.Background()
	page, err := db.FindTickets(ctx, TicketFilter{Search: search})
	if err != nil {
		t.Fatalf("FindTickets(Search %q): %v", search, err)
	}
	queue, err := db.FindTickets(ctx, TicketFilter{Search: search, Order: OrderQueue})
	if err != nil {
		t.Fatalf("FindTickets(Search %q, OrderQueue): %v", search, err)
	}
	got := numbers(page.Tickets)
	if q := strings.Fields(numbers(queue.Tickets)); !slices.Equal(sorted(q), sorted(strings.Fields(got))) ||
		page.Total != len(page.Tickets) || queue.Total != page.Total {
		t.Errorf("Search %q: newest first [%s] of %d, in the queue [%s] of %d; want the same tickets", search,
			got, page.Total, strings.Join(q, " "), queue.Total)
	}
	return got
}

func sorted(s []string) []string { slices.Sort(s); return s }

func ingestAll(t *testing.T, db *DB, ins ...Inbound) []Ingested {
	t.Helper()
	var out []Ingested
	for _, in := range ins {
		res, err := db.Ingest(context.Background(), in, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res)
	}
	return out
}

func TestSearchFindsTickets(t *testing.T) {
	db := openTest(t)
	a := letterIn("a@x", "ivan.petrov@mail.example.ru", "Не начислена субсидия",
		"Лицевой счёт 12-345/67. Субсидия за октябрь не пришла. Ответ пришлите на ivan.work@corp.example")
	a.FromName, a.Ticket.CitizenName, a.Ticket.AccountNumber = "Иван Петров", "Петров Иван Ильич", "12-345/67"
	b := letterIn("b@x", "olga@example.ru", "Справка о доходах", "Нужна справка для банка.")
	b.Ticket.ApplicationNumber = "З-2024/0042"
	res := ingestAll(t, db, a, b)
	followUp := letterIn("c@x", "Ivan.Petrov@mail.example.ru", "Re: Не начислена субсидия", "Прикладываю квитанцию.")
	followUp.TicketID = res[0].Ticket.ID
	ingestAll(t, db, followUp)

	tests := []struct{ name, search, want string }{
		{"a word of the text", "субсидия", "1"},
		{"in any case, ё as е", "СУБСИДИЯ Октябрь счет", "1"},
		{"a word of the subject", "начислена", "1"},
		{"every word must match", "субсидия справка", ""},
		{"a word in two letters of one ticket", "справка", "2"},
		{"a word of a follow-up", "квитанцию", "1"},
		{"words of two letters of one ticket", "квитанцию октябрь", "1"},
		{"no prefixes", "субсид", ""},
		{"no stems", "квитанция", ""},
		{"the ticket number", "TKT-000002", "2"},
		{"the ticket number's digits", "2", "2"},
		{"the account number as typed", "12-345/67", "1"},
		{"the account number without separators", "1234567", "1"},
		{"the application number", "з-2024/0042", "2"},
		{"a part of the application number", "2024", "2"},
		{"the sender's address", "Ivan.Petrov@Mail.Example.RU", "1"},
		{"the sender's domain", "mail.example.ru", "1"},
		{"an address in the text", "<ivan.work@corp.example>", "1"},
		{"an address that is not there", "ivan@example.ru", ""},
		{"the sender's name", "иван", "1"},
		{"the citizen's name", "ильич", "1"},
		{"nobody", "олег", ""},
	}
	for _, tt := range tests {
		if got := found(t, db, tt.search); got != tt.want {
			t.Errorf("%s: Search %q found [%s], want [%s]", tt.name, tt.search, got, tt.want)
		}
	}
	// With other fields.
	page, err := db.FindTickets(context.Background(), TicketFilter{Search: "справка", Status: []Status{StatusClosed}})
	if err != nil || len(page.Tickets) != 0 || page.Total != 0 {
		t.Errorf("a search among closed tickets = %+v, %v; want none", page, err)
	}
}

func TestSearchIndexHoldsNoPlainWords(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "ticketd.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.UseKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	const word, address = "Зубоврачебный", "zoya.kvasnikova@hidden-mail.example"
	secrets := []string{word, strings.ToLower(word), "зубоврачебн", "kvasnikova", "hidden-mail", "hiddenmail"}
	ingestAll(t, db, letterIn("a@x", "citizen@example.ru", "Вопрос", "Нужен "+word+" кабинет. Пишите: "+address))
	if got := found(t, db, strings.ToUpper(word)); got != "1" {
		t.Fatalf("the word is not found: [%s]", got)
	}
	if got := found(t, db, address); got != "1" {
		t.Fatalf("the address is not found: [%s]", got)
	}

	// The index's own tables.
	var tables []string
	want := 4 // the FTS5 table, its shadow tables and ticket_terms
	q := "SELECT name FROM sqlite_schema WHERE type = 'table' AND (name LIKE 'ticket_search%' OR name = 'ticket_terms')"
	if onPostgres() {
		want = 2 // ticket_search and ticket_terms
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND (tablename LIKE 'ticket_search%' OR tablename = 'ticket_terms')"
	}
	rows, err := db.sql.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < want {
		t.Fatalf("index tables %q; want the index's table and ticket_terms (and FTS5's shadow tables)", tables)
	}
	keyed := db.index.hasher().hash(term{termWord, normalise(word)})
	var dump []byte
	for _, table := range tables {
		b := dumpTable(t, db, table)
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("table %s holds %q", table, s)
			}
		}
		dump = append(dump, b...)
	}
	if !bytes.Contains(dump, tokenBytes(keyed)) {
		t.Errorf("the index tables do not hold the word's token: the test reads nothing")
	}
	// The index is hashed with the store's key, not the public one.
	var withKey, public int
	open := newBlindIndex(nil).hasher().hash(term{termWord, normalise(word)})
	matches, match := db.searchMatches([]uint64{keyed})
	db.sql.QueryRow("SELECT COUNT(*) FROM ("+matches+") AS m", match).Scan(&withKey)
	matches, match = db.searchMatches([]uint64{open})
	db.sql.QueryRow("SELECT COUNT(*) FROM ("+matches+") AS m", match).Scan(&public)
	if withKey != 1 || public != 0 {
		t.Errorf("the word's token under the store's key matches %d tickets, under the public key %d; want 1 and 0", withKey, public)
	}

	// The whole file, its write-ahead log included.
	if onPostgres() {
		return // the server's files are not the test's to read
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", filepath.Base(f), s)
			}
		}
	}
}

func TestReindexAfterKeyChange(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "ticketd.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.LetterText = bodyOf
	ingestAll(t, db, letterIn("a@x", "ivan@example.ru", "Вопрос", "Отключили электричество."))
	if got := found(t, db, "электричество"); got != "1" {
		t.Fatalf("before the key: [%s]", got)
	}
	var before []byte
	db.sql.QueryRow("SELECT terms FROM ticket_terms WHERE ticket_id = 1").Scan(&before)

	if err := db.UseKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindTickets(ctx, TicketFilter{Search: "электричество"}); !errors.Is(err, ErrSearchIndexStale) ||
		!strings.Contains(err.Error(), "another key") || !strings.Contains(err.Error(), "ticketd reindex") {
		t.Errorf("search with another key = %v; want ErrSearchIndexStale naming the key and the command", err)
	}
	if _, err := db.StatusCounts(ctx, TicketFilter{Search: "электричество"}); !errors.Is(err, ErrSearchIndexStale) {
		t.Errorf("StatusCounts of a search with another key = %v; want ErrSearchIndexStale", err)
	}
	if page, err := db.FindTickets(ctx, TicketFilter{}); err != nil || len(page.Tickets) != 1 {
		t.Errorf("a list without a search = %+v, %v; want it to work", page, err)
	}
	// A letter filed while the index is stale is indexed by Reindex.
	ingestAll(t, db, letterIn("b@x", "olga@example.ru", "Вопрос", "И у меня электричество."))
	if err := db.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSearchIndex(ctx); err != nil {
		t.Errorf("CheckSearchIndex after Reindex: %v", err)
	}
	if got := found(t, db, "электричество"); got != "2 1" {
		t.Errorf("after Reindex: [%s], want [2 1]", got)
	}
	var after []byte
	db.sql.QueryRow("SELECT terms FROM ticket_terms WHERE ticket_id = 1").Scan(&after)
	if len(after) != len(before) || bytes.Equal(after, before) {
		t.Errorf("terms of ticket 1 before and after the key: %d and %d bytes, equal %v; want as many, all different",
			len(before), len(after), bytes.Equal(after, before))
	}

	// Without LetterText, Reindex indexes the senders and subjects alone.
	db.LetterText = nil
	if err := db.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if got, subject := found(t, db, "электричество"), found(t, db, "olga@example.ru вопрос"); got != "" || subject != "2" {
		t.Errorf("without LetterText: text found [%s], sender and subject [%s]; want [] and [2]", got, subject)
	}

	// The same file opened without the key: the index is another key's.
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.CheckSearchIndex(ctx); !errors.Is(err, ErrSearchIndexStale) {
		t.Errorf("CheckSearchIndex without the key = %v; want ErrSearchIndexStale", err)
	}
}

// TestReindexKeepsLettersFiledMeanwhile files a follow-up while the index
// is being rebuilt: it is indexed when it comes, and the rebuilding then
// writes its ticket's row whole.
func TestReindexKeepsLettersFiledMeanwhile(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	db.LetterText = bodyOf
	res := ingestAll(t, db, letterIn("a@x", "ivan@example.ru", "Вопрос", "Сломался счётчик."))
	if err := db.beginReindex(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindTickets(ctx, TicketFilter{Search: "счетчик"}); !errors.Is(err, ErrSearchIndexStale) ||
		!strings.Contains(err.Error(), "not finished") {
		t.Errorf("search while rebuilding = %v; want ErrSearchIndexStale saying it has not finished", err)
	}
	f := letterIn("b@x", "ivan@example.ru", "Re: Вопрос", "Фото пломбы прилагаю.")
	f.TicketID = res[0].Ticket.ID
	ingestAll(t, db, f, letterIn("c@x", "olga@example.ru", "Пломба", "Сорвали пломбу."))
	var n int
	if db.sql.QueryRow("SELECT COUNT(*) FROM ticket_terms").Scan(&n); n != 2 {
		t.Errorf("%d tickets indexed while rebuilding, want the 2 that got letters", n)
	}
	if err := db.rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	for search, want := range map[string]string{"счетчик пломбы": "1", "пломбу": "2", "ivan@example.ru": "1"} {
		if got := found(t, db, search); got != want {
			t.Errorf("Search %q after rebuilding found [%s], want [%s]", search, got, want)
		}
	}
}

func TestFollowUpsAddTheirWords(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	res := ingestAll(t, db, letterIn("a@x", "ivan@example.ru", "Вопрос", "Первое письмо."))
	var terms1 []byte
	db.sql.QueryRow("SELECT terms FROM ticket_terms WHERE ticket_id = 1").Scan(&terms1)
	again := letterIn("a@x", "ivan@example.ru", "Вопрос", "Первое письмо.")
	if r := ingestAll(t, db, again); !r[0].Duplicate {
		t.Fatal("the second delivery is not a duplicate")
	}
	same := letterIn("b@x", "ivan@example.ru", "Вопрос", "Письмо первое.")
	same.TicketID = res[0].Ticket.ID
	ingestAll(t, db, same)
	var terms2 []byte
	db.sql.QueryRow("SELECT terms FROM ticket_terms WHERE ticket_id = 1").Scan(&terms2)
	if !bytes.Equal(terms1, terms2) {
		t.Errorf("a duplicate and a follow-up of the same words changed the ticket's terms")
	}
	next := letterIn("c@x", "ivan@example.ru", "Вопрос", "Второе письмо.")
	next.TicketID = res[0].Ticket.ID
	ingestAll(t, db, next)
	if got := found(t, db, "первое второе"); got != "1" {
		t.Errorf("words of both letters found [%s], want [1]", got)
	}
	// The row was written again: the full-text table holds one row.
	var rows int
	matches, match := db.searchMatches([]uint64{db.index.hasher().hash(term{termWord, "первое"})})
	if err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+matches+") AS m", match).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("rows holding the first word: %d, %v; want 1", rows, err)
	}
}

func TestCapTerms(t *testing.T) {
	got := capTerms([]uint64{2, 4, 6}, []uint64{1, 4, 5, 7}, 5)
	if want := []uint64{1, 2, 4, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("capTerms = %v, want %v", got, want)
	}
	if got := capTerms([]uint64{2, 4}, []uint64{1}, 2); !slices.Equal(got, []uint64{2, 4}) {
		t.Errorf("capTerms at the cap = %v, want what was there", got)
	}
}

// TestUpgradeLeavesSearchStale checks migration 0011 on a database with
// tickets: the index is stale until Reindex, which indexes what was filed
// before and since.
func TestUpgradeLeavesSearchStale(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw := createAt(t, path, 10)
	body := "From: old@example.ru\r\nSubject: Old\r\n\r\nСтарое письмо про водоотведение."
	mustExec(t, raw, `INSERT INTO tickets (number, status, priority, citizen_address, subject, created_at, due_at, updated_at)
		VALUES ('TKT-000001', 'new', 'normal', 'old@example.ru', 'Old question', 0, 0, 0)`)
	mustExec(t, raw, `INSERT INTO messages (ticket_id, direction, dedupe_key, message_id, from_address, subject, size, raw_sha256, raw, created_at)
		VALUES (1, 'in', 'mid:q@old', 'q@old', 'old@example.ru', 'Old question', ?, ?, ?, 0)`, len(body), sha256Hex([]byte(body)), []byte(body))
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckSearchIndex(ctx); !errors.Is(err, ErrSearchIndexStale) || !strings.Contains(err.Error(), "before") {
		t.Errorf("CheckSearchIndex after the upgrade = %v; want ErrSearchIndexStale saying tickets came before it", err)
	}
	ingestAll(t, db, letterIn("n@x", "new@example.ru", "New", "Новое письмо про водоотведение."))
	db.LetterText = bodyOf
	if err := db.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := found(t, db, "водоотведение"); got != "2 1" {
		t.Errorf("after Reindex found [%s], want [2 1]", got)
	}
	if got := found(t, db, "TKT-000001 old@example.ru question"); got != "1" {
		t.Errorf("the old ticket's fields found [%s], want [1]", got)
	}
}

// TestReindexReadsLettersByTicket checks that Reindex reads the letters
// of a range of tickets through the index on ticket_id.
func TestReindexReadsLettersByTicket(t *testing.T) {
	db := openTest(t)
	if plan := queryPlan(t, db, lettersOfTickets, 0, 256); !strings.Contains(plan, "messages_ticket (ticket_id>? AND ticket_id<?)") {
		t.Errorf("plan of the letters of a range of tickets:\n%s\nwant the index messages_ticket", plan)
	}
}
