package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ticketd/ticketd/store"
)

// pending is a letter on the server that is not stored yet.
type pending struct {
	uid     imap.UID
	size    int64
	arrived time.Time
	raw     []byte
	// spool holds the letter's bytes instead of raw when it was larger
	// than spoolAbove: written to the store in pieces as it arrived, never
	// held whole.
	spool    *store.Spool
	tooLarge bool    // only the header was fetched
	origin   *origin // the import that brought the letter; nil when fetched over IMAP
}

// Poll reads the letters that arrived since the last poll, stores each one
// and marks it processed on the server. It returns how many letters it
// stored; when ctx is done it finishes the letter in hand and stops.
func (d *Daemon) Poll(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, nil
	}
	s, err := d.open(ctx, nil)
	if err != nil {
		d.failed(err)
		return 0, err
	}
	defer s.close()
	n, err := d.drain(ctx, s)
	if err != nil {
		d.failed(err)
	}
	if err != nil || ctx.Err() != nil {
		return n, err
	}
	d.markRead(ctx)
	return n, s.c.Logout().Wait()
}

// session is a logged-in connection with the mailbox selected.
//
// Every function that talks to the server through a session ends with
// s.conn.rest(), once it has every reply it waited for: from then on the
// server owes nothing, and the daemon's own work (parsing, storing) may take
// longer than the timeout without the connection being declared dead.
type session struct {
	c         *imapclient.Client
	conn      *watchedConn
	validity  uint32
	fresh     bool     // just selected: uidNext is current
	uidNext   imap.UID // from SELECT
	empty     bool     // the mailbox had no letters when selected
	stopClose func() bool
}

// open connects, logs in and selects the mailbox. The connection is closed
// when ctx is done, which ends any command in flight.
func (d *Daemon) open(ctx context.Context, updates chan<- struct{}) (*session, error) {
	s, err := d.Mailbox.dial(ctx, updates)
	if err != nil {
		return nil, err
	}
	if err := s.reselect(d.Mailbox.Name); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// reselect selects the mailbox and notes its UIDVALIDITY and UIDNEXT.
func (s *session) reselect(mailbox string) error {
	defer s.conn.rest()
	sel, err := s.c.Select(mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", mailbox, permanent(err))
	}
	s.validity, s.uidNext, s.empty, s.fresh = sel.UIDValidity, sel.UIDNext, sel.NumMessages == 0, true
	return nil
}

func (s *session) close() {
	s.stopClose()
	s.c.Close()
}

// drain stores the letters above the watermark and marks them processed.
func (d *Daemon) drain(ctx context.Context, s *session) (int, error) {
	log := d.Log.With("mailbox", d.Mailbox.key())
	wm, err := d.syncWatermark(ctx, log, s.validity)
	if err != nil {
		return 0, err
	}
	fresh := s.fresh
	s.fresh = false
	if fresh && s.empty {
		return 0, nil
	}
	if wm.DoneUID < wm.LastUID {
		// Letters stored before a crash but not yet flagged or moved.
		if err := d.markDone(ctx, s, imap.UID(wm.DoneUID+1), wm.LastUID); err != nil {
			return 0, err
		}
	}
	if fresh && s.uidNext != 0 && uint32(s.uidNext) <= wm.LastUID+1 {
		return 0, nil
	}
	todo, err := d.listNew(s, wm.LastUID)
	if err != nil {
		return 0, err
	}
	stored := 0
	for len(todo) > 0 && ctx.Err() == nil {
		batch := d.nextBatch(todo)
		todo = todo[len(batch):]
		n, err := d.takeBatch(ctx, s, wm.UIDValidity, batch)
		stored += n
		if err != nil {
			return stored, err
		}
	}
	return stored, nil
}

// syncWatermark reads the stored watermark and resets it when the server's
// UIDVALIDITY changed: the letters are then read again, and the store
// recognises those it already has.
func (d *Daemon) syncWatermark(ctx context.Context, log *slog.Logger, validity uint32) (store.Watermark, error) {
	wm, err := d.DB.Watermark(ctx, d.Mailbox.key())
	if err != nil {
		return wm, err
	}
	if wm.UIDValidity == validity {
		return wm, nil
	}
	if wm.UIDValidity != 0 {
		log.Warn("UIDVALIDITY changed; reading the mailbox again, stored letters are skipped",
			"old", wm.UIDValidity, "new", validity)
	}
	if err := d.DB.ResetWatermark(ctx, d.Mailbox.key(), validity); err != nil {
		return wm, err
	}
	return store.Watermark{UIDValidity: validity}, nil
}

// listNew returns the letters above the watermark, in UID order, with their
// sizes and arrival times.
func (d *Daemon) listNew(s *session, last uint32) ([]pending, error) {
	defer s.conn.rest()
	var set imap.UIDSet
	set.AddRange(imap.UID(last+1), 0)
	msgs, err := s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("list new letters: %w", err)
	}
	var todo []pending
	for _, m := range msgs {
		// "n:*" always matches the last letter, even below n (RFC 3501 6.4.8).
		if uint32(m.UID) > last {
			todo = append(todo, pending{uid: m.UID, size: m.RFC822Size, arrived: m.InternalDate})
		}
	}
	slices.SortFunc(todo, func(a, b pending) int { return int(a.uid) - int(b.uid) })
	return todo, nil
}

func (d *Daemon) maxSize() int64 { return orDefault(d.MaxSize, DefaultMaxSize) }

// nextBatch takes the first letters of todo up to the batch limits; a letter
// larger than the byte limit goes alone.
func (d *Daemon) nextBatch(todo []pending) []pending {
	count, bytes := orDefault(d.BatchSize, DefaultBatchSize), orDefault(d.BatchBytes, DefaultBatchBytes)
	var sum int64
	n := 0
	for n < len(todo) && n < count {
		size := todo[n].size
		if size > d.maxSize() {
			size = 0 // only its header is fetched
		}
		if n > 0 && sum+size > bytes {
			break
		}
		sum += size
		n++
	}
	return todo[:n]
}

var (
	wholeLetter = &imap.FetchItemBodySection{Peek: true}
	headerOnly  = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
)

// takeBatch fetches a batch without setting \Seen, stores each letter in UID
// order, then marks the stored ones processed.
func (d *Daemon) takeBatch(ctx context.Context, s *session, validity uint32, batch []pending) (int, error) {
	var whole, heads imap.UIDSet
	for _, p := range batch {
		if p.size > d.maxSize() {
			heads.AddNum(p.uid)
		} else {
			whole.AddNum(p.uid)
		}
	}
	got := map[imap.UID]fetched{}
	// A spooled letter not filed (a duplicate, a failure, shutdown) leaves
	// no pieces behind; one filed owns them, and Discard does nothing.
	defer discard(ctx, d.Log, got)
	if err := d.fetchInto(ctx, s, whole, wholeLetter, got); err != nil {
		return 0, err
	}
	if err := d.fetchInto(ctx, s, heads, headerOnly, got); err != nil {
		return 0, err
	}
	d.observe(func(o Observer) { o.Fetched(d.key(), len(got)) })
	for i := range batch {
		f := got[batch[i].uid]
		batch[i].raw, batch[i].spool = f.raw, f.spool
		batch[i].tooLarge = batch[i].size > d.maxSize()
	}
	understood := d.understandAll(ctx, batch)
	f := &filer{d: d, validity: validity}
	// end commits what is filed and tells the server which letters are
	// stored, even when cause, a failure of a later letter, is returned.
	end := func(cause error) (int, error) {
		err := f.finish(cause)
		if f.done != 0 {
			err = errors.Join(err, d.markDone(ctx, s, batch[0].uid, uint32(f.done)))
		}
		return f.taken, err
	}
	for i, p := range batch {
		if ctx.Err() != nil {
			break
		}
		if !p.fetched() {
			// Expunged by someone else between the listing and the fetch.
			if err := f.skip(ctx, p.uid); err != nil {
				return end(err)
			}
			continue
		}
		u, ok, err := f.next(understood[i])
		if err != nil {
			return end(err)
		}
		if !ok {
			break // shutdown began before this letter was read
		}
		// The letter in hand is finished even when shutdown begins.
		if err := f.take(context.WithoutCancel(ctx), p, u); err != nil {
			return end(err)
		}
		// Stored: the letter's bytes need not wait for the rest of the
		// batch.
		batch[i].raw, batch[i].spool = nil, nil
	}
	return end(nil)
}

// understandAll reads the letters of a batch on all cores, so that parsing
// and checking overlap with storing; results come out in UID order, one
// channel per letter. Once ctx ends no new letter is started, and the
// channels of letters not started are closed empty.
func (d *Daemon) understandAll(ctx context.Context, batch []pending) []chan Understanding {
	out := make([]chan Understanding, len(batch))
	for i := range out {
		out[i] = make(chan Understanding, 1)
	}
	go func() {
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		for i, p := range batch {
			if !p.fetched() {
				close(out[i])
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for _, ch := range out[i:] {
					close(ch)
				}
				return
			}
			go func() {
				defer func() { <-sem }()
				// A letter started is read to the end, so the one in hand
				// is whole even during shutdown.
				out[i] <- d.understand(context.WithoutCancel(ctx), p)
				close(out[i])
			}()
		}
	}()
	return out
}

// fetchInto fetches section of the letters in set into got, by UID. A
// letter up to spoolAbove is read into a buffer of the size the server
// announced, so it is held once, not grown by doubling as io.ReadAll
// would; a larger one is written to the store in pieces as it arrives.
func (d *Daemon) fetchInto(ctx context.Context, s *session, set imap.UIDSet, section *imap.FetchItemBodySection, got map[imap.UID]fetched) error {
	if len(set) == 0 {
		return nil
	}
	defer s.conn.rest()
	cmd := s.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var (
			uid  imap.UID
			body fetched
		)
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = item.UID
			case imapclient.FetchItemDataBodySection:
				if item.Literal == nil {
					continue
				}
				b, err := d.readBody(ctx, item.Literal)
				if err != nil {
					cmd.Close()
					return fmt.Errorf("fetch %v: read body: %w", set, err)
				}
				body = b
			}
		}
		switch {
		case uid != 0 && body.ok():
			got[uid] = body
		case body.spool != nil:
			body.discard(ctx, d.Log)
		}
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("fetch %v: %w", set, err)
	}
	return nil
}

// markDone tells the server the letters from..to are stored, then records
// that it did. The order is the point: the letters are committed, then
// made durable (a commit may otherwise be lost to a power cut, while the
// server, told, would not offer the letters again), then marked, then the
// marking recorded (lost, it is only done again).
func (d *Daemon) markDone(ctx context.Context, s *session, from imap.UID, to uint32) error {
	if err := d.DB.Durable(context.WithoutCancel(ctx)); err != nil {
		return storeError{err}
	}
	if err := d.mark(s, from, to); err != nil {
		return err
	}
	return d.DB.MarkDone(context.WithoutCancel(ctx), d.Mailbox.key(), to)
}

// mark flags the letters from..to \Seen, or moves them to the processed
// mailbox (MOVE, else COPY + \Deleted + EXPUNGE).
func (d *Daemon) mark(s *session, from imap.UID, to uint32) error {
	defer s.conn.rest()
	c := s.c
	var set imap.UIDSet
	set.AddRange(from, imap.UID(to))
	if d.Mailbox.Processed == "" {
		seen := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
		if err := c.Store(set, seen, nil).Close(); err != nil {
			return fmt.Errorf("mark %v seen: %w", set, err)
		}
		return nil
	}
	if c.Caps().Has(imap.CapMove) {
		if _, err := c.Move(set, d.Mailbox.Processed).Wait(); err != nil {
			return fmt.Errorf("move %v to %s: %w", set, d.Mailbox.Processed, permanent(err))
		}
		return nil
	}
	if _, err := c.Copy(set, d.Mailbox.Processed).Wait(); err != nil {
		return fmt.Errorf("copy %v to %s: %w", set, d.Mailbox.Processed, permanent(err))
	}
	deleted := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := c.Store(set, deleted, nil).Close(); err != nil {
		return fmt.Errorf("delete %v: %w", set, err)
	}
	if c.Caps().Has(imap.CapUIDPlus) {
		return c.UIDExpunge(set).Close()
	}
	return c.Expunge().Close()
}
