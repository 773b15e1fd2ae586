package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

func TestExportRoundTrip(t *testing.T) {
	f := newFixture(t)
	b, sum := f.export(t, store.ExportQuery{Number: "TKT-000001"})
	rep, err := verifyBytes(b)
	if err != nil {
		t.Fatalf("VerifyExport(a fresh export) = %v", err)
	}
	if !slices.Equal(rep.Tickets, []string{"TKT-000001"}) || rep.Letters != 4 || rep.Files != 1 || rep.Removed != 0 {
		t.Errorf("VerifyExport = %+v, want TKT-000001 with 4 letters and 1 file", rep)
	}
	if sum.Letters != rep.Letters || sum.Files != rep.Files || sum.Events != rep.Events || sum.Segment != rep.Segment {
		t.Errorf("Write's summary %+v differs from VerifyExport's report %+v", sum, rep)
	}
	if rep.Foreign == 0 {
		t.Errorf("the segment has no event of another ticket: %+v", rep.Segment)
	}
	if rep.Asked.Ticket != "TKT-000001" || rep.ExportedBy != "operator:auditor" {
		t.Errorf("report says %+v asked by %q", rep.Asked, rep.ExportedBy)
	}

	a := openArchive(t, b)
	want := []string{
		"letters/TKT-000001/0001-in.eml", "files/TKT-000001/0001-1-scan.png", "letters/TKT-000001/0002-out.eml",
		"letters/TKT-000001/0003-in.eml", "letters/TKT-000001/0004-out.eml", SegmentPath, ManifestPath,
	}
	if !slices.Equal(a.names, want) {
		t.Errorf("entries = %q, want %q", a.names, want)
	}
	for name, mid := range map[string]string{"0001-in": "c1@example.ru", "0002-out": "ack-c1@example.ru", "0003-in": "c2@example.ru", "0004-out": "ack-c2@example.ru"} {
		if got := a.data["letters/TKT-000001/"+name+".eml"]; !bytes.Equal(got, f.sent[mid]) {
			t.Errorf("%s.eml = %q, want the stored letter %s byte for byte", name, got, mid)
		}
	}
	if !bytes.Equal(a.data["files/TKT-000001/0001-1-scan.png"], pngFile) {
		t.Error("the file is not the one the letter carried")
	}
	for name, d := range a.data {
		if bytes.Contains(d, []byte(secret)) || bytes.Contains(d, []byte(stranger)) {
			t.Errorf("%s holds another citizen's data", name)
		}
	}

	m := a.manifest()
	tk := m.Tickets[0]
	if tk.CitizenAddress != citizen || len(tk.Notes) != 1 || !strings.Contains(tk.Notes[0].Text, "asked for the scan") {
		t.Errorf("manifest ticket = %+v, want the citizen's with the note", tk)
	}
	var actions []string
	for _, e := range tk.Events {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"ticket.created", "letter.stored", "ticket.followup", "note.added", "read.export"} {
		if !slices.Contains(actions, want) {
			t.Errorf("manifest events %q lack %s", actions, want)
		}
	}
	if last := tk.Events[len(tk.Events)-1]; last.Action != "read.export" || last.Actor != "operator:auditor" || last.Detail != "TKT-000001 (test)" {
		t.Errorf("the export's own read is %+v", last)
	}
	if tk.Letters[0].Files[0].Verdict != store.VerdictAccepted || tk.Letters[1].Direction != store.DirectionOut {
		t.Errorf("letters = %+v", tk.Letters)
	}
	reads, err := f.db.Reads(context.Background(), store.ReadFilter{Actor: "operator:auditor"})
	if err != nil || len(reads) != 1 || reads[0].Ticket != "TKT-000001" || reads[0].Action != "read.export" {
		t.Errorf("Reads(auditor) = %+v, %v; want the export of TKT-000001", reads, err)
	}
}

func TestExportSender(t *testing.T) {
	f := newFixture(t)
	b, sum := f.export(t, store.ExportQuery{Sender: citizen})
	rep, err := verifyBytes(b)
	if err != nil {
		t.Fatalf("VerifyExport = %v", err)
	}
	want := []string{"TKT-000001", "TKT-000003"} // not the stranger's 2, nor Ivan@'s 4
	if !slices.Equal(rep.Tickets, want) || !slices.Equal(sum.Tickets, want) {
		t.Errorf("tickets = %q (summary %q), want %q", rep.Tickets, sum.Tickets, want)
	}
	m := openArchive(t, b).manifest()
	if m.Asked.Sender != citizen || m.Asked.Ticket != "" {
		t.Errorf("asked = %+v", m.Asked)
	}
	for _, tk := range m.Tickets {
		if e := tk.Events[len(tk.Events)-1]; e.Action != "read.export" || !strings.Contains(e.Detail, "the 2 tickets of sender "+citizen) {
			t.Errorf("%s: last event %+v, want the sender export's read", tk.Number, e)
		}
	}
	if _, err := Write(context.Background(), new(bytes.Buffer), f.db, Request{Query: store.ExportQuery{Sender: "nobody@example.ru"}, By: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("export of a sender with no tickets: %v, want ErrNotFound", err)
	}
}

func TestExportRefusesAChangedLetter(t *testing.T) {
	f := newFixture(t)
	src := changedRaw{f.db}
	_, err := Write(context.Background(), new(bytes.Buffer), src, Request{Query: store.ExportQuery{Number: "TKT-000001"}, By: "x"})
	if err == nil || !strings.Contains(err.Error(), "the store was changed") {
		t.Errorf("export of a changed letter: %v, want it refused", err)
	}
}

// changedRaw is a store whose letters' bytes were changed.
type changedRaw struct{ *store.DB }

func (c changedRaw) Raw(ctx context.Context, id int64) ([]byte, error) {
	b, err := c.DB.Raw(ctx, id)
	return append(b, ' '), err
}

func TestManifestIsReadable(t *testing.T) {
	f := newFixture(t)
	b, _ := f.export(t, store.ExportQuery{Number: "TKT-000001"})
	raw := openArchive(t, b).data[ManifestPath]
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"format", "version", "exported_at", "exported_by", "asked", "head", "tickets", "chain_segment"} {
		if _, ok := generic[key]; !ok {
			t.Errorf("manifest.json lacks %q", key)
		}
	}
	if !bytes.Contains(raw, []byte("\n  ")) {
		t.Error("manifest.json is not indented for people")
	}
}
