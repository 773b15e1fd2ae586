package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// storedLetter is what VerifyChain reads of a letter, and of the
// letter.stored event that recorded it.
type storedLetter struct {
	id, ticketID int64
	ticket       string // its number
	rawSum       string // messages.raw_sha256
	// raw, sealed and pieces are the letter's stored bytes as its row
	// keeps them, read with it when it is small (verifyInline), else nil
	// and read on their own (checkRaw).
	raw         []byte
	sealed      bool
	pieces      int
	event       int64  // its first letter.stored event; 0: none
	eventTicket int64  // the ticket that event names
	digest      string // what that event recorded (LetterDigest)
	purged      bool   // a purge emptied it (retention)
	files       []storedFile
}

// storedFile is one attachment of a letter, as VerifyChain reads it.
type storedFile struct {
	sum              string // attachments.sha256
	thumb, display   string // "" when it has none
	stored           bool   // its blob exists
	thumbOK, showsOK bool   // its thumbnail's and display copy's blobs exist (true when it has none)
}

// bytesExpected reports whether l's bytes and files are to be in the
// store, and checked against the chain: those of every letter a purge did
// not empty. A purged letter must still be in the chain, with the hash its
// ticket's tombstone names (purge_verify.go).
func bytesExpected(l *storedLetter) bool { return !l.purged }

// checkLetters checks every letter up to lastLetter against its
// letter.stored event, a group at a time.
func (v *verifier) checkLetters(ctx context.Context) error {
	var after int64
	for after < v.lastLetter {
		ls, err := v.readLetters(ctx, after)
		if err != nil {
			return fmt.Errorf("store: verify: read the letters after %d: %w", after, err)
		}
		if len(ls) == 0 {
			break
		}
		for i := range ls {
			if err := v.checkLetter(ctx, &ls[i]); err != nil {
				return err
			}
			v.report.Letters++
		}
		after = ls[len(ls)-1].id
		v.progress(len(ls))
	}
	return nil
}

// readLetters reads the group of letters after id after, with their
// letter.stored events (within the chain checked) and their files.
func (v *verifier) readLetters(ctx context.Context, after int64) ([]storedLetter, error) {
	rows, err := v.c.QueryContext(ctx, `SELECT m.id, m.ticket_id, COALESCE(t.number, ''), m.raw_sha256,
		COALESCE(e.id, 0), COALESCE(e.ticket_id, 0), COALESCE(e.digest, ''),
		CASE WHEN length(m.raw) <= ? THEN m.raw END, m.sealed, m.chunks, m.purged_at IS NOT NULL
		FROM messages m
		LEFT JOIN tickets t ON t.id = m.ticket_id
		LEFT JOIN events e ON e.id = (SELECT MIN(s.id) FROM events s
			WHERE s.message_id = m.id AND s.action = 'letter.stored' AND s.id <= ?)
		WHERE m.id > ? AND m.id <= ? ORDER BY m.id LIMIT ?`, verifyInline, v.lastEvent, after, v.lastLetter, verifyLetterGroup)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ls []storedLetter
	for rows.Next() {
		var l storedLetter
		if err := rows.Scan(&l.id, &l.ticketID, &l.ticket, &l.rawSum, &l.event, &l.eventTicket, &l.digest,
			&l.raw, &l.sealed, &l.pieces, &l.purged); err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(ls) == 0 {
		return nil, nil
	}
	return ls, v.readFiles(ctx, ls)
}

// readFiles reads the files of the letters ls, which are in id order.
func (v *verifier) readFiles(ctx context.Context, ls []storedLetter) error {
	stored := func(col string) string {
		return "(a." + col + " IS NULL OR EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a." + col + "))"
	}
	rows, err := v.c.QueryContext(ctx, `SELECT a.message_id, a.sha256, COALESCE(a.thumbnail_sha256, ''), COALESCE(a.display_sha256, ''),
		`+stored("sha256")+", "+stored("thumbnail_sha256")+", "+stored("display_sha256")+`
		FROM attachments a WHERE a.message_id >= ? AND a.message_id <= ? ORDER BY a.message_id, a.id`, ls[0].id, ls[len(ls)-1].id)
	if err != nil {
		return err
	}
	defer rows.Close()
	byID := make(map[int64]*storedLetter, len(ls))
	for i := range ls {
		byID[ls[i].id] = &ls[i]
	}
	for rows.Next() {
		var msg int64
		var f storedFile
		if err := rows.Scan(&msg, &f.sum, &f.thumb, &f.display, &f.stored, &f.thumbOK, &f.showsOK); err != nil {
			return err
		}
		if l := byID[msg]; l != nil {
			l.files = append(l.files, f)
		}
	}
	return rows.Err()
}

// checkLetter checks one letter against its event, then its bytes.
func (v *verifier) checkLetter(ctx context.Context, l *storedLetter) error {
	tampered := func(reason string) *TamperError {
		return &TamperError{Kind: TamperLetter, ID: strconv.FormatInt(l.id, 10), Ticket: l.ticket, Reason: reason}
	}
	if l.event == 0 {
		return tampered("is not in the chain: no letter.stored event records it (it was added, or its event removed)")
	}
	if l.eventTicket != l.ticketID {
		return tampered(fmt.Sprintf("belongs to %s in the store, but the chain (event %d) stored it in %s: it was moved",
			TicketNumber(l.ticketID), l.event, TicketNumber(l.eventTicket)))
	}
	rawSum, fileSums, err := ParseLetterDigest(l.digest)
	if err != nil {
		return tampered(fmt.Sprintf("its letter.stored event %d does not say what it stored: %v", l.event, err))
	}
	if !bytesExpected(l) {
		return v.checkPurgedLetter(ctx, l, rawSum, tampered)
	}
	if err := v.checkRaw(ctx, l, tampered); err != nil {
		return err
	}
	if l.rawSum != rawSum {
		return tampered(fmt.Sprintf("its raw_sha256 is %s, but the chain (event %d) recorded %s: the letter was replaced, its hash with it",
			l.rawSum, l.event, rawSum))
	}
	return v.checkFiles(l, fileSums)
}

// checkRaw hashes l's raw bytes, unsealed and joined from their pieces,
// and compares the hash with the raw_sha256 stored with them.
func (v *verifier) checkRaw(ctx context.Context, l *storedLetter, tampered func(string) *TamperError) error {
	inline := l.raw
	if inline == nil {
		err := v.c.QueryRowContext(ctx, "SELECT raw, sealed, chunks FROM messages WHERE id = ?", l.id).Scan(&inline, &l.sealed, &l.pieces)
		if errors.Is(err, sql.ErrNoRows) {
			return tampered("was removed while it was being checked")
		}
		if err != nil {
			return fmt.Errorf("store: verify: letter %d: %w", l.id, err)
		}
	}
	l.raw = nil // the group keeps no letter's bytes once checked
	raw, err := v.db.value(ctx, v.c, messageOwner(l.id), inline, l.pieces, l.sealed, l.rawSum)
	if err != nil {
		return unreadable(ctx, "letter "+strconv.FormatInt(l.id, 10), err, tampered)
	}
	v.report.LetterBytes += int64(len(raw))
	if sum := sha256Hex(raw); sum != l.rawSum {
		return tampered(fmt.Sprintf("its bytes hash to %s, not to %s, the raw_sha256 stored with them and in the chain: they were changed",
			sum, l.rawSum))
	}
	return nil
}

// checkFiles compares l's files with the file= list of its event, and
// checks that each file, thumbnail and display copy is stored.
func (v *verifier) checkFiles(l *storedLetter, fileSums []string) error {
	file := func(sum, reason string) *TamperError {
		return &TamperError{Kind: TamperFile, ID: sum, Ticket: l.ticket, Reason: reason}
	}
	for i, f := range l.files {
		switch {
		case i >= len(fileSums):
			return file(f.sum, fmt.Sprintf("is file %d of letter %d, which the chain (event %d) recorded with %d files: it was added",
				i+1, l.id, l.event, len(fileSums)))
		case f.sum != fileSums[i]:
			return file(fileSums[i], fmt.Sprintf("is file %d of letter %d in the chain (event %d), but the letter has %s in its place: it was replaced",
				i+1, l.id, l.event, f.sum))
		case !f.stored:
			return file(f.sum, fmt.Sprintf("is file %d of letter %d, and it is not stored: it was removed", i+1, l.id))
		case !f.thumbOK:
			return file(f.thumb, fmt.Sprintf("is the thumbnail of file %d of letter %d, and it is not stored: it was removed", i+1, l.id))
		case !f.showsOK:
			return file(f.display, fmt.Sprintf("is the display copy of file %d of letter %d, and it is not stored: it was removed", i+1, l.id))
		}
	}
	if len(l.files) < len(fileSums) {
		n := len(l.files)
		return file(fileSums[n], fmt.Sprintf("is file %d of letter %d in the chain (event %d), but the letter has only %d files: it was removed",
			n+1, l.id, l.event, n))
	}
	return nil
}

// checkStoredLetters finds a letter.stored event, within the chain
// checked, whose letter is not in the store. (A purge that removed
// letters' rows would have to leave its letters out here, as it teaches
// bytesExpected which letters it emptied.)
func (v *verifier) checkStoredLetters(ctx context.Context) error {
	var event, msg int64
	var ticket string
	err := v.c.QueryRowContext(ctx, `SELECT e.id, e.message_id, COALESCE(t.number, '') FROM events e
		LEFT JOIN tickets t ON t.id = e.ticket_id
		WHERE e.message_id IS NOT NULL AND e.action = 'letter.stored' AND e.id <= ?
		AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = e.message_id) ORDER BY e.id LIMIT 1`, v.lastEvent).Scan(&event, &msg, &ticket)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: verify: letters the chain recorded: %w", err)
	}
	return &TamperError{Kind: TamperLetter, ID: strconv.FormatInt(msg, 10), Ticket: ticket,
		Reason: fmt.Sprintf("is recorded in the chain (event %d) but is not in the store: it was removed", event)}
}

// storedBlob is what VerifyChain reads of a file before its bytes.
type storedBlob struct {
	sum    string
	sealed bool
	pieces int
	purged bool // a purge emptied it
}

// checkBlobs checks that every file's content hashes to its SHA-256, a
// group at a time in the order of their SHA-256.
func (v *verifier) checkBlobs(ctx context.Context) error {
	after := ""
	for {
		bs, err := v.readBlobs(ctx, after)
		if err != nil {
			return fmt.Errorf("store: verify: read the files after %s: %w", after, err)
		}
		if len(bs) == 0 {
			return nil
		}
		for _, b := range bs {
			if err := v.checkBlob(ctx, b); err != nil {
				return err
			}
			v.report.Files++
		}
		after = bs[len(bs)-1].sum
		v.progress(len(bs))
	}
}

func (v *verifier) readBlobs(ctx context.Context, after string) ([]storedBlob, error) {
	rows, err := v.c.QueryContext(ctx, "SELECT sha256, sealed, chunks, purged_at IS NOT NULL FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?", after, verifyBlobGroup)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var bs []storedBlob
	for rows.Next() {
		var b storedBlob
		if err := rows.Scan(&b.sum, &b.sealed, &b.pieces, &b.purged); err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	return bs, rows.Err()
}

func (v *verifier) checkBlob(ctx context.Context, b storedBlob) error {
	tampered := func(reason string) *TamperError {
		return &TamperError{Kind: TamperFile, ID: b.sum, Reason: reason + "; " + v.usersOf(ctx, b.sum)}
	}
	if b.purged {
		reason, err := checkPurgedFile(ctx, v.c, b.sum)
		if err != nil || reason == "" {
			return err
		}
		return tampered(reason)
	}
	var inline []byte
	err := v.c.QueryRowContext(ctx, "SELECT data FROM blobs WHERE sha256 = ?", b.sum).Scan(&inline)
	if errors.Is(err, sql.ErrNoRows) {
		return tampered("was removed while it was being checked")
	}
	if err != nil {
		return fmt.Errorf("store: verify: file %s: %w", b.sum, err)
	}
	data, err := v.db.value(ctx, v.c, blobOwner(b.sum), inline, b.pieces, b.sealed, b.sum)
	if err != nil {
		return unreadable(ctx, "file "+b.sum, err, tampered)
	}
	v.report.FileBytes += int64(len(data))
	if sum := sha256Hex(data); sum != b.sum {
		return tampered(fmt.Sprintf("its content hashes to %s: it was changed", sum))
	}
	return nil
}

// usersOf says which letters use the file sum, for a TamperError: the
// auditor looks there next.
func (v *verifier) usersOf(ctx context.Context, sum string) string {
	rows, err := v.c.QueryContext(ctx, `SELECT a.message_id, COALESCE(t.number, ''),
		CASE WHEN a.sha256 = ? THEN 'file' WHEN a.thumbnail_sha256 = ? THEN 'thumbnail' ELSE 'display copy' END
		FROM attachments a JOIN messages m ON m.id = a.message_id LEFT JOIN tickets t ON t.id = m.ticket_id
		WHERE a.sha256 = ? OR a.thumbnail_sha256 = ? OR a.display_sha256 = ? ORDER BY a.id LIMIT 11`, sum, sum, sum, sum, sum)
	if err != nil {
		return "which letters use it could not be read: " + err.Error()
	}
	defer rows.Close()
	var uses []string
	for rows.Next() {
		var msg int64
		var ticket, as string
		if err := rows.Scan(&msg, &ticket, &as); err != nil {
			return "which letters use it could not be read: " + err.Error()
		}
		uses = append(uses, fmt.Sprintf("%s of letter %d (%s)", as, msg, ticket))
	}
	switch {
	case len(uses) == 0:
		return "no letter uses it"
	case len(uses) > 10:
		return "used as " + strings.Join(uses[:10], ", ") + " and more"
	}
	return "used as " + strings.Join(uses, ", ")
}

// checkPurgedLetter checks a letter a purge emptied: the hash the chain
// recorded for it (rawSum) is the one its row keeps, and its ticket's
// tombstone names it with it.
func (v *verifier) checkPurgedLetter(ctx context.Context, l *storedLetter, rawSum string, tampered func(string) *TamperError) error {
	reason, err := v.purges.checkLetter(ctx, l.ticketID, l.id, l.rawSum)
	if err != nil {
		return err
	}
	if reason != "" {
		return tampered(reason)
	}
	if l.rawSum != rawSum {
		return tampered(fmt.Sprintf("is purged as %s, but the chain (event %d) recorded %s", l.rawSum, l.event, rawSum))
	}
	return nil
}
