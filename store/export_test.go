package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func TestSameAddress(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"ivan@example.ru", "ivan@example.ru", true},
		{"ivan@example.ru", "ivan@EXAMPLE.RU", true},  // domains have no case (RFC 5321 2.4)
		{"ivan@example.ru", "Ivan@example.ru", false}, // a local part may
		{"иван@почта.рф", "иван@ПОЧТА.РФ", true},      // beyond ASCII too
		{"a@b@example.ru", "a@b@Example.ru", true},    // the last @ splits
		{"ivan@example.ru", "ivan@example.ru.evil", false},
		{"ivan", "ivan", false},
		{"@example.ru", "@example.ru", false},
	} {
		if got := SameAddress(tc.a, tc.b); got != tc.want {
			t.Errorf("SameAddress(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestExportTicketsOfSender(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	letter := func(mid, citizen, from string, followUp int64) {
		t.Helper()
		in := inbound(mid, "raw "+mid, 0)
		in.Mailbox, in.Ticket.CitizenAddress, in.FromAddress, in.TicketID = "", citizen, from, followUp
		if _, err := db.Ingest(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
	}
	letter("1@x", "ivan@example.ru", "ivan@example.ru", 0)
	letter("2@x", "olga@example.ru", "olga@example.ru", 0)
	letter("3@x", "ivan@Example.RU", "ivan@Example.RU", 0)
	letter("4@x", "Ivan@example.ru", "Ivan@example.ru", 0)
	letter("5@x", "olga@example.ru", "olga@example.ru", 0)
	letter("6@x", "olga@example.ru", "ivan@example.ru", 5) // Ivan wrote on Olga's ticket
	got, err := db.ExportTickets(ctx, ExportQuery{Sender: "ivan@EXAMPLE.ru"})
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, tk := range got {
		numbers = append(numbers, tk.Number)
	}
	if want := []string{"TKT-000001", "TKT-000003", "TKT-000005"}; !slices.Equal(numbers, want) {
		t.Errorf("ExportTickets(sender) = %q, want %q", numbers, want)
	}
	if _, err := db.ExportTickets(ctx, ExportQuery{Sender: "nobody@example.ru"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ExportTickets(unknown sender) = %v, want ErrNotFound", err)
	}
	if _, err := db.ExportTickets(ctx, ExportQuery{Number: "TKT-000009"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ExportTickets(unknown number) = %v, want ErrNotFound", err)
	}
	for _, q := range []ExportQuery{{}, {Number: "TKT-000001", Sender: "ivan@example.ru"}, {Sender: "ivan"}} {
		if _, err := db.ExportTickets(ctx, q); err == nil {
			t.Errorf("ExportTickets(%+v) = nil error", q)
		}
	}
}

func TestChainSegmentReducesOtherTickets(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i, mid := range []string{"a@x", "b@x"} {
		if _, err := db.Ingest(ctx, inbound(mid, "raw "+mid, uint32(i+1)), ack); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RecordRead(ctx, Read{TicketID: 0, Actor: "olga", What: ReadSearch, Detail: "secret terms"}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordRead(ctx, Read{TicketID: 1, Actor: "olga", What: ReadExport, Detail: "TKT-000001"}); err != nil {
		t.Fatal(err)
	}
	head, last, err := db.ChainEnd(ctx)
	if err != nil {
		t.Fatal(err)
	}
	whole := wholeChain(t, db)
	if last != whole[len(whole)-1].ID || head.Count != int64(len(whole)) {
		t.Fatalf("ChainEnd = %v, %d; the chain has %d events", head, last, len(whole))
	}
	mine, err := db.TicketChain(ctx, 1, last-1)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range mine {
		if e.TicketID != 1 || e.ID == last {
			t.Errorf("TicketChain(1, up to %d) gave %+v", last-1, e)
		}
	}
	var seg []ChainEvent
	err = db.ChainSegment(ctx, 2, last, func(id int64) bool { return id == 1 }, func(e ChainEvent) error {
		seg = append(seg, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seg) != int(last-1) || seg[0].ID != 2 {
		t.Fatalf("ChainSegment(2, %d) gave %d events from %d", last, len(seg), seg[0].ID)
	}
	for i, e := range seg {
		full := whole[i+1]
		if e.ID != full.ID || string(e.Hash) != string(full.Hash) || string(e.PrevHash) != string(full.PrevHash) {
			t.Errorf("segment event %d = %+v, want the chain's hashes", e.ID, e)
		}
		want := full
		if full.TicketID != 1 {
			want = full.Veiled()
		}
		if !reflect.DeepEqual(e, want) {
			t.Errorf("segment event %+v of ticket %d, want %+v (in full only for ticket 1)", e, full.TicketID, want)
		}
		if b := CheckLinks(e.PrevHash, []ChainEvent{e}); b != nil {
			t.Errorf("segment event %d does not hash to its hash: %v", e.ID, b)
		}
	}
}
