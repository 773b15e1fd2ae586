package audit

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// *store.DB is what an export reads.
var _ Source = (*store.DB)(nil)

// citizen is the sender of the exported tickets; stranger writes another
// ticket, whose events must stay out of the export.
const (
	citizen  = "ivan@example.ru"
	stranger = "olga@example.org"
	secret   = "the stranger's secret"
)

// pngFile is a file a letter carries.
var pngFile = []byte("\x89PNG\r\n\x1a\n a picture")

// fixture is a store holding a citizen's two tickets (one with a file, a
// follow-up, answers and a note) and, between them, a stranger's ticket.
type fixture struct {
	db   *store.DB
	sent map[string][]byte // raw letters by Message-ID, as stored
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "ticketd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { clock = clock.Add(time.Second); return clock })
	f := &fixture{db: db, sent: map[string][]byte{}}
	one := f.ingest(t, "c1@example.ru", citizen, 0, []store.Attachment{{Filename: "scan.png", DeclaredType: "image/png",
		DetectedType: "image/png", Size: int64(len(pngFile)), Verdict: store.VerdictAccepted, Data: pngFile}})
	other := f.ingest(t, "s1@example.org", stranger, 0, nil)
	if err := db.RecordRead(ctx, store.Read{TicketID: other.ID, Actor: "operator:anna", What: store.ReadTicket, Detail: secret}); err != nil {
		t.Fatal(err)
	}
	f.ingest(t, "c2@example.ru", citizen, one.ID, nil)
	if _, err := db.AddNote(ctx, one.Number, "called back, asked for the scan again", "operator:anna"); err != nil {
		t.Fatal(err)
	}
	f.ingest(t, "c3@example.ru", "ivan@EXAMPLE.ru", 0, nil) // the same mailbox: the domain's case does not count
	f.ingest(t, "c4@example.ru", "Ivan@example.ru", 0, nil) // another: the local part's does
	return f
}

// ingest files a letter from sender, answered automatically, on a new
// ticket or as a follow-up to ticket followUp.
func (f *fixture) ingest(t testing.TB, mid, sender string, followUp int64, files []store.Attachment) store.Ticket {
	t.Helper()
	raw := []byte(fmt.Sprintf("From: %s\r\nMessage-ID: <%s>\r\nSubject: about %s\r\n\r\nbody of %s\r\n", sender, mid, mid, mid))
	f.sent[mid] = raw
	in := store.Inbound{Raw: raw, MessageID: mid, FromAddress: sender, ToAddress: "support@example.gov", TicketID: followUp,
		Attachments: files, Ticket: store.Ticket{Subject: "about " + mid, CitizenAddress: sender, DueAt: time.Now().Add(time.Hour)}}
	got, err := f.db.Ingest(context.Background(), in, func(tk store.Ticket, _ store.Situation) (*store.Outgoing, error) {
		id := "ack-" + mid
		out := []byte("Message-ID: <" + id + ">\r\nSubject: [" + tk.Number + "]\r\n\r\nregistered\r\n")
		f.sent[id] = out
		return &store.Outgoing{MessageID: id, ToAddress: sender, EnvelopeTo: sender, EnvelopeFrom: "support@example.gov",
			Template: "ack", Auto: true, Raw: out}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got.Ticket
}

// export writes the export q asks for.
func (f *fixture) export(t testing.TB, q store.ExportQuery) ([]byte, Summary) {
	t.Helper()
	var b bytes.Buffer
	s, err := Write(context.Background(), &b, f.db, Request{Query: q, By: "operator:auditor", Via: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), s
}

// archive is an export taken apart, to change and put back together.
type archive struct {
	t     testing.TB
	names []string
	data  map[string][]byte
}

func openArchive(t testing.TB, b []byte) *archive {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	a := &archive{t: t, data: map[string][]byte{}}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		d, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		a.names = append(a.names, f.Name)
		a.data[f.Name] = d
	}
	return a
}

// bytes puts the archive back together, its entries in their order.
func (a *archive) bytes() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range a.names {
		w, err := zw.Create(name)
		if err != nil {
			a.t.Fatal(err)
		}
		w.Write(a.data[name])
	}
	if err := zw.Close(); err != nil {
		a.t.Fatal(err)
	}
	return b.Bytes()
}

func (a *archive) manifest() Manifest {
	var m Manifest
	if err := json.Unmarshal(a.data[ManifestPath], &m); err != nil {
		a.t.Fatal(err)
	}
	return m
}

func (a *archive) setManifest(m Manifest) {
	b, err := json.Marshal(m)
	if err != nil {
		a.t.Fatal(err)
	}
	a.data[ManifestPath] = b
}

// relist makes the manifest give path's size and SHA-256 as it is now.
func (a *archive) relist(path string) {
	m := a.manifest()
	d := a.data[path]
	s := sha256.Sum256(d)
	sum := hex.EncodeToString(s[:])
	if path == m.Segment.Path {
		m.Segment.Size, m.Segment.SHA256 = int64(len(d)), sum
	}
	for i := range m.Tickets {
		for j := range m.Tickets[i].Letters {
			l := &m.Tickets[i].Letters[j]
			if l.Path == path {
				l.Size, l.SHA256 = int64(len(d)), sum
			}
			for k := range l.Files {
				if l.Files[k].Path == path {
					l.Files[k].Size, l.Files[k].SHA256 = int64(len(d)), sum
				}
			}
		}
	}
	a.setManifest(m)
}

// remove takes entry name out.
func (a *archive) remove(name string) {
	for i, n := range a.names {
		if n == name {
			a.names = append(a.names[:i], a.names[i+1:]...)
		}
	}
	delete(a.data, name)
}

// segment returns the lines of chain.jsonl; setSegment replaces them and
// relists it.
func (a *archive) segment() []string {
	return strings.Split(strings.TrimSuffix(string(a.data[SegmentPath]), "\n"), "\n")
}

func (a *archive) setSegment(lines []string, events int64) {
	a.data[SegmentPath] = []byte(strings.Join(lines, "\n") + "\n")
	m := a.manifest()
	m.Segment.Events = events
	a.setManifest(m)
	a.relist(SegmentPath)
}

func verifyBytes(b []byte) (Report, error) { return VerifyExport(bytes.NewReader(b), int64(len(b))) }
