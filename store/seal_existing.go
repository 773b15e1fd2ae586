package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SealCounts says how many rows SealExisting sealed, of each kind.
type SealCounts struct {
	Letters      int   `json:"letters"`       // letters whose bytes were sealed
	Files        int   `json:"files"`         // files (attachments, thumbnails, display copies: stored once each) sealed
	Pieces       int   `json:"pieces"`        // pieces of those letters and files (chunks.go)
	Bytes        int64 `json:"bytes"`         // bytes of those letters and files
	Tickets      int   `json:"tickets"`       // tickets whose description or fields were sealed
	LetterFields int   `json:"letter_fields"` // letters whose sender's name and subject were sealed
	FileNames    int   `json:"file_names"`    // files a letter carried whose names were sealed
	Notes        int   `json:"notes"`
	Secrets      int   `json:"totp_secrets"`
	OAuthTokens  int   `json:"oauth_tokens"` // refresh tokens of OAuth2 accounts
}

// String lists the counts, as the event keys.sealed_existing records them.
func (c SealCounts) String() string {
	return fmt.Sprintf("%d letters and %d files (%d bytes, %d pieces), %d tickets, %d letters' senders and subjects, "+
		"%d file names, %d notes, %d TOTP secrets, %d OAuth2 refresh tokens",
		c.Letters, c.Files, c.Bytes, c.Pieces, c.Tickets, c.LetterFields, c.FileNames, c.Notes, c.Secrets, c.OAuthTokens)
}

// SealResult is what SealExisting did.
type SealResult struct {
	SealCounts
	// LogEmptied says that the write-ahead log was emptied at the end
	// (wal_checkpoint(TRUNCATE)): no page of the values sealed is left in
	// it. Readers of the store (a daemon's console) can keep that from
	// finishing; the daemon's own checkpoints then copy the sealed pages
	// over the plain ones in the database file.
	LogEmptied bool
}

// SealProgress is how far SealExisting has come.
type SealProgress struct {
	Done   int        // rows looked at and sealed where they were still plain
	Total  int        // rows that were plain when it began (and those found since)
	Sealed SealCounts // what it sealed so far
}

// SealOptions say how SealExisting goes.
type SealOptions struct {
	Actor string // who the event keys.sealed_existing names
	// Progress, when not nil, hears how far it has come: once before the
	// first batch and after each.
	Progress func(SealProgress)
	// BatchRows and BatchBytes bound each transaction: at most so many
	// rows, and letters and files of at most so many bytes (but at least
	// one row); 0 means 200 rows and 16 MiB.
	BatchRows  int
	BatchBytes int64
}

// Limits of SealExisting's transactions, when SealOptions leaves them 0:
// short enough that the daemon's writers wait a moment at most.
const (
	sealBatchRows  = 200
	sealBatchBytes = 16 << 20
)

// SealExisting seals with the store's data key every row still plain,
// written before the store had a key: letters' bytes and their pieces,
// files and theirs, ticket descriptions and fields, letters' senders'
// names and subjects, file names, notes and TOTP secrets, each with the
// associated data it would have been sealed with when written. Spools
// written without a key (spool.go) are deleted, not sealed: their letters
// were being fetched by a process without the key, which can file nothing
// once the store has one. It works in short transactions (SealOptions)
// and takes the rows still plain each time, found by the partial indexes
// of migration 0013: stopped (ctx ends, or the process is killed), it
// loses nothing, and a second run finishes.
// The daemon may run meanwhile, with the key. It records the event
// keys.sealed_existing by opts.Actor with the counts, when it sealed
// anything.
//
// The transactions overwrite with zeros what they replace (secure_delete),
// and the write-ahead log is emptied at the end, so that the plain values
// do not stay in the database's files. Fragments of rows changed before
// (a ticket's row is written again at each change) may remain in the
// file's free space; Vacuum, with ticketd stopped, rewrites the file
// without them.
func (db *DB) SealExisting(ctx context.Context, opts SealOptions) (SealResult, error) {
	if db.seal == nil {
		return SealResult{}, errors.New("store: seal existing rows: the store has no key (store.key_file)")
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = sealBatchRows
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = sealBatchBytes
	}
	if err := db.dropPlainSpools(ctx); err != nil {
		return SealResult{}, err
	}
	var p SealProgress
	var err error
	if p.Total, err = db.PlainRows(ctx); err != nil {
		return SealResult{}, err
	}
	report := func() {
		p.Total = max(p.Total, p.Done)
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	report()
	for _, k := range plainKinds {
		if err = db.sealKind(ctx, k, opts, &p, report); err != nil {
			break
		}
	}
	if err == nil {
		// A handful of rows at most: one transaction, after the rest.
		var n int
		n, err = db.SealOAuthTokens(ctx)
		if n > 0 {
			p.Sealed.OAuthTokens, p.Done = n, p.Done+n
			report()
		}
	}
	res := SealResult{SealCounts: p.Sealed}
	if p.Sealed != (SealCounts{}) {
		detail := p.Sealed.String()
		if err != nil {
			detail += "; stopped before the end"
		}
		ectx := context.WithoutCancel(ctx)
		err = errors.Join(err, db.inTx(ectx, func(tx conn) error {
			return appendEvent(ectx, tx, 0, db.now(), opts.Actor, "keys.sealed_existing", detail)
		}))
	}
	if err != nil {
		return res, err
	}
	res.LogEmptied, err = db.checkpoint(ctx)
	return res, err
}

// PlainRows counts the rows that SealExisting would seal: those still
// plain, of every kind. It reads the partial indexes of migration 0013,
// not the rows.
func (db *DB) PlainRows(ctx context.Context) (int, error) {
	total := 0
	for _, k := range plainKinds {
		var n int
		if err := db.conn().QueryRowContext(ctx, k.count).Scan(&n); err != nil {
			return 0, fmt.Errorf("store: count the %s still plain: %w", k.name, err)
		}
		total += n
	}
	var n int
	if err := db.conn().QueryRowContext(ctx, "SELECT COUNT(*) FROM oauth_tokens WHERE sealed = 0").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count the OAuth2 refresh tokens still plain: %w", err)
	}
	return total + n, nil
}

// plainKind is one kind of row SealExisting seals.
type plainKind struct {
	name  string
	count string // counts the rows still plain
	// next reads the ids (rowids) and sizes of the next rows still plain
	// after an id, in order, up to a limit.
	next string
	// seal seals what is still plain of row id in tx, and counts it in c.
	seal func(db *DB, ctx context.Context, tx conn, id int64, c *SealCounts) error
}

// plainKinds are the kinds of rows SealExisting seals, in the order it
// seals them. Each condition is that of a partial index (migration 0013),
// written the same, so that SQLite reads that index; purged rows (0014),
// emptied for good, are left out.
var plainKinds = []plainKind{
	{"letters", "SELECT COUNT(*) FROM messages WHERE (sealed = 0 OR sealed_fields IS NULL) AND purged_at IS NULL",
		"SELECT id, size FROM messages WHERE (sealed = 0 OR sealed_fields IS NULL) AND purged_at IS NULL AND id > ? ORDER BY id LIMIT ?",
		(*DB).sealLetter},
	{"files", "SELECT COUNT(*) FROM blobs WHERE sealed = 0 AND purged_at IS NULL",
		"SELECT rowid, size FROM blobs WHERE sealed = 0 AND purged_at IS NULL AND rowid > ? ORDER BY rowid LIMIT ?",
		(*DB).sealFile},
	{"tickets", "SELECT COUNT(*) FROM tickets WHERE (description_sealed = 0 OR sealed_fields IS NULL) AND purged_at IS NULL",
		"SELECT id, 0 FROM tickets WHERE (description_sealed = 0 OR sealed_fields IS NULL) AND purged_at IS NULL AND id > ? ORDER BY id LIMIT ?",
		(*DB).sealTicket},
	{"file names", "SELECT COUNT(*) FROM attachments WHERE sealed_names IS NULL",
		"SELECT id, 0 FROM attachments WHERE sealed_names IS NULL AND id > ? ORDER BY id LIMIT ?",
		(*DB).sealFileNames},
	{"notes", "SELECT COUNT(*) FROM notes WHERE sealed = 0",
		"SELECT id, 0 FROM notes WHERE sealed = 0 AND id > ? ORDER BY id LIMIT ?",
		(*DB).sealNote},
	{"TOTP secrets", "SELECT COUNT(*) FROM users WHERE totp_secret IS NOT NULL AND totp_sealed = 0",
		"SELECT id, 0 FROM users WHERE totp_secret IS NOT NULL AND totp_sealed = 0 AND id > ? ORDER BY id LIMIT ?",
		(*DB).sealSecret},
}

// sealKind seals the rows of kind k still plain, a batch a transaction.
func (db *DB) sealKind(ctx context.Context, k plainKind, opts SealOptions, p *SealProgress, report func()) error {
	for after := int64(0); ; {
		ids, sizes, err := nextPlain(ctx, db.conn(), k.next, after, opts.BatchRows)
		if err != nil {
			return fmt.Errorf("store: find the %s still plain: %w", k.name, err)
		}
		if len(ids) == 0 {
			return nil
		}
		n, bytes := 0, int64(0)
		for n < len(ids) && (n == 0 || bytes+sizes[n] <= opts.BatchBytes) {
			bytes += sizes[n]
			n++
		}
		ids = ids[:n]
		c := p.Sealed
		err = db.inScrubbingTx(ctx, func(tx conn) error {
			for _, id := range ids {
				if err := k.seal(db, ctx, tx, id, &c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: seal the %s after %d: %w", k.name, after, err)
		}
		p.Sealed, p.Done, after = c, p.Done+len(ids), ids[len(ids)-1]
		report()
	}
}

// nextPlain runs query, plainKind.next, after id after.
func nextPlain(ctx context.Context, c conn, query string, after int64, limit int) (ids, sizes []int64, err error) {
	rows, err := c.QueryContext(ctx, query, after, limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, size int64
		if err := rows.Scan(&id, &size); err != nil {
			return nil, nil, err
		}
		ids, sizes = append(ids, id), append(sizes, size)
	}
	return ids, sizes, rows.Err()
}

// sealLetter seals a letter's bytes and its fields, where still plain.
func (db *DB) sealLetter(ctx context.Context, tx conn, id int64, c *SealCounts) error {
	var raw, fields []byte
	var sealed bool
	var pieces int
	var sum, key, fromName, subject string
	err := tx.QueryRowContext(ctx, `SELECT raw, sealed, chunks, raw_sha256, dedupe_key, from_name, subject, sealed_fields
		FROM messages WHERE id = ?`, id).Scan(&raw, &sealed, &pieces, &sum, &key, &fromName, &subject, &fields)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // removed meanwhile
	}
	if err != nil {
		return fmt.Errorf("letter %d: %w", id, err)
	}
	if !sealed {
		n, err := db.sealValue(ctx, tx, messageOwner(id), raw, pieces, sum, "UPDATE messages SET raw = ?, sealed = 1 WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("letter %d: %w", id, err)
		}
		c.Letters, c.Pieces, c.Bytes = c.Letters+1, c.Pieces+pieces, c.Bytes+n
	}
	if fields == nil {
		if _, err := tx.ExecContext(ctx, "UPDATE messages SET from_name = '', subject = '', sealed_fields = ? WHERE id = ?",
			db.sealFields(letterFieldsAD(key), fromName, subject), id); err != nil {
			return fmt.Errorf("letter %d: %w", id, err)
		}
		c.LetterFields++
	}
	return nil
}

// sealFile seals a file (the blob of rowid id), where still plain.
func (db *DB) sealFile(ctx context.Context, tx conn, id int64, c *SealCounts) error {
	var data []byte
	var sealed bool
	var pieces int
	var sum string
	err := tx.QueryRowContext(ctx, "SELECT sha256, data, sealed, chunks FROM blobs WHERE rowid = ?", id).Scan(&sum, &data, &sealed, &pieces)
	if errors.Is(err, sql.ErrNoRows) || err == nil && sealed {
		return nil
	}
	if err != nil {
		return fmt.Errorf("file %d: %w", id, err)
	}
	n, err := db.sealValue(ctx, tx, blobOwner(sum), data, pieces, sum, "UPDATE blobs SET data = ?, sealed = 1 WHERE rowid = ?", id)
	if err != nil {
		return fmt.Errorf("file %s: %w", sum, err)
	}
	c.Files, c.Pieces, c.Bytes = c.Files+1, c.Pieces+pieces, c.Bytes+n
	return nil
}

// sealValue seals a letter's or file's plain value, as inline and
// putChunks would have with the key: the inline value, or each of its
// pieces, then sets the row's flag with update (its arguments: the inline
// value and id). It returns the value's size.
func (db *DB) sealValue(ctx context.Context, tx conn, owner string, inline []byte, pieces int, sum, update string, id int64) (int64, error) {
	if pieces == 0 {
		sealed, _ := db.seal.seal(inline, sum)
		_, err := tx.ExecContext(ctx, update, sealed, id)
		return int64(len(inline)), err
	}
	var n int64
	for seq := range pieces {
		var piece []byte
		if err := tx.QueryRowContext(ctx, "SELECT data FROM chunks WHERE owner = ? AND seq = ?", owner, seq).Scan(&piece); err != nil {
			return n, fmt.Errorf("piece %d: %w", seq, err)
		}
		sealed, _ := db.seal.seal(piece, chunkAD(sum, seq))
		if _, err := tx.ExecContext(ctx, "UPDATE chunks SET data = ? WHERE owner = ? AND seq = ?", sealed, owner, seq); err != nil {
			return n, fmt.Errorf("piece %d: %w", seq, err)
		}
		n += int64(len(piece))
	}
	if inline == nil {
		inline = []byte{} // raw and data are NOT NULL
	}
	_, err := tx.ExecContext(ctx, update, inline, id)
	return n, err
}

// sealTicket seals a ticket's description and fields, where still plain.
func (db *DB) sealTicket(ctx context.Context, tx conn, id int64, c *SealCounts) error {
	var desc string
	var descSealed bool
	var f ticketFields
	var fields []byte
	err := tx.QueryRowContext(ctx, `SELECT description, description_sealed, citizen_name, subject, account_number, application_number,
		sealed_fields FROM tickets WHERE id = ?`, id).Scan(&desc, &descSealed, &f.name, &f.subject, &f.account, &f.application, &fields)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ticket %d: %w", id, err)
	}
	if !descSealed {
		sealed, _ := db.seal.seal([]byte(desc), descriptionAD)
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET description = '', description_sealed = 1, sealed_description = ? WHERE id = ?",
			sealed, id); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
	}
	if fields == nil {
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET citizen_name = '', subject = '', account_number = '', application_number = '',
			sealed_fields = ? WHERE id = ?`, f.seal(db, id), id); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
	}
	c.Tickets++
	return nil
}

// sealFileNames seals the names of a file a letter carried (attachment
// id), where still plain.
func (db *DB) sealFileNames(ctx context.Context, tx conn, id int64, c *SealCounts) error {
	var msg int64
	var sum, filename, original string
	var names []byte
	err := tx.QueryRowContext(ctx, "SELECT message_id, sha256, filename, original_name, sealed_names FROM attachments WHERE id = ?", id).
		Scan(&msg, &sum, &filename, &original, &names)
	if errors.Is(err, sql.ErrNoRows) || err == nil && names != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("file names %d: %w", id, err)
	}
	_, sealed := db.fileNames(msg, sum, filename, original)
	if _, err := tx.ExecContext(ctx, "UPDATE attachments SET filename = '', original_name = '', sealed_names = ? WHERE id = ?", sealed, id); err != nil {
		return fmt.Errorf("file names %d: %w", id, err)
	}
	c.FileNames++
	return nil
}

// sealNote seals a note, if still plain.
func (db *DB) sealNote(ctx context.Context, tx conn, id int64, c *SealCounts) error {
	var ticket int64
	var text string
	var sealed bool
	err := tx.QueryRowContext(ctx, "SELECT ticket_id, text, sealed FROM notes WHERE id = ?", id).Scan(&ticket, &text, &sealed)
	if errors.Is(err, sql.ErrNoRows) || err == nil && sealed {
		return nil
	}
	if err != nil {
		return fmt.Errorf("note %d: %w", id, err)
	}
	stored, _ := db.seal.seal([]byte(text), noteAD(id, ticket))
	if _, err := tx.ExecContext(ctx, "UPDATE notes SET text = '', sealed = 1, sealed_text = ? WHERE id = ?", stored, id); err != nil {
		return fmt.Errorf("note %d: %w", id, err)
	}
	c.Notes++
	return nil
}

// sealSecret seals a user's TOTP secret, if still plain.
func (db *DB) sealSecret(ctx context.Context, tx conn, id int64, c *SealCounts) error {
	var secret []byte
	var sealed bool
	err := tx.QueryRowContext(ctx, "SELECT totp_secret, totp_sealed FROM users WHERE id = ?", id).Scan(&secret, &sealed)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (sealed || secret == nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("user %d: %w", id, err)
	}
	stored, _ := db.seal.seal(secret, totpAD(id))
	if _, err := tx.ExecContext(ctx, "UPDATE users SET totp_secret = ?, totp_sealed = 1 WHERE id = ?", stored, id); err != nil {
		return fmt.Errorf("user %d: %w", id, err)
	}
	c.Secrets++
	return nil
}
