package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

const (
	firstLetter = "letters/TKT-000001/0001-in.eml"
	theFile     = "files/TKT-000001/0001-1-scan.png"
)

// TestVerifyExportFindsTampering changes a fresh export in each way an
// export can be tampered with, keeping everything else consistent where it
// can be (the manifest relists a changed entry), and checks that
// VerifyExport names the first thing that no longer holds.
func TestVerifyExportFindsTampering(t *testing.T) {
	f := newFixture(t)
	fresh, _ := f.export(t, store.ExportQuery{Number: "TKT-000001"})
	tests := []struct {
		name   string
		change func(a *archive)
		where  string // the Mismatch's Where
		want   string // in its Problem
	}{
		{"a byte of a letter changed", func(a *archive) {
			a.data[firstLetter][0] ^= 1
		}, firstLetter, "its SHA-256 is"},
		{"a letter changed and relisted", func(a *archive) {
			a.data[firstLetter] = append(a.data[firstLetter], ' ')
			a.relist(firstLetter)
		}, firstLetter, "its letter.stored event (event 2) recorded raw="},
		{"a file changed and relisted", func(a *archive) {
			a.data[theFile] = []byte("another picture")
			a.relist(theFile)
		}, theFile, "recorded file="},
		{"a hash in the manifest changed", func(a *archive) {
			m := a.manifest()
			m.Tickets[0].Letters[0].Files[0].SHA256 = strings.Repeat("0", 64)
			a.setManifest(m)
		}, theFile, "manifest.json says 0000"},
		{"a file removed", func(a *archive) {
			a.remove(theFile)
		}, theFile, "listed in manifest.json but not in the archive"},
		{"a file added", func(a *archive) {
			a.names = append(a.names, "files/TKT-000001/extra.txt")
			a.data["files/TKT-000001/extra.txt"] = []byte("planted")
		}, "files/TKT-000001/extra.txt", "not listed in manifest.json"},
		{"an entry given twice", func(a *archive) {
			a.names = append(a.names, firstLetter)
		}, firstLetter, "in the archive twice"},
		{"a letter and its listing removed", func(a *archive) {
			a.remove(firstLetter)
			a.remove(theFile)
			m := a.manifest()
			m.Tickets[0].Letters = m.Tickets[0].Letters[1:]
			a.setManifest(m)
		}, "event 2 of TKT-000001", "records letter 1, which the export lacks"},
		{"an event changed in the manifest", func(a *archive) {
			m := a.manifest()
			m.Tickets[0].Events[2].Detail = "ack to someone else"
			a.setManifest(m)
		}, "event 3 of TKT-000001", "does not match its hash"},
		{"an event changed in the segment", func(a *archive) {
			lines := a.segment()
			lines[2] = strings.Replace(lines[2], "ack to ", "ack to mallory, ", 1)
			a.setSegment(lines, int64(len(lines)))
		}, "event 3", "does not match its hash"},
		{"an event changed in both, its hash recomputed", func(a *archive) {
			m := a.manifest()
			e := &m.Tickets[0].Events[2]
			e.Detail = "ack to someone else"
			e.Hash = store.EventHash(e.PrevHash, e.chain())
			a.setManifest(m)
			lines := a.segment()
			b, _ := json.Marshal(*e)
			lines[2] = string(b)
			a.setSegment(lines, int64(len(lines)))
		}, "event 4", "does not follow event 3"},
		{"a foreign event removed from the segment", func(a *archive) {
			lines := a.segment()
			i := firstForeign(t, lines)
			a.setSegment(append(lines[:i:i], lines[i+1:]...), int64(len(lines)-1))
		}, "event 6", "does not follow event 4"},
		{"an event of the ticket hidden as foreign", func(a *archive) {
			lines := a.segment()
			var e Event
			json.Unmarshal([]byte(lines[2]), &e)
			b, _ := json.Marshal(eventOf(e.chain().Veiled()).withTicket(99))
			lines[2] = string(b)
			a.setSegment(lines, int64(len(lines)))
		}, "event 3", "does not match its hash"},
		{"an event of the ticket dropped from the manifest", func(a *archive) {
			m := a.manifest()
			m.Tickets[0].Events = append(m.Tickets[0].Events[:2:2], m.Tickets[0].Events[3:]...)
			a.setManifest(m)
		}, "event 3", "not an event of an exported ticket"},
		{"the segment cut short", func(a *archive) {
			lines := a.segment()
			m := a.manifest()
			a.setSegment(lines[:len(lines)-1], int64(len(lines)-1))
			m = a.manifest()
			m.Segment.Last--
			a.setManifest(m)
		}, "event " + fmt.Sprint(f.lastEvent(t)) + " of TKT-000001", "is not in the chain segment"},
		{"another head", func(a *archive) {
			m := a.manifest()
			m.Head = "1:" + strings.Repeat("ab", 32)
			a.setManifest(m)
		}, SegmentPath, "does not end at the head"},
		{"no manifest", func(a *archive) {
			a.remove(ManifestPath)
		}, ManifestPath, "missing"},
		{"a manifest of another format", func(a *archive) {
			m := a.manifest()
			m.Version = 2
			a.setManifest(m)
		}, ManifestPath, "format version 2"},
		{"a path that leaves the folder", func(a *archive) {
			a.names = append(a.names, "../outside")
			a.data["../outside"] = []byte("x")
		}, "the archive", "leaves the archive's folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := openArchive(t, fresh)
			tc.change(a)
			_, err := verifyBytes(a.bytes())
			var m *Mismatch
			if !errors.As(err, &m) {
				t.Fatalf("VerifyExport = %v, want a *Mismatch", err)
			}
			if m.Where != tc.where || !strings.Contains(m.Problem, tc.want) {
				t.Errorf("VerifyExport = %q at %q, want %q at %q", m.Problem, m.Where, tc.want, tc.where)
			}
		})
	}
	if _, err := verifyBytes(openArchive(t, fresh).bytes()); err != nil {
		t.Errorf("an export unpacked and packed again: %v, want it to hold", err)
	}
	if _, err := verifyBytes([]byte("not a zip")); err == nil || !strings.Contains(err.Error(), "not a zip archive") {
		t.Errorf("VerifyExport(not a zip) = %v", err)
	}
}

// lastEvent is the id of the last event of the fixture's chain.
func (f *fixture) lastEvent(t *testing.T) int64 {
	_, last, err := f.db.ChainEnd(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// firstForeign is the index of the first line of a segment that gives an
// event of another ticket than the exported one (TKT-000001, id 1).
func firstForeign(t *testing.T, lines []string) int {
	for i, l := range lines {
		var e Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e.TicketID != 1 {
			return i
		}
	}
	t.Fatal("no foreign event in the segment")
	return 0
}

func TestVerifyExportHead(t *testing.T) {
	f := newFixture(t)
	now, err := f.db.ChainHead(t.Context()) // kept before the export: another ticket's event
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.export(t, store.ExportQuery{Number: "TKT-000001"})
	second := openArchive(t, b).manifest().Tickets[0].Events[1] // kept when it was the head: TKT-000001's letter.stored
	early := store.Head{Count: second.ID, Hash: second.Hash}
	r := bytes.NewReader(b)
	for _, kept := range []store.Head{now, early} {
		if _, err := VerifyExportHead(r, r.Size(), kept); err != nil {
			t.Errorf("VerifyExportHead(%v, a head kept before) = %v", kept, err)
		}
	}
	other := now
	other.Hash = bytes.Repeat([]byte{1}, 32)
	if _, err := VerifyExportHead(r, r.Size(), other); err == nil || !strings.Contains(err.Error(), "rewritten") {
		t.Errorf("VerifyExportHead(another hash) = %v, want a mismatch", err)
	}
	later, _ := f.export(t, store.ExportQuery{Number: "TKT-000003"}) // its segment begins after event 2
	r = bytes.NewReader(later)
	if _, err := VerifyExportHead(r, r.Size(), early); err == nil || !strings.Contains(err.Error(), "not in the segment") {
		t.Errorf("VerifyExportHead(a head before the segment) = %v, want it named as out of reach", err)
	}
}

func FuzzVerifyExport(f *testing.F) {
	fx := newFixture(f)
	b, _ := fx.export(f, store.ExportQuery{Number: "TKT-000001"})
	f.Add(b)
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := verifyBytes(b)
		if err == nil && len(rep.Tickets) == 0 {
			t.Errorf("VerifyExport passed an export of no ticket")
		}
	})
}

// withTicket is e said to be of ticket id.
func (e Event) withTicket(id int64) Event { e.TicketID = id; return e }
