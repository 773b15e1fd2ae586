package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// TestReindexCommand files a letter without the key, then searches with
// it: the index is refused until "ticketd reindex" rebuilds it, words of
// the letter's text included.
func TestReindexCommand(t *testing.T) {
	ctx := t.Context()
	config, path := usersConfig(t, true)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: ivan@example.ru\r\nSubject: =?utf-8?b?0JLQvtC/0YDQvtGB?=\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\nНе работает домофон.\r\n"
	if _, err := db.Ingest(ctx, store.Inbound{Raw: []byte(raw), MessageID: "a@x", FromAddress: "ivan@example.ru",
		Text: "Не работает домофон.", Ticket: store.Ticket{Subject: "Вопрос", CitizenAddress: "ivan@example.ru"}}, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()

	sealed, err := openConfigured(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	defer sealed.Close()
	if _, err := sealed.FindTickets(ctx, store.TicketFilter{Search: "домофон"}); !errors.Is(err, store.ErrSearchIndexStale) {
		t.Fatalf("search with the key before reindex = %v; want ErrSearchIndexStale", err)
	}
	out, errb, code := run(t, "reindex", "-config", config)
	if code != 0 || !strings.Contains(out, "search index rebuilt: 1 tickets, 1 letters") {
		t.Fatalf("reindex: exit %d: %q %q", code, out, errb)
	}
	page, err := sealed.FindTickets(ctx, store.TicketFilter{Search: "ДОМОФОН ivan@example.ru"})
	if err != nil || len(page.Tickets) != 1 {
		t.Errorf("search after reindex = %+v, %v; want the ticket", page.Tickets, err)
	}
}
