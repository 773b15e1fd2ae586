package audit

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ticketd/ticketd/store"
)

// Source is what writing an export reads of the store; *store.DB is one.
type Source interface {
	ExportTickets(ctx context.Context, q store.ExportQuery) ([]store.Ticket, error)
	RecordRead(ctx context.Context, r store.Read) error
	ChainEnd(ctx context.Context) (store.Head, int64, error)
	TicketChain(ctx context.Context, ticketID, upTo int64) ([]store.ChainEvent, error)
	Messages(ctx context.Context, ticketID int64) ([]store.Message, error)
	AttachmentsOfTicket(ctx context.Context, ticketID int64) (map[int64][]store.Attachment, error)
	Notes(ctx context.Context, ticketID int64) ([]store.Note, error)
	Raw(ctx context.Context, id int64) ([]byte, error)
	Blob(ctx context.Context, sum string) ([]byte, error)
	ChainSegment(ctx context.Context, first, last int64, own func(ticketID int64) bool, f func(store.ChainEvent) error) error
}

// Request is one export to write.
type Request struct {
	Query store.ExportQuery
	By    string // who exports, as the event log names people ("operator:anna"); required
	Via   string // where from, said in the read events: "ticketd export", "console"
	Now   func() time.Time
}

// Summary is what Write wrote.
type Summary struct {
	Tickets []string // their numbers
	Letters int      // letters whose bytes are in the export
	Removed int      // letters the store no longer holds
	Files   int
	Bytes   int64 // of letters and files, as they are
	Events  int   // of the exported tickets
	Segment Segment
	Head    store.Head
}

// Write writes the export req asks for to w, reading src, and returns
// what it wrote. Before it reads anything it records the export: a
// read.export event on each ticket it covers, recorded even if the export
// then fails (the tickets were looked up), and part of the export itself.
// It holds one letter or file at a time.
//
// A letter or file whose bytes do not have the hash its letter.stored
// event recorded stops the export: the store was changed ("ticketd audit
// verify" says where).
func Write(ctx context.Context, w io.Writer, src Source, req Request) (Summary, error) {
	if req.By == "" {
		return Summary{}, errors.New("audit: export: who exports is required")
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	ts, err := src.ExportTickets(ctx, req.Query)
	if err != nil {
		return Summary{}, fmt.Errorf("audit: export: %w", err)
	}
	asked := Asked{Ticket: req.Query.Number, Sender: req.Query.Sender}
	for _, t := range ts {
		if err := src.RecordRead(ctx, store.Read{TicketID: t.ID, Actor: req.By, What: store.ReadExport,
			Detail: readDetail(asked, len(ts), req.Via)}); err != nil {
			return Summary{}, fmt.Errorf("audit: export: %w", err)
		}
	}
	head, last, err := src.ChainEnd(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("audit: export: %w", err)
	}
	x := &exporter{src: src, zw: newZipWriter(w), at: now().UTC().Truncate(time.Millisecond), last: last}
	x.m = Manifest{Format: Format, Version: FormatVersion, ExportedAt: x.at, ExportedBy: req.By, Asked: asked, Head: head.String()}
	x.sum.Head = head
	if err := x.write(ctx, ts); err != nil {
		return Summary{}, fmt.Errorf("audit: export: %w", err)
	}
	return x.sum, nil
}

// readDetail is the detail of the read.export events of an export.
func readDetail(a Asked, n int, via string) string {
	d := a.Ticket
	if a.Sender != "" {
		d = fmt.Sprintf("the %d tickets of sender %s", n, a.Sender)
	}
	if via != "" {
		d += " (" + via + ")"
	}
	return d
}

// exporter writes one export.
type exporter struct {
	src  Source
	zw   *zip.Writer
	at   time.Time
	last int64 // the head's event: the export covers events up to it
	m    Manifest
	sum  Summary
}

func (x *exporter) write(ctx context.Context, ts []store.Ticket) error {
	own := map[int64]bool{}
	first := int64(0)
	for _, t := range ts {
		et, err := x.ticket(ctx, t)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Number, err)
		}
		own[t.ID] = true
		if len(et.Events) > 0 && (first == 0 || et.Events[0].ID < first) {
			first = et.Events[0].ID
		}
		x.m.Tickets = append(x.m.Tickets, et)
		x.sum.Tickets = append(x.sum.Tickets, t.Number)
	}
	if err := x.segment(ctx, first, own); err != nil {
		return err
	}
	x.sum.Segment = x.m.Segment
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // people read it: "<" in a subject stays "<"
	enc.SetIndent("", "  ")
	if err := enc.Encode(x.m); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	b := buf.Bytes()
	if len(b) > MaxManifestSize {
		return fmt.Errorf("the manifest would be %d MiB, over the %d MiB an export may have: export fewer tickets at a time",
			len(b)>>20, MaxManifestSize>>20)
	}
	if err := x.entry(ManifestPath, b); err != nil {
		return err
	}
	return x.zw.Close()
}

// ticket writes the letters and files of t and returns its manifest
// entry.
func (x *exporter) ticket(ctx context.Context, t store.Ticket) (Ticket, error) {
	et := Ticket{ID: t.ID, Ticket: t, Events: []Event{}, Notes: []store.Note{}, Letters: []Letter{}}
	chain, err := x.src.TicketChain(ctx, t.ID, x.last)
	if err != nil {
		return et, err
	}
	stored := map[int64]store.ChainEvent{} // letter.stored events by letter
	for _, e := range chain {
		et.Events = append(et.Events, eventOf(e))
		if e.Action == "letter.stored" && e.MessageID != 0 {
			stored[e.MessageID] = e
		}
	}
	x.sum.Events += len(et.Events)
	if notes, err := x.src.Notes(ctx, t.ID); err != nil {
		return et, err
	} else if notes != nil {
		et.Notes = notes
	}
	msgs, err := x.src.Messages(ctx, t.ID)
	if err != nil {
		return et, err
	}
	files, err := x.src.AttachmentsOfTicket(ctx, t.ID)
	if err != nil {
		return et, err
	}
	n := 0
	for _, m := range msgs {
		ev, ok := stored[m.ID]
		if !ok {
			continue // stored after the head the export was read at
		}
		delete(stored, m.ID)
		n++
		l, err := x.letter(ctx, t.Number, n, m, ev, files[m.ID])
		if err != nil {
			return et, err
		}
		et.Letters = append(et.Letters, l)
	}
	for _, e := range chain { // letters the store no longer has, in chain order
		if _, gone := stored[e.MessageID]; !gone || e.Action != "letter.stored" {
			continue
		}
		delete(stored, e.MessageID)
		raw, _, _ := store.ParseLetterDigest(e.Digest)
		et.Letters = append(et.Letters, Letter{ID: e.MessageID, SHA256: raw, Removed: "the store no longer holds it"})
		x.sum.Removed++
	}
	return et, nil
}

// letter writes the n-th letter of ticket number and its files.
func (x *exporter) letter(ctx context.Context, number string, n int, m store.Message, ev store.ChainEvent, files []store.Attachment) (Letter, error) {
	l := Letter{ID: m.ID, Direction: m.Direction, Path: letterPath(number, n, m.Direction), MessageID: m.MessageID,
		FromName: m.FromName, From: m.FromAddress, ReplyHeader: m.ReplyHeader, To: m.ToAddress, Subject: m.Subject, Template: m.Template,
		Operator: m.Operator, Auto: m.Auto, Undeliverable: m.Undeliverable, CreatedAt: m.CreatedAt, SentAt: m.SentAt}
	rawSum, fileSums, err := store.ParseLetterDigest(ev.Digest)
	if err != nil {
		return l, fmt.Errorf("letter %d: event %d: %w", m.ID, ev.ID, err)
	}
	if len(fileSums) != len(files) {
		return l, fmt.Errorf("letter %d has %d files, its letter.stored event (event %d) recorded %d: the store was changed",
			m.ID, len(files), ev.ID, len(fileSums))
	}
	raw, err := x.src.Raw(ctx, m.ID)
	if err != nil {
		return l, err
	}
	if l.SHA256 = sum(raw); l.SHA256 != rawSum {
		return l, fmt.Errorf("letter %d: its bytes do not have the SHA-256 its letter.stored event (event %d) recorded: the store was changed",
			m.ID, ev.ID)
	}
	l.Size = int64(len(raw))
	if err := x.entry(l.Path, raw); err != nil {
		return l, err
	}
	x.sum.Letters++
	x.sum.Bytes += l.Size
	raw = nil
	for i, a := range files {
		data, err := x.src.Blob(ctx, a.SHA256)
		if err != nil {
			return l, fmt.Errorf("file %d of letter %d: %w", i+1, m.ID, err)
		}
		f := File{Path: filePath(number, n, i+1, a.Filename), Name: a.Filename, OriginalName: a.OriginalName,
			Size: int64(len(data)), SHA256: sum(data), DeclaredType: a.DeclaredType, DetectedType: a.DetectedType,
			Verdict: a.Verdict, Reason: a.Reason}
		if f.SHA256 != fileSums[i] {
			return l, fmt.Errorf("file %d of letter %d: its bytes do not have the SHA-256 its letter.stored event (event %d) recorded: the store was changed",
				i+1, m.ID, ev.ID)
		}
		if err := x.entry(f.Path, data); err != nil {
			return l, err
		}
		l.Files = append(l.Files, f)
		x.sum.Files++
		x.sum.Bytes += f.Size
	}
	return l, nil
}

// segment writes chain.jsonl: the events from first to the head.
func (x *exporter) segment(ctx context.Context, first int64, own map[int64]bool) error {
	w, err := x.create(SegmentPath)
	if err != nil {
		return err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(w, h)}
	enc := json.NewEncoder(cw)
	enc.SetEscapeHTML(false)
	s := Segment{Path: SegmentPath}
	if first > 0 {
		err = x.src.ChainSegment(ctx, first, x.last, func(id int64) bool { return own[id] }, func(e store.ChainEvent) error {
			if s.Events == 0 {
				s.First = e.ID
			}
			s.Last = e.ID
			s.Events++
			return enc.Encode(eventOf(e))
		})
		if err != nil {
			return fmt.Errorf("chain segment: %w", err)
		}
	}
	s.Size, s.SHA256 = cw.n, hex.EncodeToString(h.Sum(nil))
	x.m.Segment = s
	return nil
}

// entry writes one entry of the archive.
func (x *exporter) entry(name string, b []byte) error {
	w, err := x.create(name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, bytes.NewReader(b)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func (x *exporter) create(name string) (io.Writer, error) {
	w, err := x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: x.at})
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	return w, nil
}

// newZipWriter is a zip.Writer whose deflate runs at its fastest level:
// most of an export is files already compressed (images, PDF) and letters
// in base64, which the default level spends three times as long on for a
// few percent.
func newZipWriter(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	return zw
}

// countWriter counts what goes through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
