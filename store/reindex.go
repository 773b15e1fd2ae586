package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// reindexTickets is how many tickets Reindex indexes in one transaction:
// few enough that the daemon's writers wait for it only a moment.
const reindexTickets = 256

// Reindex rebuilds the search index with the store's key (its data key,
// Unlock, or none): after the store got a key, and for tickets stored
// before the index existed. It empties the index, then indexes the tickets
// in order of their ids, a few hundred in each transaction, reading and
// parsing each inbound letter (with LetterText; without it, letters'
// texts are left out). Letters the daemon files meanwhile are indexed as
// they come.
// Searches fail with ErrSearchIndexStale until it is done; if it is
// stopped (ctx ends), they go on failing until it is run again, from the
// start.
func (db *DB) Reindex(ctx context.Context) error {
	if err := db.beginReindex(ctx); err != nil {
		return err
	}
	return db.rebuild(ctx)
}

// beginReindex empties the index, to be built with the store's key.
func (db *DB) beginReindex(ctx context.Context) error {
	err := db.inTx(ctx, func(tx conn) error {
		if err := clearSearchIndex(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE search_index SET key_fingerprint = ?, state = ? WHERE id = 1",
			db.index.fingerprint, indexBuilding)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: reindex: %w", err)
	}
	return nil
}

// rebuild indexes every ticket into the emptied index, and marks it
// current.
func (db *DB) rebuild(ctx context.Context) error {
	fp := db.index.fingerprint
	for after := int64(0); ; {
		var last int64
		err := db.inTx(ctx, func(tx conn) error {
			var err error
			last, err = db.reindexAfter(ctx, tx, after)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: reindex tickets after %d: %w", after, err)
		}
		if last == 0 {
			break
		}
		after = last
	}
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, "UPDATE search_index SET state = ? WHERE id = 1 AND key_fingerprint = ? AND state = ?",
			indexCurrent, fp, indexBuilding)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, errRebuiltMeanwhile)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: reindex: %w", err)
	}
	return nil
}

// errRebuiltMeanwhile: another process began to rebuild the index, with
// another key, while this one was rebuilding it.
var errRebuiltMeanwhile = errors.New("the index was being rebuilt with another key meanwhile")

// indexedLetter is what Reindex reads of an inbound letter.
type indexedLetter struct {
	id, ticket                  int64
	fromName, fromAddr, subject string
	inline                      []byte
	sealed                      bool
	pieces                      int
	sum                         string
	text                        string
}

// reindexAfter indexes the tickets after id after, up to reindexTickets of
// them, and returns the last one's id, 0 when there are none.
func (db *DB) reindexAfter(ctx context.Context, tx conn, after int64) (int64, error) {
	st, err := readSearchState(ctx, tx)
	if err != nil {
		return 0, err
	}
	if st.state != indexBuilding || st.fingerprint != db.index.fingerprint {
		return 0, errRebuiltMeanwhile
	}
	tickets, err := db.ticketsAfter(ctx, tx, after)
	if err != nil || len(tickets) == 0 {
		return 0, err
	}
	last := tickets[len(tickets)-1].ID
	letters, err := db.inboundOf(ctx, tx, after, last)
	if err != nil {
		return 0, err
	}
	docs := make(map[int64]terms, len(tickets))
	for _, t := range tickets {
		docs[t.ID] = terms{}
		ticketTerms(docs[t.ID], t)
	}
	for _, l := range letters {
		if ts := docs[l.ticket]; ts != nil {
			letterTerms(ts, l.fromName, l.fromAddr, l.subject, l.text)
		}
	}
	indexed, err := indexedBetween(ctx, tx, after, last)
	if err != nil {
		return 0, err
	}
	h := db.index.hasher()
	for _, t := range tickets {
		toks := h.hashes(docs[t.ID])
		if len(toks) > maxTicketTerms {
			toks = toks[:maxTicketTerms]
		}
		if indexed[t.ID] {
			// Filed since the index was emptied: its row holds this
			// letter's terms, which are read again here.
			err = replaceSearchRow(ctx, tx, t.ID, toks)
		} else {
			err = insertSearchRow(ctx, tx, t.ID, toks)
		}
		if err != nil {
			return 0, err
		}
	}
	return last, nil
}

// ticketsAfter reads the indexed fields of the tickets after id after,
// their sealed fields opened.
func (db *DB) ticketsAfter(ctx context.Context, tx conn, after int64) ([]Ticket, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, number, citizen_name, citizen_address, subject, account_number, application_number,
		sealed_fields FROM tickets WHERE id > ? ORDER BY id LIMIT ?`, after, reindexTickets)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	defer rows.Close()
	var ts []Ticket
	for rows.Next() {
		var t Ticket
		var fields []byte
		if err := rows.Scan(&t.ID, &t.Number, &t.CitizenName, &t.CitizenAddress, &t.Subject, &t.AccountNumber, &t.ApplicationNumber,
			&fields); err != nil {
			return nil, fmt.Errorf("read tickets: %w", err)
		}
		if err := db.openTicketFields(&t, fields); err != nil {
			return nil, fmt.Errorf("read ticket %s: %w", t.Number, err)
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// indexedBetween returns the tickets with ids in (after, last] that have a
// row in the index.
func indexedBetween(ctx context.Context, tx conn, after, last int64) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT ticket_id FROM ticket_terms WHERE ticket_id > ? AND ticket_id <= ?", after, last)
	if err != nil {
		return nil, fmt.Errorf("read indexed tickets: %w", err)
	}
	defer rows.Close()
	indexed := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read indexed tickets: %w", err)
		}
		indexed[id] = true
	}
	return indexed, rows.Err()
}

// lettersOfTickets reads the letters of the tickets with ids in a range.
// It must read the index on ticket_id (TestReindexReadsLettersByTicket):
// given a condition on direction, SQLite read the index on direction, all
// the inbound letters of the store for each few hundred tickets; so
// inboundOf leaves the outbound ones out itself.
const lettersOfTickets = `SELECT id, ticket_id, direction, from_name, from_address, subject, raw, sealed, chunks, raw_sha256,
	dedupe_key, sealed_fields, purged_at IS NOT NULL FROM messages WHERE ticket_id > ? AND ticket_id <= ? ORDER BY ticket_id, id`

// inboundOf reads the inbound letters of the tickets with ids in (after,
// last], with their texts (LetterText) when the store has it, parsed on
// every CPU.
func (db *DB) inboundOf(ctx context.Context, tx conn, after, last int64) ([]indexedLetter, error) {
	rows, err := tx.QueryContext(ctx, lettersOfTickets, after, last)
	if err != nil {
		return nil, fmt.Errorf("read letters: %w", err)
	}
	var ls []indexedLetter
	for rows.Next() {
		var l indexedLetter
		var dir Direction
		var key string
		var fields []byte
		var purged bool
		if err := rows.Scan(&l.id, &l.ticket, &dir, &l.fromName, &l.fromAddr, &l.subject, &l.inline, &l.sealed, &l.pieces, &l.sum,
			&key, &fields, &purged); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read letters: %w", err)
		}
		// A purged letter has no words left (its ticket keeps its number).
		if dir != DirectionIn || purged {
			continue
		}
		if err := db.openFields(fields, letterFieldsAD(key), &l.fromName, &l.subject); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read letter %d: %w", l.id, err)
		}
		ls = append(ls, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil || db.LetterText == nil {
		return ls, err
	}
	// The bytes are read in the transaction, one letter after the other;
	// the parsing, which takes longer, on every CPU.
	raws := make([][]byte, len(ls))
	for i, l := range ls {
		if raws[i], err = db.value(ctx, tx, messageOwner(l.id), l.inline, l.pieces, l.sealed, l.sum); err != nil {
			return nil, fmt.Errorf("read letter %d: %w", l.id, err)
		}
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				ls[i].text = db.letterText(raws[i])
			}
		})
	}
	for i := range ls {
		next <- i
	}
	close(next)
	wg.Wait()
	return ls, nil
}

// letterText is LetterText(raw), or "" if it panics: a letter that cannot
// be read is indexed without its text, as the daemon files it.
func (db *DB) letterText(raw []byte) (text string) {
	defer func() {
		if recover() != nil {
			text = ""
		}
	}()
	return db.LetterText(raw)
}
