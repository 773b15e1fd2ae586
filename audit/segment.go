package audit

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ticketd/ticketd/store"
)

// checkSegment checks chain.jsonl, reading it once: its size and SHA-256
// against the manifest's, then (reported after those) that it links from
// its first event to the head, that each event of an exported ticket in
// it is the manifest's, and that each of theirs is in it.
func checkSegment(f *zip.File, s Segment, own *ownEvents, head store.Head, kept *keptHead, rep *Report) error {
	if f == nil {
		return mismatch(s.Path, "is listed in %s but not in the archive", ManifestPath)
	}
	rc, err := f.Open()
	if err != nil {
		return mismatch(s.Path, "cannot be read: %v", err)
	}
	defer rc.Close()
	h := sha256.New()
	cr := &countReader{r: io.TeeReader(io.LimitReader(rc, s.Size+1), h)}
	broken := readSegment(cr, s, own, head, kept, rep)
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return mismatch(s.Path, "cannot be read: %v", err)
	}
	if err := sameContent(listedEntry{s.Path, s.Size, s.SHA256}, cr.n, h.Sum(nil)); err != nil {
		return err
	}
	return broken
}

// readSegment reads the events of a segment from r and checks them.
func readSegment(r io.Reader, s Segment, own *ownEvents, head store.Head, kept *keptHead, rep *Report) error {
	dec := json.NewDecoder(r)
	var prev []byte
	var last, n int64
	for {
		var e Event
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return mismatch(s.Path, "line %d (after event %d) is not an event: %v", n+1, last, err)
		}
		where := fmt.Sprintf("event %d", e.ID)
		switch {
		case n == 0 && e.ID != s.First:
			return mismatch(s.Path, "begins with event %d, %s says %d", e.ID, ManifestPath, s.First)
		case n == 0:
			prev = e.PrevHash // what it follows is before the segment: taken as it is
		case e.ID <= last:
			return mismatch(where, "comes after event %d in the segment: the segment is out of order", last)
		}
		if len(e.Hash) != sha256.Size {
			return mismatch(where, "has no hash")
		}
		if err := checkSegmentEvent(e, prev, last, own, rep); err != nil {
			return err
		}
		if kept != nil && e.ID == kept.head.Count {
			if !bytes.Equal(e.Hash, kept.head.Hash) {
				return mismatch("the kept head "+kept.head.String(), "event %d of the segment has the hash %x: the chain was rewritten after the head was kept, or the export was changed", e.ID, e.Hash)
			}
			kept.found = true
		}
		prev, last = e.Hash, e.ID
		n++
	}
	if n != s.Events || last != s.Last {
		return mismatch(s.Path, "holds %d events ending with event %d, %s says %d ending with event %d", n, last, ManifestPath, s.Events, s.Last)
	}
	for _, o := range own.inOrder {
		if !o.found {
			return mismatch(o.where, "is not in the chain segment")
		}
	}
	if !bytes.Equal(prev, head.Hash) {
		return mismatch(s.Path, "does not end at the head %s records (%s): its last event's hash is %x", ManifestPath, head, prev)
	}
	return nil
}

// checkSegmentEvent checks that e follows the event before it (last, whose
// hash is prev) and, given in full, that it hashes to its hash and is the
// manifest's event of an exported ticket.
func checkSegmentEvent(e Event, prev []byte, last int64, own *ownEvents, rep *Report) error {
	where := fmt.Sprintf("event %d", e.ID)
	if !bytes.Equal(e.PrevHash, prev) {
		return mismatch(where, "does not follow event %d before it in the segment (an event was removed, inserted or moved)", last)
	}
	if b := store.CheckLinks(prev, []store.ChainEvent{e.chain()}); b != nil {
		return mismatch(where, "%s", b.Reason)
	}
	o := own.byID[e.ID]
	if o == nil && !own.tickets[e.TicketID] {
		rep.Foreign++ // another ticket's, veiled: its hash was recomputed all the same
		return nil
	}
	if o == nil {
		return mismatch(where, "is given in full in the segment but is not an event of an exported ticket in %s", ManifestPath)
	}
	if !bytes.Equal(o.hash, e.Hash) {
		return mismatch(where, "differs from %s in %s", o.where, ManifestPath)
	}
	o.found = true
	return nil
}

// countReader counts what is read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
