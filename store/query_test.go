package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestMessagesRawAndAttachments checks that Messages lists a ticket's
// letters without their bytes, Raw reads each letter back, and
// AttachmentsOfTicket gives every letter's files, and only that ticket's.
func TestMessagesRawAndAttachments(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	first := inbound("q1@citizen", "raw 1", 1)
	first.Attachments = []Attachment{
		{Filename: "a.png", Verdict: VerdictAccepted, Data: []byte("a")},
		{Filename: "b.exe", Verdict: VerdictRejected, Reason: "type", Data: []byte("b")},
	}
	res, err := db.Ingest(ctx, first, ack)
	if err != nil {
		t.Fatal(err)
	}
	follow := inbound("q2@citizen", "raw 2", 2)
	follow.TicketID, follow.Reopen = res.Ticket.ID, true
	follow.Attachments = []Attachment{{Filename: "c.pdf", Verdict: VerdictAccepted, Data: []byte("c")}}
	if _, err := db.Ingest(ctx, follow, nil); err != nil {
		t.Fatal(err)
	}
	other := inbound("x@stranger", "raw x", 3)
	other.Attachments = []Attachment{{Filename: "other.png", Verdict: VerdictAccepted, Data: []byte("x")}}
	if _, err := db.Ingest(ctx, other, nil); err != nil {
		t.Fatal(err)
	}

	msgs, err := db.Messages(ctx, res.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantDir := []Direction{DirectionIn, DirectionOut, DirectionIn}
	if len(msgs) != len(wantDir) {
		t.Fatalf("Messages = %d letters, want %d", len(msgs), len(wantDir))
	}
	wantRaw := []string{"raw 1", "", "raw 2"}
	for i, m := range msgs {
		if m.Direction != wantDir[i] {
			t.Errorf("letter %d: Direction = %s, want %s", i, m.Direction, wantDir[i])
		}
		raw, err := db.Raw(ctx, m.ID)
		if err != nil {
			t.Fatalf("Raw(%d): %v", m.ID, err)
		}
		if int64(len(raw)) != m.Size || (wantRaw[i] != "" && string(raw) != wantRaw[i]) {
			t.Errorf("Raw(%d) = %q (%d bytes), want %q of Size %d", m.ID, raw, len(raw), wantRaw[i], m.Size)
		}
	}

	atts, err := db.AttachmentsOfTicket(ctx, res.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	names := func(as []Attachment) (s []string) {
		for _, a := range as {
			s = append(s, a.Filename+":"+string(a.Verdict))
		}
		return s
	}
	want := map[int64][]string{
		msgs[0].ID: {"a.png:accepted", "b.exe:rejected"},
		msgs[2].ID: {"c.pdf:accepted"},
	}
	if len(atts) != len(want) {
		t.Errorf("AttachmentsOfTicket = files of %d letters, want %d: %v", len(atts), len(want), atts)
	}
	for id, w := range want {
		if got := names(atts[id]); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("files of letter %d = %v, want %v", id, got, w)
		}
	}
	if a := atts[msgs[0].ID][1]; a.Reason != "type" || a.SHA256 != sha256Hex([]byte("b")) || a.Data != nil {
		t.Errorf("rejected file = %+v, want its reason and digest, not its bytes", a)
	}
}

func TestRawOfMissingLetter(t *testing.T) {
	db := openTest(t)
	if _, err := db.Raw(context.Background(), 42); !errors.Is(err, ErrNotFound) {
		t.Errorf("Raw(42) on an empty store = %v, want ErrNotFound", err)
	}
}
