package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestPurgeChoosesTickets checks which tickets a purge takes: those closed
// longer ago than their category's period, and no other.
func TestPurgeChoosesTickets(t *testing.T) {
	tests := []struct {
		name    string
		setUp   func(w *retentionWorld) // at start; the purge is at start + 4 years
		def     time.Duration
		periods map[string]time.Duration
		want    string
		waiting int
	}{
		{name: "closed long ago is purged", def: 1095 * day, want: "TKT-000001", setUp: func(w *retentionWorld) {
			w.setStatus(w.file("a@x.ru", "other", "давно"), StatusClosed)
		}},
		{name: "closed recently is kept", def: 1095 * day, setUp: func(w *retentionWorld) {
			tk := w.file("a@x.ru", "other", "недавно")
			w.at(3*365*day + 200*day)
			w.setStatus(tk, StatusClosed)
		}},
		{name: "never closed is kept", def: 1095 * day, setUp: func(w *retentionWorld) {
			w.setStatus(w.file("a@x.ru", "other", "ответили"), StatusAnswered)
		}},
		{name: "reopened by a letter is kept", def: 1095 * day, setUp: func(w *retentionWorld) {
			tk := w.file("a@x.ru", "other", "снова")
			w.setStatus(tk, StatusClosed)
			w.at(100 * day)
			w.followUp(tk, "опять не работает")
		}},
		{name: "reopened by an operator is kept", def: 1095 * day, setUp: func(w *retentionWorld) {
			tk := w.file("a@x.ru", "other", "снова")
			w.setStatus(tk, StatusClosed)
			w.at(100 * day)
			w.setStatus(w.ticket(tk.Number), StatusInProgress)
		}},
		{name: "closed again counts from the last closing", def: 1095 * day, setUp: func(w *retentionWorld) {
			tk := w.file("a@x.ru", "other", "снова")
			w.setStatus(tk, StatusClosed)
			w.at(2 * 365 * day)
			w.followUp(tk, "опять")
			w.setStatus(w.ticket(tk.Number), StatusClosed)
		}},
		{name: "a category's own period", def: 1095 * day, periods: map[string]time.Duration{"complaint": 365 * day},
			want: "TKT-000001", setUp: func(w *retentionWorld) {
				a, b := w.file("a@x.ru", "complaint", "жалоба"), w.file("b@x.ru", "other", "вопрос")
				w.at(2 * 365 * day)
				w.setStatus(a, StatusClosed)
				w.setStatus(b, StatusClosed)
			}},
		{name: "a category kept forever", def: 1095 * day, periods: map[string]time.Duration{"complaint": 0},
			want: "TKT-000002", setUp: func(w *retentionWorld) {
				a, b := w.file("a@x.ru", "complaint", "жалоба"), w.file("b@x.ru", "other", "вопрос")
				w.setStatus(a, StatusClosed)
				w.setStatus(b, StatusClosed)
			}},
		{name: "only a category's rule", periods: map[string]time.Duration{"complaint": 365 * day},
			want: "TKT-000001", setUp: func(w *retentionWorld) {
				a, b := w.file("a@x.ru", "complaint", "жалоба"), w.file("b@x.ru", "other", "вопрос")
				w.setStatus(a, StatusClosed)
				w.setStatus(b, StatusClosed)
			}},
		{name: "no rule keeps everything", setUp: func(w *retentionWorld) {
			w.setStatus(w.file("a@x.ru", "other", "давно"), StatusClosed)
		}},
		{name: "a letter waiting in the outbox holds it back", def: 1095 * day, waiting: 1, setUp: func(w *retentionWorld) {
			tk := w.file("a@x.ru", "other", "давно")
			out := reply(tk.Number, "late@ticketd")
			if err := w.db.Queue(context.Background(), tk.Number, 0, out, StatusClosed); err != nil {
				w.t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newRetentionWorld(t)
			tt.setUp(w)
			w.at(4 * 365 * day)
			dry := w.purge(true, tt.def, tt.periods)
			rep := w.purge(false, tt.def, tt.periods)
			if got := purgedNumbers(rep); got != tt.want || rep.Waiting != tt.waiting {
				t.Errorf("Purge took [%s], %d waiting; want [%s], %d", got, rep.Waiting, tt.want, tt.waiting)
			}
			if got := purgedNumbers(dry); got != tt.want || !dry.DryRun || dry.Waiting != tt.waiting {
				t.Errorf("Purge(DryRun) took [%s], %d waiting; want [%s], %d", got, dry.Waiting, tt.want, tt.waiting)
			}
			for _, p := range rep.Tickets {
				if tk := w.ticket(p.Number); tk.PurgedAt.IsZero() || tk.PurgeRule != p.Rule || tk.Status != StatusClosed {
					t.Errorf("%s after the purge: purged %v under %q, status %s", p.Number, tk.PurgedAt, tk.PurgeRule, tk.Status)
				}
			}
		})
	}
}

// TestPurgeRemovesCorrespondence purges a ticket with every kind of
// correspondence and checks what is gone and what stays.
func TestPurgeRemovesCorrespondence(t *testing.T) {
	ctx := context.Background()
	w := newRetentionWorld(t)
	db := w.db
	big := bigValue(chunkSize + 1000) // a letter in pieces
	files := []Attachment{
		{Filename: "паспорт Иванова.png", Verdict: VerdictAccepted, DetectedType: "image/png", Data: []byte("png of ivanov"),
			Thumbnail: []byte("thumb of ivanov"), Display: [][]byte{[]byte("display of ivanov")}},
		{Filename: "big.pdf", Verdict: VerdictAccepted, DetectedType: "application/pdf", Data: big},
	}
	tk := w.file("ivanov@mail.ru", "technical_error", "планетарный пароль", files...)
	w.followUp(tk, "Иванов снова пишет")
	if _, err := db.AddNote(ctx, tk.Number, "звонил Иванов, тел. 89161234567", "operator:anna"); err != nil {
		t.Fatal(err)
	}
	if err := db.Queue(ctx, tk.Number, 0, reply(tk.Number, "answer@ticketd"), StatusClosed); err != nil {
		t.Fatal(err)
	}
	w.sendAll()
	kept := w.file("petrov@mail.ru", "technical_error", "другой вопрос")
	before := w.ticket(tk.Number)
	msgs := must(db.Messages(ctx, tk.ID))
	countsBefore := must(db.StatusCounts(ctx, TicketFilter{}))
	short := numbers([]Ticket{tk}) // as found lists it
	if found(t, db, "планетарный") != short || found(t, db, "ivanov@mail.ru") != short {
		t.Fatal("the ticket is not found by its words before the purge")
	}

	w.at(4 * 365 * day)
	rep := w.purge(false, 1095*day, nil)
	if purgedNumbers(rep) != tk.Number {
		t.Fatalf("Purge took [%s], want %s", purgedNumbers(rep), tk.Number)
	}
	p := rep.Tickets[0]
	if p.Letters != len(msgs) || p.Files != 4 || p.Kept != 0 || !p.ClosedAt.Equal(before.ClosedAt) || p.Rule != `retention.closed_for = "26280h0m0s"` {
		t.Errorf("purged %+v; want %d letters, 4 files, closed %v", p, len(msgs), before.ClosedAt)
	}

	after := w.ticket(tk.Number)
	if after.CitizenName != "" || after.CitizenAddress != "" || after.Subject != "" || after.AccountNumber != "" ||
		after.Description != "" || after.PriorityReason != "" {
		t.Errorf("the ticket keeps personal fields: %+v", after)
	}
	if after.Number != before.Number || after.Status != before.Status || !after.CreatedAt.Equal(before.CreatedAt) ||
		!after.DueAt.Equal(before.DueAt) || !after.ClosedAt.Equal(before.ClosedAt) || after.Category != before.Category ||
		after.Priority != before.Priority || !after.PurgedAt.Equal(w.now) {
		t.Errorf("the ticket after the purge = %+v, want the fields kept of %+v", after, before)
	}
	for _, m := range must(db.Messages(ctx, tk.ID)) {
		if m.FromAddress != "" || m.ToAddress != "" || m.FromName != "" || m.Subject != "" || m.Note != "" || m.PurgedAt.IsZero() {
			t.Errorf("letter %d keeps %+v", m.ID, m)
		}
		if _, err := db.Raw(ctx, m.ID); !errors.Is(err, ErrPurged) {
			t.Errorf("Raw(%d) after the purge: %v, want ErrPurged", m.ID, err)
		}
	}
	for _, sum := range []string{sha256Hex([]byte("png of ivanov")), sha256Hex([]byte("thumb of ivanov")),
		sha256Hex([]byte("display of ivanov")), sha256Hex(big)} {
		if _, err := db.Blob(ctx, sum); !errors.Is(err, ErrPurged) {
			t.Errorf("Blob(%s) after the purge: %v, want ErrPurged", sum, err)
		}
	}
	for _, as := range must(db.AttachmentsOfTicket(ctx, tk.ID)) {
		for _, a := range as {
			if a.Filename != "" || a.OriginalName != "" {
				t.Errorf("a file keeps its name %q", a.Filename)
			}
		}
	}
	if ns := must(db.Notes(ctx, tk.ID)); len(ns) != 0 {
		t.Errorf("notes after the purge: %+v", ns)
	}
	var chunks, outboxTo int
	must(0, db.sql.QueryRow("SELECT COUNT(*) FROM chunks").Scan(&chunks))
	must(0, db.sql.QueryRow(`SELECT COUNT(*) FROM outbox o JOIN messages m ON m.id = o.message_id
		WHERE m.ticket_id = ? AND o.envelope_to <> ''`, tk.ID).Scan(&outboxTo))
	if chunks != 0 || outboxTo != 0 {
		t.Errorf("after the purge: %d pieces, %d outbox rows with a recipient", chunks, outboxTo)
	}

	// The events: details erased but the tombstone's, which names every
	// letter by the hash its letter.stored event recorded.
	evs := must(db.Events(ctx, tk.ID))
	last := evs[len(evs)-1]
	if last.Action != "ticket.purged" || last.Actor != "operator:olga" {
		t.Fatalf("last event %+v, want ticket.purged", last)
	}
	for _, e := range evs[:len(evs)-1] {
		if e.Detail != "" {
			t.Errorf("event %s keeps its detail %q", e.Action, e.Detail)
		}
	}
	rec, err := ParsePurgeRecord(last.Detail)
	if err != nil || len(rec.Letters) != len(msgs) || len(rec.Files) != 4 || rec.Rule != p.Rule {
		t.Fatalf("tombstone %+v, %v", rec, err)
	}
	stored := map[int64]string{}
	for _, e := range wholeChain(t, db) {
		if e.Action == "letter.stored" {
			raw, _, _ := ParseLetterDigest(e.Digest)
			stored[e.MessageID] = raw
		}
	}
	for _, l := range rec.Letters {
		if stored[l.ID] != l.RawSHA256 {
			t.Errorf("tombstone names letter %d with %s, letter.stored with %s", l.ID, l.RawSHA256, stored[l.ID])
		}
	}
	if b := CheckLinks(genesis, wholeChain(t, db)); b != nil {
		t.Errorf("the chain after a purge: %v", b)
	}

	// Search: by its words and sender no more; by its number still.
	for _, s := range []string{"планетарный", "ivanov@mail.ru", "Иванов", "ЛС-ivanov@mail.ru"} {
		if got := found(t, db, s); got != "" {
			t.Errorf("search %q after the purge finds [%s]", s, got)
		}
	}
	if got := found(t, db, tk.Number); got != short {
		t.Errorf("search %s after the purge finds [%s]", tk.Number, got)
	}
	if got := found(t, db, "petrov@mail.ru"); got != numbers([]Ticket{kept}) {
		t.Errorf("search for the kept ticket finds [%s]", got)
	}
	if err := db.CheckSearchIndex(ctx); err != nil {
		t.Errorf("the search index after a purge: %v", err)
	}

	// Counts: as before, and as the tickets say.
	if got := must(db.StatusCounts(ctx, TicketFilter{})); !mapsEqual(got, countsBefore) {
		t.Errorf("StatusCounts after the purge = %v, want %v", got, countsBefore)
	}
	checkTicketCounts(t, db)
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// checkTicketCounts checks ticket_counts against the tickets.
func checkTicketCounts(t *testing.T, db *DB) {
	t.Helper()
	var wrong int
	err := db.sql.QueryRow(`SELECT COUNT(*) FROM (
		SELECT status, priority, category, assignee, COUNT(*) AS n FROM tickets GROUP BY 1, 2, 3, 4
		EXCEPT SELECT status, priority, category, assignee, n FROM ticket_counts WHERE n > 0) AS wrong`).Scan(&wrong)
	if err != nil || wrong != 0 {
		t.Errorf("ticket_counts disagrees with the tickets in %d groups (%v)", wrong, err)
	}
}

// TestPurgeKeepsSharedFiles: a file another ticket's letter holds stays
// until that ticket is purged too.
func TestPurgeKeepsSharedFiles(t *testing.T) {
	ctx := context.Background()
	w := newRetentionWorld(t)
	shared := Attachment{Filename: "form.pdf", Verdict: VerdictAccepted, DetectedType: "application/pdf", Data: []byte("the same form")}
	sum := sha256Hex(shared.Data)
	a := w.file("a@x.ru", "other", "первый", shared)
	b := w.file("b@x.ru", "other", "второй", shared)
	w.setStatus(a, StatusClosed)
	w.at(2 * 365 * day)
	w.setStatus(b, StatusClosed)

	w.at(4 * 365 * day)
	rep := w.purge(false, 1095*day, nil)
	if purgedNumbers(rep) != a.Number || rep.Tickets[0].Files != 0 || rep.Tickets[0].Kept != 1 {
		t.Fatalf("first purge = %+v, want %s with its file kept", rep.Tickets, a.Number)
	}
	if got, err := w.db.Blob(ctx, sum); err != nil || string(got) != "the same form" {
		t.Errorf("the shared file after the first purge = %q, %v", got, err)
	}
	evs := must(w.db.Events(ctx, a.ID))
	if rec := must(ParsePurgeRecord(evs[len(evs)-1].Detail)); len(rec.Files) != 1 || !rec.Files[0].Kept {
		t.Errorf("the tombstone's files = %+v, want the shared one kept", rec.Files)
	}

	w.at(6 * 365 * day)
	rep = w.purge(false, 1095*day, nil)
	if purgedNumbers(rep) != b.Number || rep.Tickets[0].Files != 1 {
		t.Fatalf("second purge = %+v, want %s with its file", rep.Tickets, b.Number)
	}
	if _, err := w.db.Blob(ctx, sum); !errors.Is(err, ErrPurged) {
		t.Errorf("the file after both purges: %v, want ErrPurged", err)
	}

	// The same file, sent again, is stored again.
	c := w.file("c@x.ru", "other", "третий", shared)
	if got, err := w.db.Blob(ctx, sum); err != nil || string(got) != "the same form" {
		t.Errorf("the file sent again after the purge = %q, %v", got, err)
	}
	if f, err := w.db.AttachmentFile(ctx, c.ID, sum); err != nil || f.Filename != "form.pdf" {
		t.Errorf("AttachmentFile of the new letter = %+v, %v", f, err)
	}
}

// TestPurgeDryRunChangesNothing compares every table before and after a
// dry run, which reports what the purge then does.
func TestPurgeDryRunChangesNothing(t *testing.T) {
	w := newRetentionWorld(t)
	for i := range 3 {
		tk := w.file(fmt.Sprintf("c%d@x.ru", i), "other", "письмо", Attachment{Filename: "f.png", Verdict: VerdictAccepted,
			Data: fmt.Appendf(nil, "file %d", i)}, Attachment{Filename: "form.pdf", Verdict: VerdictAccepted, Data: []byte("shared")})
		w.setStatus(tk, StatusClosed)
	}
	w.at(4 * 365 * day)
	tables := []string{"tickets", "messages", "blobs", "attachments", "chunks", "notes", "outbox", "events",
		"ticket_terms", "ticket_counts", "search_index"}
	before := map[string][]byte{}
	for _, tb := range tables {
		before[tb] = dumpTable(t, w.db, tb)
	}
	dry := w.purge(true, 1095*day, nil)
	for _, tb := range tables {
		if !bytes.Equal(dumpTable(t, w.db, tb), before[tb]) {
			t.Errorf("a dry run changed %s", tb)
		}
	}
	rep := w.purge(false, 1095*day, nil)
	dry.DryRun = false
	if rep.Kept != 2 || rep.Files != 4 {
		t.Errorf("purge kept %d files and removed %d; want the shared one kept twice, then removed with the 3 others", rep.Kept, rep.Files)
	}
	if fmt.Sprint(dry) != fmt.Sprint(rep) {
		t.Errorf("dry run = %+v\npurge   = %+v", dry, rep)
	}
}

// TestPurgeIsIdempotent: a purged ticket is never purged again, and a
// second purge changes nothing.
func TestPurgeIsIdempotent(t *testing.T) {
	w := newRetentionWorld(t)
	w.setStatus(w.file("a@x.ru", "other", "давно"), StatusClosed)
	w.at(4 * 365 * day)
	if rep := w.purge(false, 1095*day, nil); len(rep.Tickets) != 1 {
		t.Fatalf("first purge took %d tickets", len(rep.Tickets))
	}
	head := must(w.db.ChainHead(context.Background()))
	w.at(8 * 365 * day)
	if rep := w.purge(false, 1095*day, nil); len(rep.Tickets) != 0 {
		t.Errorf("second purge took %+v", rep.Tickets)
	}
	if again := must(w.db.ChainHead(context.Background())); again.String() != head.String() {
		t.Errorf("second purge wrote events: head %v, was %v", again, head)
	}
}

// TestPurgedTicketTakesNoMore: a reply to a purged ticket's letter, or
// one naming its number, opens a new ticket, and operators' actions on it
// are refused: whatever it took would be kept forever.
func TestPurgedTicketTakesNoMore(t *testing.T) {
	ctx := context.Background()
	w := newRetentionWorld(t)
	tk := w.file("a@x.ru", "other", "давно")
	w.setStatus(tk, StatusClosed)
	w.at(4 * 365 * day)
	w.purge(false, 1095*day, nil)
	ack := "ack-" + tk.Number + "@ticketd"
	if th, ok, err := w.db.Thread(ctx, []string{ack}, tk.Number, "a@x.ru"); err != nil || ok {
		t.Errorf("Thread after the purge = %+v, %v, %v; want none", th, ok, err)
	}
	for name, err := range map[string]error{
		"SetStatus":   w.db.SetStatus(ctx, tk.Number, 0, StatusInProgress, "operator:anna"),
		"Assign":      w.db.Assign(ctx, tk.Number, 0, "anna", "operator:anna"),
		"SetPriority": w.db.SetPriority(ctx, tk.Number, 0, PriorityHigh, "срочно", "operator:anna"),
		"AddNote":     second(w.db.AddNote(ctx, tk.Number, "ещё заметка", "operator:anna")),
		"Queue":       w.db.Queue(ctx, tk.Number, 0, reply(tk.Number, "late@ticketd"), ""),
	} {
		if !errors.Is(err, ErrPurged) {
			t.Errorf("%s on a purged ticket = %v, want ErrPurged", name, err)
		}
	}
}

// TestPurgeLimit purges no more tickets than asked.
func TestPurgeLimit(t *testing.T) {
	w := newRetentionWorld(t)
	for i := range 3 {
		w.setStatus(w.file(fmt.Sprintf("c%d@x.ru", i), "other", "письмо"), StatusClosed)
	}
	w.at(4 * 365 * day)
	rep, err := w.db.Purge(context.Background(), PurgeOptions{Policy: policyOf(1095*day, nil), Actor: "daemon", Limit: 2})
	if err != nil || len(rep.Tickets) != 2 {
		t.Errorf("Purge(Limit 2) = %d tickets, %v", len(rep.Tickets), err)
	}
	if _, err := w.db.Purge(context.Background(), PurgeOptions{Policy: policyOf(1095*day, nil)}); err == nil {
		t.Error("Purge without an actor succeeded")
	}
}
