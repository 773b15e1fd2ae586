package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrFileMissing is returned (wrapped) by Ingest when an attachment given
// as Stored names a file the store does not have, or whose bytes a purge
// removed: a sweep (SweepSpools) may have taken it since PutFile. The
// letter is to be filed again later, its files put again.
var ErrFileMissing = errors.New("store: file was not stored")

// PutFile stores the file read from r as the blob with SHA-256 sum (hex)
// and size bytes, in pieces of chunkSize, in one transaction holding at
// most two pieces in memory. The bytes must have that SHA-256 and size:
// otherwise nothing is kept and PutFile returns an error. A file stored
// before and not purged is not read again (nil); a purged one is restored.
// The file is then named by Attachment.SHA256 (or ThumbnailSHA256,
// DisplaySHA256) of a Stored attachment; one that no letter names is
// deleted by SweepSpools once it is old enough.
func (db *DB) PutFile(ctx context.Context, sum string, size int64, r io.Reader) error {
	if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size || hex.EncodeToString(b) != sum {
		return fmt.Errorf("store: put file %q: not a SHA-256 in lower-case hex", sum)
	}
	if size < 0 {
		return fmt.Errorf("store: put file %s: size %d", sum, size)
	}
	err := db.inTx(ctx, func(tx conn) error {
		// A file stored before is kept as it is; stored_at moves, so
		// that a sweep does not take it before its letter is filed.
		res, err := tx.ExecContext(ctx, "UPDATE blobs SET stored_at = ? WHERE sha256 = ? AND purged_at IS NULL", millis(db.now()), sum)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return db.putFile(ctx, tx, sum, size, r)
	})
	if err != nil {
		return fmt.Errorf("store: put file %s: %w", sum, err)
	}
	return nil
}

// putFile stores a file not stored yet, or purged, in tx (see PutFile).
func (db *DB) putFile(ctx context.Context, tx conn, sum string, size int64, r io.Reader) error {
	h := sha256.New()
	pieces := 0
	if size > chunkSize {
		pieces = int((size + chunkSize - 1) / chunkSize)
	}
	buf := make([]byte, min(size, chunkSize))
	var inline []byte
	owner := blobOwner(sum)
	if _, err := tx.ExecContext(ctx, "DELETE FROM chunks WHERE owner = ?", owner); err != nil {
		return err
	}
	for off, seq := int64(0), 0; off < size; seq++ {
		n := min(size-off, chunkSize)
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return fmt.Errorf("read at %d of %d bytes: %w", off, size, err)
		}
		h.Write(buf[:n])
		off += n
		if pieces == 0 {
			inline = buf[:n]
			break
		}
		// Another process putting the same file at once (PostgreSQL)
		// stores the same piece: either one will do.
		piece, _ := db.seal.seal(buf[:n], chunkAD(sum, seq))
		if _, err := tx.ExecContext(ctx, "INSERT INTO chunks (owner, seq, data) VALUES (?, ?, ?) ON CONFLICT (owner, seq) DO NOTHING",
			owner, seq, piece); err != nil {
			return fmt.Errorf("piece %d: %w", seq, err)
		}
	}
	var more [1]byte
	if n, err := io.ReadFull(r, more[:]); n > 0 {
		return fmt.Errorf("more than the %d bytes announced", size)
	} else if err != io.EOF {
		return fmt.Errorf("read past %d bytes: %w", size, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("the %d bytes read have SHA-256 %s", size, got)
	}
	data, sealed := []byte{}, db.seal != nil
	if pieces == 0 {
		data, sealed = db.seal.seal(inline, sum)
		if data == nil {
			data = []byte{} // the column is NOT NULL
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, data, sealed, chunks, stored_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO UPDATE SET data = excluded.data, sealed = excluded.sealed, chunks = excluded.chunks,
		purged_at = NULL, stored_at = excluded.stored_at`, sum, size, data, sealed, pieces, millis(db.now()))
	if err != nil {
		return fmt.Errorf("insert blob: %w", err)
	}
	return nil
}

// fileIsStored checks in tx that file sum is stored and not purged
// (ErrFileMissing).
func fileIsStored(ctx context.Context, tx conn, sum string) error {
	var purged bool
	err := tx.QueryRowContext(ctx, "SELECT purged_at IS NOT NULL FROM blobs WHERE sha256 = ?", sum).Scan(&purged)
	if errors.Is(err, sql.ErrNoRows) || err == nil && purged {
		return fmt.Errorf("file %q: %w", sum, ErrFileMissing)
	}
	if err != nil {
		return fmt.Errorf("file %s: %w", sum, err)
	}
	return nil
}

// SweepSpools deletes what letters that were never filed left behind:
// spools created before olderThan, or written by a process of this host
// that no longer runs (holders.go), with their pieces; and files stored
// (PutFile) before olderThan that no letter names, as thumbnail or
// display copy either; a file that only purged letters name (PutFile
// restored it for a letter never filed) is emptied again, as the purge
// left it. It returns how many spools and files it took.
// olderThan must leave a letter being fetched and filed ample time (the
// retention pass gives a day).
func (db *DB) SweepSpools(ctx context.Context, olderThan time.Time) (int, error) {
	n := 0
	err := db.inScrubbingTx(ctx, func(tx conn) error {
		n = 0
		spools, err := db.staleSpools(ctx, tx, millis(olderThan))
		if err != nil {
			return err
		}
		for _, id := range spools {
			if err := dropSpool(ctx, tx, id); err != nil {
				return err
			}
		}
		files, err := strayFiles(ctx, tx, millis(olderThan))
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := db.sweepFile(ctx, tx, f); err != nil {
				return err
			}
		}
		n = len(spools) + len(files)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: sweep spools: %w", err)
	}
	return n, nil
}

// staleSpools returns the spools SweepSpools deletes.
func (db *DB) staleSpools(ctx context.Context, tx conn, before int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, holder, created_at FROM spools ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list spools: %w", err)
	}
	defer rows.Close()
	host := localHost()
	var stale []string
	for rows.Next() {
		var id, holder string
		var at int64
		if err := rows.Scan(&id, &holder, &at); err != nil {
			return nil, fmt.Errorf("list spools: %w", err)
		}
		if at < before || holder != db.Holder() && deadHere(holder, host) {
			stale = append(stale, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list spools: %w", err)
	}
	return stale, nil
}

// strayFile is a file SweepSpools takes: held by letters, all purged
// (then it is emptied as a purge would), or by none (then deleted).
type strayFile struct {
	sum  string
	held bool
}

// strayFiles returns the files stored (PutFile) before before, not purged,
// that no letter but purged ones names.
func strayFiles(ctx context.Context, tx conn, before int64) ([]strayFile, error) {
	rows, err := tx.QueryContext(ctx, `SELECT b.sha256, EXISTS (SELECT 1 FROM attachments a
			WHERE a.sha256 = b.sha256 OR a.thumbnail_sha256 = b.sha256 OR a.display_sha256 = b.sha256)
		FROM blobs b WHERE b.stored_at IS NOT NULL AND b.stored_at < ? AND b.purged_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
			WHERE a.sha256 = b.sha256 AND m.purged_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
			WHERE a.thumbnail_sha256 = b.sha256 AND m.purged_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
			WHERE a.display_sha256 = b.sha256 AND m.purged_at IS NULL)
		ORDER BY b.sha256`, before)
	if err != nil {
		return nil, fmt.Errorf("list stray files: %w", err)
	}
	defer rows.Close()
	var files []strayFile
	for rows.Next() {
		var f strayFile
		if err := rows.Scan(&f.sum, &f.held); err != nil {
			return nil, fmt.Errorf("list stray files: %w", err)
		}
		files = append(files, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list stray files: %w", err)
	}
	return files, nil
}

// sweepFile deletes a stray file, or empties it as a purge does when
// purged letters name it (PutFile brought back the bytes of a purged file
// for a letter that was never filed).
func (db *DB) sweepFile(ctx context.Context, tx conn, f strayFile) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM chunks WHERE owner = ?", blobOwner(f.sum)); err != nil {
		return fmt.Errorf("delete pieces of file %s: %w", f.sum, err)
	}
	if f.held {
		_, err := tx.ExecContext(ctx, "UPDATE blobs SET data = ?, sealed = 0, chunks = 0, purged_at = ? WHERE sha256 = ?",
			[]byte{}, millis(db.now()), f.sum)
		if err != nil {
			return fmt.Errorf("empty file %s: %w", f.sum, err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM blobs WHERE sha256 = ?", f.sum); err != nil {
		return fmt.Errorf("delete file %s: %w", f.sum, err)
	}
	return nil
}
