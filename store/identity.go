package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// A letter is the same letter as one stored when it has the same
// Message-ID and the same fingerprint (its content without the fields
// relays add, see Inbound.Fingerprint), or, without a Message-ID, the same
// fingerprint. Both go into the letter's dedupe key (dedupeKey), so that
// a second delivery is found with one look-up of the unique index.
//
// Letters stored before fingerprints were kept have the key "mid:" and
// their Message-ID, or "sha:" and the SHA-256 of their bytes when they had
// none.

// sameLetter finds the stored inbound letter that in is a second delivery
// of, and returns its ticket, or 0. reused is true when letters under in's
// Message-ID (ours or citizens') are stored but none is this letter: in is a different letter
// under a known Message-ID, to be stored as a letter of its own.
func (db *DB) sameLetter(ctx context.Context, tx conn, in Inbound, id identity) (ticket int64, reused bool, err error) {
	key := dedupeKey(in.MessageID, id.fp)
	if in.MessageID == "" {
		err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(ticket_id), 0) FROM messages WHERE dedupe_key IN (?, ?)",
			key, "sha:"+id.sum).Scan(&ticket)
		if err != nil {
			return 0, false, fmt.Errorf("find letter by its key: %w", err)
		}
		return ticket, false, nil
	}
	// One look at the letters under this Message-ID (any letter, ours
	// included: a letter naming one of ours as its own is flagged too)
	// finds the same letter, a letter stored before fingerprints were kept,
	// and whether there are others.
	var legacy, n int64
	err = tx.QueryRowContext(ctx, lettersUnderMessageID, key, "mid:"+in.MessageID, in.MessageID).Scan(&ticket, &legacy, &n)
	if err != nil {
		return 0, false, fmt.Errorf("find letters with Message-ID %q: %w", in.MessageID, err)
	}
	if ticket != 0 || n == 0 {
		return ticket, false, nil
	}
	if legacy != 0 {
		if ticket, same, err := db.sameLegacyLetter(ctx, tx, legacy, in, id); same || err != nil {
			return ticket, false, err
		}
	}
	return 0, true, nil
}

// lettersUnderMessageID reads, of the letters under a Message-ID, the
// ticket of the one with a dedupe key, the id of the one with another (a
// letter stored before fingerprints were kept), and how many there are.
// It must read the index on message_id (TestSameLetterReadsTheMessageIDIndex).
const lettersUnderMessageID = `SELECT COALESCE(MAX(CASE WHEN dedupe_key = ? THEN ticket_id END), 0),
	COALESCE(MAX(CASE WHEN dedupe_key = ? THEN id END), 0), COUNT(*)
	FROM messages WHERE message_id = ?`

// sameLegacyLetter compares in with letter msg, stored under its Message-ID
// before fingerprints were kept: by the fingerprint of the stored bytes
// (db.Fingerprint), or, when that is nil, by the Message-ID alone, as it
// was then.
func (db *DB) sameLegacyLetter(ctx context.Context, tx conn, msg int64, in Inbound, id identity) (ticket int64, same bool, err error) {
	var (
		pieces int
		inline []byte
		sealed bool
		sum    string
	)
	err = tx.QueryRowContext(ctx, "SELECT ticket_id, raw, sealed, chunks, raw_sha256 FROM messages WHERE id = ?", msg).
		Scan(&ticket, &inline, &sealed, &pieces, &sum)
	if err != nil {
		return 0, false, fmt.Errorf("read letter %d to compare: %w", msg, err)
	}
	if db.Fingerprint == nil || in.Fingerprint == "" || sum == id.sum {
		return ticket, true, nil
	}
	raw, err := db.value(ctx, tx, messageOwner(msg), inline, pieces, sealed, sum)
	if err != nil {
		return 0, false, fmt.Errorf("read letter %d to compare: %w", msg, err)
	}
	return ticket, db.Fingerprint(raw) == id.fp, nil
}

// identity is what tells one inbound letter from another: the SHA-256 of
// its bytes, and its fingerprint (the one the caller computed, else that
// SHA-256). Each is computed once per letter.
type identity struct {
	sum string
	fp  string
}

func identify(in Inbound) identity {
	id := identity{fp: in.Fingerprint}
	if in.Spool != nil {
		id.sum = in.Spool.SHA256() // hashed as it was written
	} else {
		id.sum = sha256Hex(in.Raw)
	}
	if id.fp == "" {
		id.fp = id.sum
	}
	return id
}

// dedupeKey is the unique key of an inbound letter: its Message-ID and
// fingerprint together, since either alone may repeat.
func dedupeKey(messageID, fp string) string {
	sum := sha256.Sum256([]byte(messageID + "\x00" + fp))
	return "in:" + base64.RawURLEncoding.EncodeToString(sum[:])
}
