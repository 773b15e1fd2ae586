package store

import (
	"context"
	"testing"
)

func TestReadsFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i, mid := range []string{"a@x", "b@x"} {
		if _, err := db.Ingest(ctx, inbound(mid, "raw "+mid, uint32(i+1)), ack); err != nil {
			t.Fatal(err)
		}
	}
	version := must(db.Ticket(ctx, "TKT-000001")).Version
	for _, r := range []Read{
		{TicketID: 1, Actor: "anna", What: ReadTicket},
		{TicketID: 2, Actor: "anna", What: ReadLetter, Detail: "letter 3"},
		{TicketID: 1, Actor: "ivan", What: ReadTicket},
		{Actor: "anna", What: ReadSearch, Detail: "i…@example.ru"},
		{TicketID: 1, Actor: "cli:anna", What: ReadTicket},
	} {
		if err := db.RecordRead(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	before := must(db.ChainHead(ctx))
	if v := must(db.Ticket(ctx, "TKT-000001")).Version; v != version {
		t.Errorf("version of a ticket only read = %d, want %d as before", v, version)
	}
	for _, tc := range []struct {
		name string
		f    ReadFilter
		want []string // actor/action/ticket, newest first
	}{
		{"all", ReadFilter{}, []string{"cli:anna read.ticket TKT-000001", "anna read.search ", "ivan read.ticket TKT-000001",
			"anna read.letter TKT-000002", "anna read.ticket TKT-000001"}},
		{"by number", ReadFilter{Number: "TKT-000001"}, []string{"cli:anna read.ticket TKT-000001", "ivan read.ticket TKT-000001",
			"anna read.ticket TKT-000001"}},
		{"by id", ReadFilter{TicketID: 2}, []string{"anna read.letter TKT-000002"}},
		{"no such number", ReadFilter{Number: "TKT-000009"}, nil},
		{"by actor", ReadFilter{Actor: "anna"}, []string{"anna read.search ", "anna read.letter TKT-000002", "anna read.ticket TKT-000001"}},
		{"actor and number", ReadFilter{Actor: "anna", Number: "TKT-000001"}, []string{"anna read.ticket TKT-000001"}},
		{"a page", ReadFilter{Limit: 2}, []string{"cli:anna read.ticket TKT-000001", "anna read.search "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := must(db.Reads(ctx, tc.f))
			var got []string
			for _, r := range rs {
				got = append(got, r.Actor+" "+r.Action+" "+r.Ticket)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Reads(%+v) = %q, want %q", tc.f, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Reads(%+v)[%d] = %q, want %q", tc.f, i, got[i], tc.want[i])
				}
			}
		})
	}
	// The page after the first: Before is the last ID of the page.
	first := must(db.Reads(ctx, ReadFilter{Limit: 2}))
	next := must(db.Reads(ctx, ReadFilter{Limit: 2, Before: first[1].ID}))
	if len(next) != 2 || next[0].ID >= first[1].ID || next[0].Actor != "ivan" {
		t.Errorf("the second page = %+v", next)
	}
	if after := must(db.ChainHead(ctx)); after.Count != before.Count {
		t.Errorf("listing reads changed the chain: %v → %v", before, after)
	}
}
