package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// What a check of the store against its chain (VerifyChain) asks of a
// purge. A purged letter has no bytes left to hash, but it must still be
// in the chain (its letter.stored event, whose raw= is its raw_sha256),
// and its ticket's tombstone, the ticket.purged event, must name it with
// that same hash: marking a letter purged cannot hide a change to it,
// since the tombstone is in the chain too. A file a purge emptied is not
// hashed either, but no letter that is not purged may hold it.

// purgeLedger reads the tombstones of purged tickets for a check, one
// ticket at a time: letters are checked in id order, so a ticket's
// letters mostly come together, and only its record is kept.
type purgeLedger struct {
	c         conn
	lastEvent int64 // the last event of the chain checked; later tombstones are left out

	ticket  int64            // the ticket whose record is read
	event   int64            // its tombstone; 0: it has none
	letters map[int64]string // letter → raw_sha256, as its tombstone names them
}

func newPurgeLedger(c conn, lastEvent int64) *purgeLedger {
	return &purgeLedger{c: c, lastEvent: lastEvent}
}

// checkLetter checks letter msg of ticket ticketID, marked purged, whose
// raw_sha256 is rawSum: the hash its letter.stored event recorded must be
// checked against it by the caller. reason is "" when the letter is as a
// purge left it, else what does not match.
func (l *purgeLedger) checkLetter(ctx context.Context, ticketID, msg int64, rawSum string) (reason string, err error) {
	if err := l.read(ctx, ticketID); err != nil {
		return "", err
	}
	if l.event == 0 {
		return "is marked purged, but its ticket has no ticket.purged event in the chain: it was emptied by hand", nil
	}
	named, ok := l.letters[msg]
	switch {
	case !ok:
		return fmt.Sprintf("is marked purged, but the ticket.purged event %d of its ticket does not name it", l.event), nil
	case named != rawSum:
		return fmt.Sprintf("its raw_sha256 is %s, but the ticket.purged event %d removed it as %s", rawSum, l.event, named), nil
	}
	return "", nil
}

// read reads the tombstone of ticket id, unless it is the one read last.
func (l *purgeLedger) read(ctx context.Context, id int64) error {
	if id == l.ticket && l.letters != nil {
		return nil
	}
	l.ticket, l.event, l.letters = id, 0, map[int64]string{}
	var detail string
	var erased bool
	err := l.c.QueryRowContext(ctx, `SELECT id, detail, detail_erased FROM events
		WHERE ticket_id = ? AND action = 'ticket.purged' AND id <= ? ORDER BY id DESC LIMIT 1`, id, l.lastEvent).
		Scan(&l.event, &detail, &erased)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: verify: the ticket.purged event of ticket %d: %w", id, err)
	}
	if erased {
		return nil // named nothing any more: every letter is "not named"
	}
	rec, err := ParsePurgeRecord(detail)
	if err != nil {
		return nil // as above: the chain vouches for the detail, which names no letter
	}
	for _, pl := range rec.Letters {
		l.letters[pl.ID] = pl.RawSHA256
	}
	return nil
}

// checkPurgedFile checks file sum, marked purged: no letter that is not
// purged holds it, as file, thumbnail or display copy. reason is "" when
// so, else what does not match.
func checkPurgedFile(ctx context.Context, c conn, sum string) (reason string, err error) {
	var held bool
	if err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
			WHERE a.sha256 = ? AND m.purged_at IS NULL)
		OR EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
			WHERE a.thumbnail_sha256 = ? AND m.purged_at IS NULL)
		OR EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
			WHERE a.display_sha256 = ? AND m.purged_at IS NULL)`, sum, sum, sum).Scan(&held); err != nil {
		return "", fmt.Errorf("store: verify: who holds file %s: %w", sum, err)
	}
	if held {
		return "is marked purged, but a letter that is not purged holds it: it was emptied by hand", nil
	}
	return "", nil
}
