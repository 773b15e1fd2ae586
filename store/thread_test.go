package store

import (
	"context"
	"testing"
	"time"
)

func TestThreadFindsTicketAndParticipants(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	first, err := db.Ingest(ctx, inbound("q1@citizen", "raw 1", 1), ack)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := db.Messages(ctx, first.Ticket.ID)
	ackID := msgs[1].MessageID
	tests := []struct {
		name            string
		ids             []string
		tag, from       string
		ok, participant bool
	}{
		{"reply to our acknowledgement", []string{"q1@citizen", ackID}, "", "ivan@example.ru", true, true},
		{"reply quoting the citizen's letter", []string{"q1@citizen"}, "", "IVAN@example.ru", true, true},
		{"tag in subject", nil, "TKT-000001", "ivan@example.ru", true, true},
		{"tag from a stranger", nil, "TKT-000001", "mallory@example.org", true, false},
		{"headers from a stranger", []string{ackID}, "", "mallory@example.org", true, false},
		{"unknown tag", nil, "TKT-000099", "ivan@example.ru", false, false},
		{"nothing", nil, "", "ivan@example.ru", false, false},
	}
	for _, tt := range tests {
		th, ok, err := db.Thread(ctx, tt.ids, tt.tag, tt.from)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if ok != tt.ok || th.Participant != tt.participant || (ok && th.Number != "TKT-000001") {
			t.Errorf("Thread(%s) = %+v, %v; want ok %v participant %v", tt.name, th, ok, tt.ok, tt.participant)
		}
	}
}

func TestFollowUpReopensAndCountsAnswers(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	first, _ := db.Ingest(ctx, inbound("q1@citizen", "raw 1", 1), ack)
	if err := db.SetStatus(ctx, first.Ticket.Number, 0, StatusAnswered, "operator:anna"); err != nil {
		t.Fatal(err)
	}
	const followUpAck = "ack_followup"
	in := inbound("q2@citizen", "raw 2", 2)
	in.TicketID, in.Reopen, in.LastSentTemplate = first.Ticket.ID, true, followUpAck
	in.Ticket.DueAt = time.Now().Add(24 * time.Hour)
	var sit Situation
	res, err := db.Ingest(ctx, in, func(tk Ticket, s Situation) (*Outgoing, error) {
		sit = s
		o, _ := ack(tk, s)
		o.Template, o.Auto, o.MessageID = followUpAck, true, "f1@ticketd"
		return o, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.FollowUp || !res.Reopened || res.Ticket.Status != StatusInProgress || res.Ticket.Number != "TKT-000001" {
		t.Errorf("follow-up = %+v, want TKT-000001 reopened in progress", res)
	}
	if !sit.FollowUp || !sit.LastSent.IsZero() {
		t.Errorf("situation = %+v, want a follow-up with no earlier follow-up answer", sit)
	}
	in = inbound("q3@citizen", "raw 3", 3)
	in.TicketID, in.Reopen, in.LastSentTemplate = first.Ticket.ID, true, followUpAck
	db.Ingest(ctx, in, func(tk Ticket, s Situation) (*Outgoing, error) { sit = s; return nil, nil })
	if sit.LastSent.IsZero() || sit.RecentAutoReplies != 1 {
		t.Errorf("situation after one follow-up answer = %+v, want its time and 1 recent automatic answer", sit)
	}
	in = inbound("q4@citizen", "raw 4", 4)
	in.TicketID, in.Reopen = first.Ticket.ID, true // names no template
	db.Ingest(ctx, in, func(tk Ticket, s Situation) (*Outgoing, error) { sit = s; return nil, nil })
	if !sit.LastSent.IsZero() {
		t.Errorf("situation of a letter naming no template = %+v, want no LastSent", sit)
	}
	c, _ := db.Count(ctx)
	if c.Tickets != 1 || c.Inbound != 4 {
		t.Errorf("counts = %+v, want 1 ticket with 4 letters", c)
	}
}

func TestLinkAndBounce(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	first, _ := db.Ingest(ctx, inbound("q1@citizen", "raw 1", 1), ack)
	in := inbound("stranger@x", "raw 2", 2)
	in.LinkTo = first.Ticket.ID
	res, _ := db.Ingest(ctx, in, nil)
	if res.Ticket.LinkedTo != "TKT-000001" {
		t.Errorf("LinkedTo = %q, want TKT-000001", res.Ticket.LinkedTo)
	}
	got, _ := db.Ticket(ctx, res.Ticket.Number)
	if got.LinkedTo != "TKT-000001" {
		t.Errorf("stored LinkedTo = %q, want TKT-000001", got.LinkedTo)
	}
	msgs, _ := db.Messages(ctx, first.Ticket.ID)
	dsn := inbound("dsn@mx", "raw dsn", 3)
	dsn.TicketID, dsn.BounceOf = first.Ticket.ID, msgs[1].MessageID
	if _, err := db.Ingest(ctx, dsn, nil); err != nil {
		t.Fatal(err)
	}
	msgs, _ = db.Messages(ctx, first.Ticket.ID)
	if msgs[1].Undeliverable == "" {
		t.Error("acknowledgement not marked undeliverable after its bounce")
	}
}

func TestSetStatus(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	db.Ingest(ctx, inbound("q1@citizen", "raw 1", 1), nil)
	if err := db.SetStatus(ctx, "TKT-000001", 0, "done", "x"); err == nil {
		t.Error("SetStatus with an unknown status succeeded")
	}
	if err := db.SetStatus(ctx, "TKT-000009", 0, StatusClosed, "x"); err == nil {
		t.Error("SetStatus on a missing ticket succeeded")
	}
	if err := db.SetStatus(ctx, "TKT-000001", 0, StatusClosed, "operator:anna"); err != nil {
		t.Fatal(err)
	}
	tk, _ := db.Ticket(ctx, "TKT-000001")
	ev, _ := db.Events(ctx, tk.ID)
	if tk.Status != StatusClosed || ev[len(ev)-1].Actor != "operator:anna" {
		t.Errorf("after SetStatus: %s, last event %+v", tk.Status, ev[len(ev)-1])
	}
}
