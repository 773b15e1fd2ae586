package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The event log is a hash chain. Each event's hash is the SHA-256 of the
// hash of the event before it (in id order) and of the event's canonical
// content (EventHash); the first event follows 32 zero bytes. Changing,
// deleting or reordering an event changes its hash or breaks the link of
// the event after it. Whoever can write the database can also compute a
// whole new chain after a change; what catches that is a head (Head) kept
// elsewhere: the daemon logs it hourly, and VerifyChain checks that a head
// written down before is still in the chain.

// chainDomain starts every hashed event, so an event's hash is never the
// hash of anything else ticketd computes.
const chainDomain = "ticketd event v1"

// ChainEvent is an event as the chain hashes it: every column of its row.
// It is exported for checks that have no database, such as the check of an
// export (audit.VerifyExport).
type ChainEvent struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id,omitempty"` // 0: an event of no ticket
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Detail   string    `json:"detail,omitempty"`
	// DetailErased says Detail was erased by a purge: it holds the
	// hexadecimal SHA-256 of what it said, which the hash covers.
	DetailErased bool   `json:"detail_erased,omitempty"`
	Version      int64  `json:"version,omitempty"`
	MessageID    int64  `json:"message_id,omitempty"` // the letter the event stored
	Digest       string `json:"digest,omitempty"`     // what it stored (LetterDigest)
	PrevHash     []byte `json:"prev_hash"`
	Hash         []byte `json:"hash"`
}

// EventHash is the hash of e following the event whose hash is prev.
func EventHash(prev []byte, e ChainEvent) []byte {
	h := sha256.New()
	h.Write([]byte(chainDomain))
	h.Write(prev)
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	number := func(v int64) { field(strconv.AppendInt(nil, v, 10)) }
	number(e.ID)
	number(e.TicketID)
	number(millis(e.At))
	field([]byte(e.Actor))
	field([]byte(e.Action))
	field(detailHash(e))
	number(e.Version)
	number(e.MessageID)
	field([]byte(e.Digest))
	return h.Sum(nil)
}

// detailHash is what the chain hashes of e's detail: its SHA-256, kept
// when the detail is erased (EraseDetail). A malformed erased detail gives
// a hash no event has, so the event does not match.
func detailHash(e ChainEvent) []byte {
	if e.DetailErased {
		b, err := hex.DecodeString(e.Detail)
		if err != nil || len(b) != sha256.Size {
			return []byte("malformed erased detail " + e.Detail)
		}
		return b
	}
	sum := sha256.Sum256([]byte(e.Detail))
	return sum[:]
}

// eraseDetails erases the details of ticket ticketID's events (a purge),
// keeping their SHA-256 for the chain.
func eraseDetails(ctx context.Context, tx conn, ticketID int64) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, detail FROM events WHERE ticket_id = ? AND detail_erased = 0 AND detail <> ''", ticketID)
	if err != nil {
		return fmt.Errorf("erase details of ticket %d: %w", ticketID, err)
	}
	type erased struct {
		id  int64
		sum string
	}
	var es []erased
	for rows.Next() {
		var id int64
		var detail string
		if err := rows.Scan(&id, &detail); err != nil {
			rows.Close()
			return fmt.Errorf("erase details of ticket %d: %w", ticketID, err)
		}
		sum := sha256.Sum256([]byte(detail))
		es = append(es, erased{id, hex.EncodeToString(sum[:])})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("erase details of ticket %d: %w", ticketID, err)
	}
	for _, e := range es {
		if _, err := tx.ExecContext(ctx, "UPDATE events SET detail = ?, detail_erased = 1 WHERE id = ?", e.sum, e.id); err != nil {
			return fmt.Errorf("erase detail of event %d: %w", e.id, err)
		}
	}
	return nil
}

// Veiled is e with its detail replaced by the detail's SHA-256, as a
// purge erases it: the hash still holds, and the detail, which may name
// someone, is gone. An export gives other citizens' events so.
func (e ChainEvent) Veiled() ChainEvent {
	if !e.DetailErased {
		sum := sha256.Sum256([]byte(e.Detail))
		e.Detail, e.DetailErased = hex.EncodeToString(sum[:]), true
	}
	return e
}

// genesis is what the first event follows.
var genesis = make([]byte, sha256.Size)

// Head is the end of the chain: how many events it holds and the hash of
// the last. Written down elsewhere, it proves later that no event up to it
// was removed (VerifyChain).
type Head struct {
	Count int64
	Hash  []byte
}

// String formats h as "COUNT:HASH", what ParseHead reads.
func (h Head) String() string {
	return strconv.FormatInt(h.Count, 10) + ":" + hex.EncodeToString(h.Hash)
}

// ParseHead reads a head written as "COUNT:HASH".
func ParseHead(s string) (Head, error) {
	count, sum, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(count, 10, 64)
	if !ok || err != nil || n < 0 {
		return Head{}, fmt.Errorf("store: head %q: want COUNT:HASH", s)
	}
	hash, err := hex.DecodeString(sum)
	if err != nil || len(hash) != sha256.Size {
		return Head{}, fmt.Errorf("store: head %q: the hash is not 64 hexadecimal digits", s)
	}
	return Head{Count: n, Hash: hash}, nil
}

// ChainHead returns the head of the chain now.
func (db *DB) ChainHead(ctx context.Context) (Head, error) {
	h, _, err := db.ChainEnd(ctx)
	return h, err
}

// ChainEnd returns the head of the chain now and the id of its last event
// (0 for an empty chain): where an export's segment ends.
func (db *DB) ChainEnd(ctx context.Context) (Head, int64, error) {
	var h Head
	var last int64
	err := db.conn().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM events),
		COALESCE((SELECT id FROM events ORDER BY id DESC LIMIT 1), 0),
		(SELECT hash FROM events ORDER BY id DESC LIMIT 1)`).Scan(&h.Count, &last, &h.Hash)
	if err != nil {
		return Head{}, 0, fmt.Errorf("store: end of the event chain: %w", err)
	}
	if h.Count == 0 {
		h.Hash = genesis
	}
	return h, last, nil
}

// LetterDigest is what the event storing a letter records of it: the
// SHA-256 of its raw bytes and of each of its files, in order.
func LetterDigest(rawSum string, fileSums []string) string {
	var b strings.Builder
	b.WriteString("raw=")
	b.WriteString(rawSum)
	for _, s := range fileSums {
		b.WriteString(" file=")
		b.WriteString(s)
	}
	return b.String()
}

// ParseLetterDigest splits a digest LetterDigest wrote.
func ParseLetterDigest(d string) (rawSum string, fileSums []string, err error) {
	fields := strings.Fields(d)
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "raw=") {
		return "", nil, fmt.Errorf("store: letter digest %q: no raw=", d)
	}
	rawSum = strings.TrimPrefix(fields[0], "raw=")
	for _, f := range fields[1:] {
		s, ok := strings.CutPrefix(f, "file=")
		if !ok {
			return "", nil, fmt.Errorf("store: letter digest %q: unknown field %q", d, f)
		}
		fileSums = append(fileSums, s)
	}
	return rawSum, fileSums, nil
}

// chainTip reads the id and hash of the last event, in tx, which holds the
// write lock (on PostgreSQL, the chain's advisory lock, taken here and held
// until tx ends): nobody appends meanwhile.
func chainTip(ctx context.Context, tx conn) (id int64, hash []byte, err error) {
	if err := tx.db.be.lockChain(ctx, tx); err != nil {
		return 0, nil, err
	}
	err = tx.QueryRowContext(ctx, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, genesis, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read the end of the event chain: %w", err)
	}
	if hash == nil {
		return 0, nil, fmt.Errorf("event %d has no hash: the chain was never linked", id)
	}
	return id, hash, nil
}

// appendEvents appends es to the chain, in order, giving each its id,
// PrevHash and Hash. Every event ticketd records is written here.
func appendEvents(ctx context.Context, tx conn, es []ChainEvent) error {
	if len(es) == 0 {
		return nil
	}
	last, prev, err := chainTip(ctx, tx)
	if err != nil {
		return err
	}
	link(es, last, prev)
	for _, e := range es {
		if _, err := tx.ExecContext(ctx, insertEvent, eventRow(e)...); err != nil {
			return fmt.Errorf("append event %s: %w", e.Action, err)
		}
	}
	return nil
}

// insertEvent inserts one row of eventRow's values.
const insertEvent = "INSERT INTO events (" + eventRowColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

// link numbers es after the event last, whose hash is prev, and chains them.
func link(es []ChainEvent, last int64, prev []byte) {
	for i := range es {
		last++
		es[i].ID = last
		es[i].PrevHash = prev
		es[i].Hash = EventHash(prev, es[i])
		prev = es[i].Hash
	}
}

// eventRowColumns are the columns eventRow gives values for.
const eventRowColumns = "id, ticket_id, at, actor, action, detail, detail_erased, version, message_id, digest, prev_hash, hash"

func eventRow(e ChainEvent) []any {
	return []any{e.ID, nullID(e.TicketID), millis(e.At), e.Actor, e.Action, e.Detail, e.DetailErased, e.Version,
		nullID(e.MessageID), e.Digest, e.PrevHash, e.Hash}
}

// linkGroup is how many old events linkOldEvents hashes in a transaction.
const linkGroup = 5000

// linkOldEvents gives the events written before the chain existed their
// hashes, in id order, a group per transaction; it is run at every open and
// does nothing once they all have them.
func (db *DB) linkOldEvents(ctx context.Context) error {
	// Most opens find nothing to do: they only read, and take no write lock.
	if done, err := db.chainLinked(ctx); err != nil || done {
		return err
	}
	for {
		n, err := db.linkGroupOfOld(ctx)
		if err != nil {
			return fmt.Errorf("link old events into the chain: %w", err)
		}
		if n < linkGroup {
			break
		}
	}
	for {
		n, err := db.attestOldLetters(ctx)
		if err != nil {
			return fmt.Errorf("record the hashes of letters stored before the chain: %w", err)
		}
		if n < linkGroup {
			return nil
		}
	}
}

// chainLinked reports whether every event is linked and every letter
// stored before the chain attested. Events are linked in id order and new
// ones are written linked, so the last one tells.
func (db *DB) chainLinked(ctx context.Context) (bool, error) {
	var unlinked, unattested bool
	err := db.conn().QueryRowContext(ctx, `SELECT
		COALESCE((SELECT hash IS NULL FROM events ORDER BY id DESC LIMIT 1), FALSE),
		COALESCE((SELECT attested < old_letters FROM chain_upgrade WHERE id = 1), FALSE)`).Scan(&unlinked, &unattested)
	if err != nil {
		return false, fmt.Errorf("read whether the event chain is linked: %w", err)
	}
	return !unlinked && !unattested, nil
}

// attestOldLetters appends a letter.stored event for letters stored before
// the chain existed, a group at a time: they are vouched for from the day
// the chain began, by the hashes kept with them then.
func (db *DB) attestOldLetters(ctx context.Context) (n int, err error) {
	err = db.transact(ctx, func(tx conn) error {
		var last, attested int64
		if err := tx.QueryRowContext(ctx, "SELECT old_letters, attested FROM chain_upgrade WHERE id = 1").Scan(&last, &attested); err != nil {
			return err
		}
		if attested >= last {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT m.id, m.ticket_id, m.raw_sha256,
			COALESCE((SELECT GROUP_CONCAT(sha256, ' ') FROM (SELECT a.sha256 FROM attachments a WHERE a.message_id = m.id ORDER BY a.id)), '')
			FROM messages m WHERE m.id > ? AND m.id <= ? ORDER BY m.id LIMIT ?`, attested, last, linkGroup)
		if err != nil {
			return err
		}
		defer rows.Close()
		var es []ChainEvent
		now := db.now()
		for rows.Next() {
			var msg, ticket int64
			var sum, files string
			if err := rows.Scan(&msg, &ticket, &sum, &files); err != nil {
				return err
			}
			es = append(es, ChainEvent{TicketID: ticket, At: now, Actor: "ticketd", Action: "letter.stored",
				Detail: fmt.Sprintf("letter %d (stored before the chain began)", msg), MessageID: msg,
				Digest: LetterDigest(sum, strings.Fields(files))})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		n = len(es)
		if n < linkGroup {
			attested = last
		} else {
			attested = es[n-1].MessageID
		}
		if _, err := tx.ExecContext(ctx, "UPDATE chain_upgrade SET attested = ? WHERE id = 1", attested); err != nil {
			return err
		}
		return appendEvents(ctx, tx, es)
	})
	return n, err
}

func (db *DB) linkGroupOfOld(ctx context.Context) (n int, err error) {
	err = db.transact(ctx, func(tx conn) error {
		var prev []byte
		var after int64
		err := tx.QueryRowContext(ctx, "SELECT id, hash FROM events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1").Scan(&after, &prev)
		if errors.Is(err, sql.ErrNoRows) {
			prev = genesis
		} else if err != nil {
			return err
		}
		es, err := readChain(ctx, tx, after, linkGroup)
		if err != nil {
			return err
		}
		for i := range es {
			if es[i].Hash != nil {
				return fmt.Errorf("event %d is linked but an event before it is not", es[i].ID)
			}
			es[i].PrevHash = prev
			es[i].Hash = EventHash(prev, es[i])
			prev = es[i].Hash
			if _, err := tx.ExecContext(ctx, "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?",
				es[i].PrevHash, es[i].Hash, es[i].ID); err != nil {
				return err
			}
		}
		n = len(es)
		return nil
	})
	return n, err
}

// chainColumns are the columns scanChainEvent reads.
const chainColumns = "id, COALESCE(ticket_id, 0), at, actor, action, detail, detail_erased, version, COALESCE(message_id, 0), digest, prev_hash, hash"

// readChain reads up to limit events after id, in chain order.
func readChain(ctx context.Context, c conn, after int64, limit int) ([]ChainEvent, error) {
	return readChainUpTo(ctx, c, after, math.MaxInt64, limit)
}

// readChainUpTo reads up to limit events after id after and not after
// last, in chain order.
func readChainUpTo(ctx context.Context, c conn, after, last int64, limit int) ([]ChainEvent, error) {
	rows, err := c.QueryContext(ctx, "SELECT "+chainColumns+" FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?", after, last, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []ChainEvent
	for rows.Next() {
		e, err := scanChainEvent(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

func scanChainEvent(s scanner) (ChainEvent, error) {
	var e ChainEvent
	var at int64
	err := s.Scan(&e.ID, &e.TicketID, &at, &e.Actor, &e.Action, &e.Detail, &e.DetailErased, &e.Version, &e.MessageID, &e.Digest, &e.PrevHash, &e.Hash)
	e.At = fromMillis(at)
	return e, err
}

// ChainBreak is where the chain does not hold.
type ChainBreak struct {
	EventID int64  // the first event that does not match
	Reason  string // why
}

func (b *ChainBreak) Error() string { return fmt.Sprintf("event %d: %s", b.EventID, b.Reason) }

// CheckLinks checks that each of es follows the one before it (the first
// follows prev) and that each hash is its content's. It is the check of
// VerifyChain and of an export's chain segment.
func CheckLinks(prev []byte, es []ChainEvent) *ChainBreak {
	for _, e := range es {
		if !bytes.Equal(e.PrevHash, prev) {
			return &ChainBreak{EventID: e.ID, Reason: "does not follow the event before it (an event was removed, inserted or moved)"}
		}
		if want := EventHash(prev, e); !bytes.Equal(e.Hash, want) {
			return &ChainBreak{EventID: e.ID, Reason: "its content does not match its hash (the row was changed)"}
		}
		prev = e.Hash
	}
	return nil
}
