package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// sameLetter finds the stored inbound letter that in is a second delivery
// of. A letter is the same letter when it has the same Message-ID and the
// same fingerprint (its content without the fields relays add), or, without
// a Message-ID, the same fingerprint. It returns the ticket of that letter,
// or 0; and reused is true when letters under in's Message-ID are stored
// but none is the same letter: in is a different letter under a known
// Message-ID, to be stored as a letter of its own.
//
// Letters stored before fingerprints were kept have none: for them the
// fingerprint is computed from their stored bytes with db.Fingerprint, or,
// when that is nil, the same Message-ID alone makes the same letter, as it
// did then.
func (db *DB) sameLetter(ctx context.Context, tx conn, in Inbound, fp string) (ticket int64, reused bool, err error) {
	if in.MessageID == "" {
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ticket_id), 0) FROM messages
			WHERE direction = ? AND message_id = '' AND (fingerprint = ? OR dedupe_key = ?)`,
			DirectionIn, fp, "sha:"+sha256Hex(in.Raw)).Scan(&ticket)
		if err != nil {
			return 0, false, fmt.Errorf("find letter by fingerprint: %w", err)
		}
		return ticket, false, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, ticket_id, fingerprint, raw_sha256, sealed, chunks FROM messages
		WHERE direction = ? AND message_id = ? ORDER BY id`, DirectionIn, in.MessageID)
	if err != nil {
		return 0, false, fmt.Errorf("find letters with Message-ID %q: %w", in.MessageID, err)
	}
	var known []storedLetter
	for rows.Next() {
		var s storedLetter
		if err := rows.Scan(&s.id, &s.ticket, &s.fingerprint, &s.sha, &s.sealed, &s.pieces); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("find letters with Message-ID %q: %w", in.MessageID, err)
		}
		known = append(known, s)
	}
	if err := rows.Close(); err != nil {
		return 0, false, err
	}
	for _, s := range known {
		same, err := db.isSame(ctx, tx, s, in, fp)
		if err != nil {
			return 0, false, err
		}
		if same {
			return s.ticket, false, nil
		}
	}
	return 0, len(known) > 0, nil
}

// storedLetter is an inbound letter already stored under a Message-ID.
type storedLetter struct {
	id, ticket  int64
	fingerprint string
	sha         string
	sealed      bool
	pieces      int
}

// isSame reports whether the stored letter s is the letter in.
func (db *DB) isSame(ctx context.Context, tx conn, s storedLetter, in Inbound, fp string) (bool, error) {
	switch {
	case s.fingerprint != "":
		return s.fingerprint == fp, nil
	case s.sha == sha256Hex(in.Raw):
		return true, nil
	case db.Fingerprint == nil || in.Fingerprint == "":
		return true, nil // stored before fingerprints: the Message-ID decides
	}
	var inline []byte
	if err := tx.QueryRowContext(ctx, "SELECT raw FROM messages WHERE id = ?", s.id).Scan(&inline); err != nil {
		return false, fmt.Errorf("read letter %d to compare: %w", s.id, err)
	}
	raw, err := db.value(ctx, tx, messageOwner(s.id), inline, s.pieces, s.sealed, s.sha)
	if err != nil {
		return false, fmt.Errorf("read letter %d to compare: %w", s.id, err)
	}
	return db.Fingerprint(raw) == fp, nil
}

// fingerprint is in's fingerprint: the one the caller computed, else the
// SHA-256 of its bytes.
func fingerprint(in Inbound) string {
	if in.Fingerprint != "" {
		return in.Fingerprint
	}
	return sha256Hex(in.Raw)
}

// dedupeKey is the unique key of a new inbound letter: its Message-ID and
// fingerprint together, since either alone may repeat.
func dedupeKey(messageID, fp string) string {
	sum := sha256.Sum256([]byte(messageID + "\x00" + fp))
	return "in:" + hex.EncodeToString(sum[:])
}
