package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestNotes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	tk := must(db.Ingest(ctx, inbound("q@citizen", "raw", 1), ack)).Ticket
	texts := []string{"звонил, обещал прислать скриншот", "  second\nline  "}
	for _, text := range texts {
		n, err := db.AddNote(ctx, tk.Number, text, "operator:anna")
		if err != nil || n.ID == 0 || n.Text != text || n.Author != "operator:anna" || n.CreatedAt.IsZero() {
			t.Fatalf("AddNote(%q) = %+v, %v", text, n, err)
		}
	}
	notes := must(db.Notes(ctx, tk.ID))
	if len(notes) != 2 || notes[0].Text != texts[0] || notes[1].Text != texts[1] || notes[0].ID >= notes[1].ID {
		t.Errorf("Notes = %+v, want both in order", notes)
	}
	if other := must(db.Notes(ctx, tk.ID+1)); len(other) != 0 {
		t.Errorf("Notes of another ticket = %+v, want none", other)
	}
	evs := must(db.Events(ctx, tk.ID))
	if e := evs[len(evs)-1]; e.Action != "note.added" || e.Detail != "note 2" || e.Actor != "operator:anna" {
		t.Errorf("last event %+v, want note.added naming note 2", e)
	}
	// A note is never mailed: nothing more is queued than the acknowledgement.
	if c := must(db.Count(ctx)); c.Outbound != 1 {
		t.Errorf("outgoing letters after notes = %d, want 1", c.Outbound)
	}
}

// TestNotesSealedAtRest writes a note with a key and looks for its words
// in the database's files, reads it back, and checks that a sealed note
// moved to another row or ticket no longer opens.
func TestNotesSealedAtRest(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "sealed.db")
	db := must(Open(ctx, path))
	defer db.Close()
	key := []byte("0123456789abcdef0123456789abcdef")
	if err := db.UseKey(key); err != nil {
		t.Fatal(err)
	}
	first := must(db.Ingest(ctx, inbound("q1@citizen", "raw 1", 1), nil)).Ticket
	second := must(db.Ingest(ctx, inbound("q2@citizen", "raw 2", 2), nil)).Ticket
	secret := "паспорт 4506 123456 сообщил по телефону"
	n1 := must(db.AddNote(ctx, first.Number, secret, "operator:anna"))
	n2 := must(db.AddNote(ctx, second.Number, "другая заметка", "operator:anna"))

	var text string
	var sealed bool
	var stored []byte
	if err := db.sql.QueryRow("SELECT text, sealed, sealed_text FROM notes WHERE id = ?", n1.ID).Scan(&text, &sealed, &stored); err != nil {
		t.Fatal(err)
	}
	if text != "" || !sealed || bytes.Contains(stored, []byte(secret)) || len(stored) == 0 {
		t.Errorf("stored note: text %q, sealed %v, %d bytes; want it sealed", text, sealed, len(stored))
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("4506 123456")) {
			t.Errorf("%s holds the note in plain", filepath.Base(f))
		}
	}
	if got := must(db.Notes(ctx, first.ID)); len(got) != 1 || got[0].Text != secret {
		t.Errorf("Notes with the key = %+v, want the note", got)
	}

	noKey := must(Open(ctx, path))
	defer noKey.Close()
	if _, err := noKey.Notes(ctx, first.ID); !errors.Is(err, ErrNoKey) {
		t.Errorf("Notes without the key = %v, want ErrNoKey", err)
	}

	// The second note's sealed text copied over the first's, and the
	// first note moved to the second ticket: neither opens.
	if _, err := db.sql.Exec("UPDATE notes SET sealed_text = (SELECT sealed_text FROM notes WHERE id = ?) WHERE id = ?", n2.ID, n1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Notes(ctx, first.ID); err == nil {
		t.Error("a sealed note copied to another row opened")
	}
	if _, err := db.sql.Exec("UPDATE notes SET sealed_text = ?, ticket_id = ? WHERE id = ?", stored, second.ID, n1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Notes(ctx, second.ID); err == nil {
		t.Error("a sealed note moved to another ticket opened")
	}
}
