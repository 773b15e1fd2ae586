package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ticketd/ticketd/store"
)

// peakMemory measures (d): the peak RSS of "ticketd run -once" reading one
// letter of about 25 MB (screenshots), with max_message_mb = 30, against
// the same command on an empty mailbox.
func (l *lab) peakMemory(ctx context.Context, out io.Writer, gen *generator, pool *screenshotPool) (*Memory, error) {
	if err := l.dovecot.Deliver("Empty"); err != nil {
		return nil, err
	}
	baseline, _, err := l.runOnce(ctx, "Empty")
	if err != nil {
		return nil, err
	}
	var files []file
	size := 0
	for i := 0; size < 18<<20; i++ {
		f := pool.take(i)
		files = append(files, f)
		size += len(f.data)
	}
	raw := gen.withFiles(990000, files)
	if err := l.dovecot.Deliver("Big", raw); err != nil {
		return nil, err
	}
	peak, st, err := l.runOnce(ctx, "Big")
	if err != nil {
		return nil, err
	}
	defer st.close()
	res := &Memory{LetterMB: float64(len(raw)) / (1 << 20), Files: len(files), PeakRSSMB: peak, BaselineRSSMB: baseline}
	page, err := st.db.FindTickets(ctx, store.TicketFilter{})
	if err != nil {
		return nil, err
	}
	ts := page.Tickets
	if page.Total != 1 {
		return nil, fmt.Errorf("the %.1f MB letter made %d tickets, want 1", res.LetterMB, page.Total)
	}
	ms, err := st.db.Messages(ctx, ts[0].ID)
	if err != nil {
		return nil, err
	}
	stored, err := st.db.AttachmentsOfTicket(ctx, ts[0].ID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Direction != store.DirectionIn {
			continue
		}
		for _, a := range stored[m.ID] {
			if a.Verdict == store.VerdictAccepted {
				res.Accepted++
			}
		}
	}
	fmt.Fprintf(out, "(d) peak RSS reading one %.1f MB letter (%d screenshots, %d accepted): %.0f MB (an empty mailbox: %.0f MB)\n",
		res.LetterMB, res.Files, res.Accepted, res.PeakRSSMB, res.BaselineRSSMB)
	return res, nil
}

// openedStore is a database a run left behind, open for checks.
type openedStore struct {
	db     *store.DB
	remove func()
}

func (s *openedStore) close() {
	s.db.Close()
	s.remove()
}

// runOnce runs "ticketd run -once" over mailbox into a fresh database and
// returns its peak RSS in MiB and the database.
func (l *lab) runOnce(ctx context.Context, mailbox string) (float64, *openedStore, error) {
	db, remove, err := l.freshDB(ctx)
	if err != nil {
		return 0, nil, err
	}
	config, err := l.config(mailbox, db, "max_message_mb = 30", "")
	if err != nil {
		remove()
		return 0, nil, err
	}
	p, err := l.start(config, "run", "-once")
	if err != nil {
		remove()
		return 0, nil, err
	}
	if err := p.wait(ctx); err != nil {
		remove()
		return 0, nil, err
	}
	st, err := openStore(ctx, db)
	if err != nil {
		remove()
		return 0, nil, err
	}
	return p.peakRSS(), &openedStore{db: st, remove: remove}, nil
}

func openStore(ctx context.Context, path string) (*store.DB, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s", path), err)
	}
	return db, nil
}
