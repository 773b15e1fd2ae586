package store

import (
	"context"
	"strings"
	"testing"
)

// TestIngestAnswerSetsStatusAndRecordsEvents: an automatic answer that
// names a status leaves its ticket in it, and its events are recorded
// after the reply, as the daemon's; the ticket's version counts them.
func TestIngestAnswerSetsStatusAndRecordsEvents(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	answer := func(tk Ticket, s Situation) (*Outgoing, error) {
		out, err := ack(tk, s)
		out.Template, out.Status = "status", StatusAnswered
		out.Events = []AnswerEvent{{Action: "status.answered", Detail: "application status approved"}}
		return out, err
	}
	res, err := db.Ingest(ctx, inbound("a@x", "raw", 1), answer)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Queued || res.Ticket.Status != StatusAnswered {
		t.Errorf("Ingest() = queued %v, status %q; want queued, answered", res.Queued, res.Ticket.Status)
	}
	tk, err := db.Ticket(ctx, res.Ticket.Number)
	if err != nil || tk.Status != StatusAnswered || tk.Version != res.Ticket.Version {
		t.Errorf("Ticket() = status %q version %d, %v; want answered, version %d", tk.Status, tk.Version, err, res.Ticket.Version)
	}
	evs, _ := db.Events(ctx, tk.ID)
	var got []string
	for _, e := range evs {
		if e.Action != "letter.stored" {
			got = append(got, e.Actor+" "+e.Action+": "+e.Detail)
		}
	}
	want := "daemon ticket.created: |daemon reply.queued: status to ivan@example.ru|daemon status.answered: application status approved|daemon ticket.status: new → answered"
	if strings.Join(got, "|") != want {
		t.Errorf("events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}

	// A status that is no status is refused, and nothing is stored.
	bad := func(tk Ticket, s Situation) (*Outgoing, error) {
		out, err := ack(tk, s)
		out.Status = "done"
		return out, err
	}
	if _, err := db.Ingest(ctx, inbound("b@x", "raw b", 2), bad); err == nil || !strings.Contains(err.Error(), `unknown status "done"`) {
		t.Errorf("Ingest() with status done: error = %v, want one naming it", err)
	}
	if c, _ := db.Count(ctx); c.Tickets != 1 {
		t.Errorf("after a refused answer %d tickets, want 1", c.Tickets)
	}
}
