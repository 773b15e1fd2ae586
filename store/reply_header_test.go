package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestReplyHeaderKept: the header a letter's address came from is kept with
// the letter, and read back with it; letters out have none.
func TestReplyHeaderKept(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	in := inbound("q1@citizen", "raw 1", 1)
	in.ReplyHeader = "reply-to"
	res := must(db.Ingest(ctx, in, ack))
	msgs := must(db.Messages(ctx, res.Ticket.ID))
	if len(msgs) != 2 || msgs[0].ReplyHeader != "reply-to" || msgs[1].ReplyHeader != "" {
		t.Fatalf("Messages = %+v, want the letter in with reply-to and the acknowledgement with none", msgs)
	}
}

// TestThreadParticipantIsAnAddressAnswered: a letter from a person with no
// address to answer (a no-reply From) makes its From no participant, so
// that another letter from that no-reply address cannot join the ticket;
// the address a letter was answered at (its Reply-To) is one.
func TestThreadParticipantIsAnAddressAnswered(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	form := inbound("form-1@portal", "raw 1", 1)
	form.FromAddress, form.ReplyHeader, form.Ticket.CitizenAddress = "noreply@portal.example", ReplyHeaderNone, ""
	unanswered := must(db.Ingest(ctx, form, nil))
	cited := inbound("form-2@portal", "raw 2", 2)
	cited.FromAddress, cited.ReplyHeader, cited.Ticket.CitizenAddress = "ivan@example.ru", "reply-to", "ivan@example.ru"
	answered := must(db.Ingest(ctx, cited, nil))
	legacy := must(db.Ingest(ctx, inbound("old-1@citizen", "raw 3", 3), nil)) // filed before reply_header: ''
	tests := []struct {
		name        string
		ticket      Ticket
		from        string
		participant bool
	}{
		{"the no-reply From of an unanswered letter", unanswered.Ticket, "noreply@portal.example", false},
		{"nobody", unanswered.Ticket, "", false},
		{"the Reply-To answered", answered.Ticket, "IVAN@example.ru", true},
		{"the no-reply From of a web form, on the citizen's ticket", answered.Ticket, "noreply@portal.example", false},
		{"a letter filed before reply_header", legacy.Ticket, "ivan@example.ru", true},
	}
	for _, tt := range tests {
		th, ok, err := db.Thread(ctx, nil, tt.ticket.Number, tt.from)
		if err != nil || !ok || th.Participant != tt.participant {
			t.Errorf("Thread(%s) = %+v, %v, %v; want participant %v", tt.name, th, ok, err, tt.participant)
		}
	}
}

// TestUpgradeToReplyHeader checks migration 0015: letters filed before it
// have no reply header and their senders stay participants.
func TestUpgradeToReplyHeader(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw := createAt(t, path, 14)
	mustExec(t, raw, `INSERT INTO tickets (number, status, priority, citizen_address, created_at, due_at, updated_at)
		VALUES ('TKT-000001', 'new', 'normal', 'ivan@example.ru', 0, 0, 0)`)
	mustExec(t, raw, `INSERT INTO messages (ticket_id, direction, dedupe_key, message_id, from_address, size, raw_sha256, raw, created_at)
		VALUES (1, 'in', 'in:1', 'q1@citizen', 'petr@example.ru', 1, 'x', X'00', 0)`)
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	msgs := must(db.Messages(ctx, 1))
	if len(msgs) != 1 || msgs[0].ReplyHeader != "" || msgs[0].FromAddress != "petr@example.ru" {
		t.Fatalf("Messages after the upgrade = %+v, want the letter from petr@example.ru with no reply header", msgs)
	}
	if th, ok, err := db.Thread(ctx, nil, "TKT-000001", "petr@example.ru"); err != nil || !ok || !th.Participant {
		t.Errorf("Thread(the sender of a letter filed before the upgrade) = %+v, %v, %v; want a participant", th, ok, err)
	}
}

// TestPurgeRemovesReplyHeader: a purge leaves nothing of where a letter's
// address came from.
func TestPurgeRemovesReplyHeader(t *testing.T) {
	w := newRetentionWorld(t)
	tk := w.file("a@x.ru", "other", "пеликан")
	if _, err := w.db.sql.Exec("UPDATE messages SET reply_header = 'reply-to' WHERE ticket_id = ? AND direction = 'in'", tk.ID); err != nil {
		t.Fatal(err)
	}
	w.setStatus(tk, StatusClosed)
	w.at(4 * 365 * day)
	w.purge(false, 1095*day, nil)
	var n int
	if err := w.db.sql.QueryRow("SELECT COUNT(*) FROM messages WHERE ticket_id = ? AND reply_header <> ''", tk.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("letters of the purged ticket with a reply header: %d (%v), want 0", n, err)
	}
}
