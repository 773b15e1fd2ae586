package store

import (
	"context"
	"testing"
)

func TestPriorityCorrections(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	first := must(db.Ingest(ctx, inbound("a@citizen", "raw a", 1), nil))
	second := must(db.Ingest(ctx, inbound("b@citizen", "raw b", 2), nil))
	must(db.Ingest(ctx, inbound("c@citizen", "raw c", 3), nil)) // never corrected
	if err := db.SetPriority(ctx, first.Ticket.Number, 0, PriorityNormal, "a question, not urgent", "anna"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPriority(ctx, second.Ticket.Number, 0, PriorityNormal, "first thought", "anna"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPriority(ctx, second.Ticket.Number, 0, PriorityHigh, "data_leak: sent someone else's certificate", "boris"); err != nil {
		t.Fatal(err)
	}
	cs, err := db.PriorityCorrections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("PriorityCorrections = %+v, want the two corrected tickets", cs)
	}
	if c := cs[0]; c.Ticket != first.Ticket.Number || c.Priority != PriorityNormal || c.Actor != "anna" || c.Letter == 0 {
		t.Errorf("first correction = %+v", c)
	}
	c := cs[1]
	if c.Ticket != second.Ticket.Number || c.Priority != PriorityHigh || c.Reason != "data_leak: sent someone else's certificate" || c.Actor != "boris" {
		t.Errorf("second correction = %+v, want the last change", c)
	}
	raw, err := db.Raw(ctx, c.Letter)
	if err != nil || string(raw) != "raw b" {
		t.Errorf("Raw(correction's letter) = %q, %v; want the letter that opened the ticket", raw, err)
	}
}
