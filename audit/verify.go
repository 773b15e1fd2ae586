package audit

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/ticketd/ticketd/store"
)

// Mismatch is where an export does not hold: the entry, event or letter,
// and what is wrong with it.
type Mismatch struct {
	Where   string // "letters/TKT-000001/0001-in.eml", "event 42 of TKT-000001", "manifest.json"
	Problem string
}

func (m *Mismatch) Error() string { return "audit: " + m.Where + ": " + m.Problem }

func mismatch(where, format string, args ...any) *Mismatch {
	return &Mismatch{Where: where, Problem: fmt.Sprintf(format, args...)}
}

// Report is what VerifyExport found in an export that holds.
type Report struct {
	ExportedAt time.Time
	ExportedBy string
	Asked      Asked
	Head       store.Head // the chain's head at export, where the segment ends
	Tickets    []string
	Letters    int // whose bytes are in the export
	Removed    int // whose bytes the store no longer had
	Files      int
	Events     int // of the exported tickets
	Segment    Segment
	Foreign    int64 // events of other tickets in the segment, given veiled
}

// VerifyExport checks the export in r (size bytes), offline, and returns
// what it holds, or the first thing that does not hold as a *Mismatch
// (see the package documentation for what is checked, and what cannot
// be). It streams every entry.
func VerifyExport(r io.ReaderAt, size int64) (Report, error) {
	return verify(r, size, nil)
}

// VerifyExportHead is VerifyExport that also checks a head an auditor
// kept ("ticketd audit head"): when its event is in the segment, that
// event must have its hash. A head outside the segment is a *Mismatch too:
// it cannot be checked here (run "ticketd audit verify -head" on the
// store).
func VerifyExportHead(r io.ReaderAt, size int64, kept store.Head) (Report, error) {
	return verify(r, size, &keptHead{head: kept})
}

// keptHead is a head to find in the segment: the event whose id is its
// count (ids number the events from 1).
type keptHead struct {
	head  store.Head
	found bool
}

func verify(r io.ReaderAt, size int64, kept *keptHead) (Report, error) {
	zr, err := zip.NewReader(r, size)
	if errors.Is(err, zip.ErrInsecurePath) {
		return Report{}, mismatch("the archive", "an entry's name leaves the archive's folder: %v", err)
	}
	if err != nil {
		return Report{}, mismatch("the archive", "not a zip archive: %v", err)
	}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") && f.UncompressedSize64 == 0 {
			continue // a folder, which an archiver may add
		}
		if !filepath.IsLocal(f.Name) || strings.Contains(f.Name, "\\") {
			return Report{}, mismatch("the archive", "the entry %q leaves the archive's folder", f.Name)
		}
		if _, dup := entries[f.Name]; dup {
			return Report{}, mismatch(f.Name, "is in the archive twice")
		}
		entries[f.Name] = f
	}
	m, err := readManifest(entries[ManifestPath])
	if err != nil {
		return Report{}, err
	}
	head, err := store.ParseHead(m.Head)
	if err != nil {
		return Report{}, mismatch(ManifestPath, "head: %v", err)
	}
	rep := Report{ExportedAt: m.ExportedAt, ExportedBy: m.ExportedBy, Asked: m.Asked, Head: head, Segment: m.Segment}
	listed, err := listing(m)
	if err != nil {
		return rep, err
	}
	for _, f := range zr.File {
		if _, ok := listed.byPath[f.Name]; !ok && f.Name != ManifestPath && entries[f.Name] == f {
			return rep, mismatch(f.Name, "is in the archive but not listed in %s", ManifestPath)
		}
	}
	for _, l := range listed.inOrder {
		if l.path == m.Segment.Path {
			continue // checked as it is read, below
		}
		if err := checkEntry(entries[l.path], l); err != nil {
			return rep, err
		}
	}
	own, err := checkTickets(m, &rep)
	if err != nil {
		return rep, err
	}
	if err := checkSegment(entries[m.Segment.Path], m.Segment, own, head, kept, &rep); err != nil {
		return rep, err
	}
	if kept != nil && !kept.found {
		return rep, mismatch("the kept head "+kept.head.String(), "its event is not in the segment (events %d to %d): check it on the store with \"ticketd audit verify -head\"",
			m.Segment.First, m.Segment.Last)
	}
	return rep, nil
}

// readManifest reads and decodes manifest.json.
func readManifest(f *zip.File) (Manifest, error) {
	var m Manifest
	if f == nil {
		return m, mismatch(ManifestPath, "is missing: not an export")
	}
	rc, err := f.Open()
	if err != nil {
		return m, mismatch(ManifestPath, "cannot be read: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxManifestSize+1))
	if err != nil {
		return m, mismatch(ManifestPath, "cannot be read: %v", err)
	}
	if len(b) > MaxManifestSize {
		return m, mismatch(ManifestPath, "is over %d MiB: not an export ticketd writes", MaxManifestSize>>20)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, mismatch(ManifestPath, "is not valid: %v", err)
	}
	if m.Format != Format {
		return m, mismatch(ManifestPath, "format %q, want %q", m.Format, Format)
	}
	if m.Version != FormatVersion {
		return m, mismatch(ManifestPath, "format version %d; this ticketd reads version %d", m.Version, FormatVersion)
	}
	return m, nil
}

// listedEntry is an entry the manifest lists, with its size and SHA-256.
type listedEntry struct {
	path   string
	size   int64
	sha256 string
}

// listed is the entries a manifest lists, by path and in its order.
type listed struct {
	byPath  map[string]listedEntry
	inOrder []listedEntry
}

func (l *listed) add(e listedEntry) error {
	if !safePath(e.path) {
		return mismatch(ManifestPath, "lists the entry %q, whose name is not one an export has", e.path)
	}
	if _, dup := l.byPath[e.path]; dup || e.path == ManifestPath {
		return mismatch(ManifestPath, "lists %s twice", e.path)
	}
	if e.size < 0 {
		return mismatch(e.path, "%s gives it a negative size", ManifestPath)
	}
	l.byPath[e.path] = e
	l.inOrder = append(l.inOrder, e)
	return nil
}

// listing returns the entries m lists: letters, files and the segment.
func listing(m Manifest) (*listed, error) {
	l := &listed{byPath: map[string]listedEntry{}}
	for _, t := range m.Tickets {
		for _, lt := range t.Letters {
			if lt.Removed != "" {
				continue
			}
			if err := l.add(listedEntry{lt.Path, lt.Size, lt.SHA256}); err != nil {
				return nil, err
			}
			for _, f := range lt.Files {
				if err := l.add(listedEntry{f.Path, f.Size, f.SHA256}); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := l.add(listedEntry{m.Segment.Path, m.Segment.Size, m.Segment.SHA256}); err != nil {
		return nil, err
	}
	return l, nil
}

// checkEntry checks that f, the entry e lists, has e's size and SHA-256.
func checkEntry(f *zip.File, e listedEntry) error {
	if f == nil {
		return mismatch(e.path, "is listed in %s but not in the archive", ManifestPath)
	}
	rc, err := f.Open()
	if err != nil {
		return mismatch(e.path, "cannot be read: %v", err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, e.size+1))
	if err != nil {
		return mismatch(e.path, "cannot be read: %v", err)
	}
	return sameContent(e, n, h.Sum(nil))
}

// sameContent compares what an entry held with what its listing says.
func sameContent(e listedEntry, n int64, sum []byte) error {
	if n != e.size {
		return mismatch(e.path, "holds %s bytes, %s says %d", atLeast(n, e.size), ManifestPath, e.size)
	}
	if got := hex.EncodeToString(sum); got != e.sha256 {
		return mismatch(e.path, "its SHA-256 is %s, %s says %s", got, ManifestPath, e.sha256)
	}
	return nil
}

// atLeast says how many bytes were read of an entry read up to one past
// its listed size.
func atLeast(n, listed int64) string {
	if n > listed {
		return fmt.Sprintf("more than %d", listed)
	}
	return fmt.Sprint(n)
}

// checkTickets checks each ticket's events and letters against each
// other, and returns the events by id.
func checkTickets(m Manifest, rep *Report) (*ownEvents, error) {
	own := &ownEvents{tickets: map[int64]bool{}, byID: map[int64]*ownEvent{}}
	ids := map[int64]string{}
	for _, t := range m.Tickets {
		where := t.Number
		if other, dup := ids[t.ID]; dup {
			return nil, mismatch(ManifestPath, "tickets %s and %s have the same id %d", other, where, t.ID)
		}
		ids[t.ID] = where
		own.tickets[t.ID] = true
		rep.Tickets = append(rep.Tickets, t.Number)
		stored := map[int64][]Event{} // letter.stored events by letter
		for _, e := range t.Events {
			at := fmt.Sprintf("event %d of %s", e.ID, where)
			if _, dup := own.byID[e.ID]; dup {
				return nil, mismatch(at, "is given twice")
			}
			if e.TicketID != t.ID {
				return nil, mismatch(at, "is not an event of this ticket (ticket_id %d, action %q)", e.TicketID, e.Action)
			}
			if !bytes.Equal(store.EventHash(e.PrevHash, e.chain()), e.Hash) {
				return nil, mismatch(at, "its content does not match its hash (it was changed)")
			}
			o := &ownEvent{hash: e.Hash, where: at}
			own.byID[e.ID] = o
			own.inOrder = append(own.inOrder, o)
			if e.Action == "letter.stored" {
				stored[e.MessageID] = append(stored[e.MessageID], e)
			}
		}
		rep.Events += len(t.Events)
		letters := map[int64]bool{}
		for _, l := range t.Letters {
			if letters[l.ID] {
				return nil, mismatch(ManifestPath, "gives letter %d of %s twice", l.ID, where)
			}
			if err := checkLetter(l, where, stored[l.ID]); err != nil {
				return nil, err
			}
			letters[l.ID] = true
			if l.Removed != "" {
				rep.Removed++
			} else {
				rep.Letters++
				rep.Files += len(l.Files)
			}
		}
		for _, e := range t.Events {
			if e.Action == "letter.stored" && !letters[e.MessageID] {
				return nil, mismatch(fmt.Sprintf("event %d of %s", e.ID, where), "records letter %d, which the export lacks", e.MessageID)
			}
		}
	}
	return own, nil
}

// ownEvents are the events of the exported tickets, by id and in the
// manifest's order.
type ownEvents struct {
	tickets map[int64]bool // the exported tickets, by id
	byID    map[int64]*ownEvent
	inOrder []*ownEvent
}

// ownEvent is an event of an exported ticket, to find in the segment.
type ownEvent struct {
	hash  []byte
	where string
	found bool
}

// checkLetter checks letter l of ticket number against the letter.stored
// events that recorded it: the .eml's SHA-256 (checked against the entry
// before) is the event's raw=, and each file's is the file= at its place.
func checkLetter(l Letter, number string, events []Event) error {
	where := l.Path
	if where == "" {
		where = fmt.Sprintf("letter %d of %s", l.ID, number)
	}
	if len(events) == 0 {
		return mismatch(where, "no letter.stored event of %s records it", number)
	}
	for _, e := range events {
		raw, files, err := store.ParseLetterDigest(e.Digest)
		if err != nil {
			return mismatch(fmt.Sprintf("event %d of %s", e.ID, number), "%v", err)
		}
		if raw != l.SHA256 {
			return mismatch(where, "its SHA-256 is %s, but its letter.stored event (event %d) recorded raw=%s", l.SHA256, e.ID, raw)
		}
		if l.Removed != "" {
			continue
		}
		if len(files) != len(l.Files) {
			return mismatch(where, "has %d files, its letter.stored event (event %d) recorded %d", len(l.Files), e.ID, len(files))
		}
		for i, f := range l.Files {
			if f.SHA256 != files[i] {
				return mismatch(f.Path, "its SHA-256 is %s, but its letter.stored event (event %d) recorded file=%s", f.SHA256, e.ID, files[i])
			}
		}
	}
	return nil
}
