package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
)

// A large letter is spooled to the store as it is fetched (issue 16):
// written in pieces of chunkSize, hashed on the way, read back through
// ReadAt while it is understood, and filed by Ingest (Inbound.Spool),
// which makes its pieces the message's. So neither fetching nor filing it
// holds the letter whole.
//
// A spool's pieces are rows of chunks owned by "spool:<id>", where id is
// random; the spools table (migration 0019) says who wrote it and when,
// for SweepSpools. With a key, each piece is sealed bound to the spool's
// id and its place (spoolAD), since the letter's SHA-256 that binds a
// filed letter's pieces (chunkAD) is not known until the last byte;
// filing seals each piece again under chunkAD.

// Spool is a letter being written to the store in pieces, and then read
// from them. It is an io.Writer until Close, and an io.ReaderAt over what
// was written (safe for concurrent use by several readers). Write, Close
// and ReadAt run under the context given to NewSpool.
type Spool struct {
	db     *DB
	ctx    context.Context
	id     string
	sealed bool // its pieces are sealed: the store had a key when it was made

	mu     sync.Mutex
	buf    []byte // the piece being written; nil once closed
	pieces int    // pieces stored
	size   int64
	hash   hash.Hash
	sum    string // hex SHA-256, once closed
	closed bool
	err    error // the first failure of Write or Close; later calls return it

	// last is the piece ReadAt read last, so that sequential small reads
	// cost one query per piece.
	last struct {
		seq  int
		data []byte // nil: none
	}
}

// errSpoolClosed is returned by Write after Close or Discard.
var errSpoolClosed = errors.New("store: spool is closed")

// spoolOwner names the owner of a spool's pieces.
func spoolOwner(id string) string { return "spool:" + id }

// spoolAD is what a spool's sealed piece is bound to: the spool and the
// piece's place in it.
func spoolAD(id string, seq int) string { return chunkAD(spoolOwner(id), seq) }

// NewSpool starts a spool: a row in spools naming this process (Holder)
// and the time. Its pieces are sealed when the store has a key.
func (db *DB) NewSpool(ctx context.Context) (*Spool, error) {
	b := make([]byte, 16)
	rand.Read(b)
	s := &Spool{db: db, ctx: ctx, id: hex.EncodeToString(b), sealed: db.seal != nil, hash: sha256.New()}
	err := db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO spools (id, holder, created_at, sealed) VALUES (?, ?, ?, ?)",
			s.id, db.Holder(), millis(db.now()), s.sealed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: new spool: %w", err)
	}
	return s, nil
}

// Write appends p to the spool, storing each piece as it fills.
func (s *Spool) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	if s.closed {
		return 0, errSpoolClosed
	}
	n := 0
	for len(p) > 0 {
		if s.buf == nil {
			s.buf = make([]byte, 0, chunkSize)
		}
		k := min(chunkSize-len(s.buf), len(p))
		s.buf = append(s.buf, p[:k]...)
		s.hash.Write(p[:k])
		s.size += int64(k)
		n += k
		p = p[k:]
		if len(s.buf) == chunkSize {
			if err := s.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// flush stores the piece being written; s.mu is held.
func (s *Spool) flush() error {
	piece, _ := s.db.seal.seal(s.buf, spoolAD(s.id, s.pieces))
	err := s.db.inTx(s.ctx, func(tx conn) error {
		_, err := tx.ExecContext(s.ctx, "INSERT INTO chunks (owner, seq, data) VALUES (?, ?, ?)", spoolOwner(s.id), s.pieces, piece)
		return err
	})
	if err != nil {
		s.err = fmt.Errorf("store: spool %s piece %d: %w", s.id, s.pieces, err)
		return s.err
	}
	s.pieces++
	s.buf = s.buf[:0]
	return nil
}

// Close stores the last piece and computes the SHA-256. ReadAt, Size and
// SHA256 remain valid; Write is an error afterwards. Closing twice is
// harmless.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return nil
	}
	if len(s.buf) > 0 {
		if err := s.flush(); err != nil {
			return err
		}
	}
	s.buf, s.closed, s.sum = nil, true, hex.EncodeToString(s.hash.Sum(nil))
	return nil
}

// Size returns the number of bytes written.
func (s *Spool) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size
}

// SHA256 returns the SHA-256 of what was written, in hex, once the spool
// is closed; "" before.
func (s *Spool) SHA256() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sum
}

// ReadAt reads len(p) bytes from offset off of what was written, from the
// piece or pieces that hold them. A read error of the store is returned
// as such (wrapped), never as io.EOF; a spool filed or discarded has no
// pieces left to read (ErrNotFound).
func (s *Spool) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("store: spool %s: negative offset %d", s.id, off)
	}
	n := 0
	for n < len(p) {
		piece, err := s.piece(off + int64(n))
		if err != nil {
			return n, err
		}
		if piece == nil {
			return n, io.EOF
		}
		n += copy(p[n:], piece[(off+int64(n))%chunkSize:])
	}
	return n, nil
}

// piece returns the plain piece that holds offset off, or nil when off is
// past the end.
func (s *Spool) piece(off int64) ([]byte, error) {
	seq := int(off / chunkSize)
	s.mu.Lock()
	switch {
	case off >= s.size:
		s.mu.Unlock()
		return nil, nil
	case seq == s.pieces: // not stored yet: being written (a copy, as Write appends to it)
		piece := append([]byte(nil), s.buf...)
		s.mu.Unlock()
		return piece, nil
	case s.last.data != nil && s.last.seq == seq:
		piece := s.last.data
		s.mu.Unlock()
		return piece, nil
	}
	s.mu.Unlock()
	piece, err := s.storedPiece(s.ctx, s.db.conn(), seq)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s.mu.Lock()
	s.last.seq, s.last.data = seq, piece
	s.mu.Unlock()
	return piece, nil
}

// Discard deletes the spool and its pieces. Once its letter is filed
// (Ingest), the pieces are the message's and Discard does nothing.
func (s *Spool) Discard(ctx context.Context) error {
	s.mu.Lock()
	s.closed, s.buf, s.last.data = true, nil, nil
	s.mu.Unlock()
	err := s.db.inScrubbingTx(ctx, func(tx conn) error { return dropSpool(ctx, tx, s.id) })
	if err != nil {
		return fmt.Errorf("store: discard spool %s: %w", s.id, err)
	}
	return nil
}

// dropSpool deletes spool id and its pieces in tx.
func dropSpool(ctx context.Context, tx conn, id string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM chunks WHERE owner = ?", spoolOwner(id)); err != nil {
		return fmt.Errorf("delete pieces of spool %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM spools WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete spool %s: %w", id, err)
	}
	return nil
}

// fileSpool makes spool s the raw bytes of message msg, in tx: its pieces
// are copied to the message's, sealed again under chunkAD when the store
// has a key, or one inline value for a letter of at most chunkSize (which
// the caller stores: raw, sealed). The spool and its pieces are deleted.
//
// The pieces are copied, never moved by an UPDATE of their owner: SQLite
// keeps the old content of every page a statement rewrites in its
// statement journal, in memory (temp_store), so moving a 28 MB letter held
// 56 MB more at once; new rows and freed pages are not journaled. Nothing of s
// changes in memory, so that when tx is rolled back s is as it was.
func (db *DB) fileSpool(ctx context.Context, tx conn, s *Spool, msg int64) error {
	owner := messageOwner(msg)
	for seq := range s.pieces {
		plain, err := s.storedPiece(ctx, tx, seq)
		if err != nil {
			return err
		}
		piece, _ := db.seal.seal(plain, chunkAD(s.sum, seq))
		if _, err := tx.ExecContext(ctx, "INSERT INTO chunks (owner, seq, data) VALUES (?, ?, ?)", owner, seq, piece); err != nil {
			return fmt.Errorf("copy spool %s piece %d to letter %d: %w", s.id, seq, msg, err)
		}
	}
	return dropSpool(ctx, tx, s.id)
}

// storedPiece reads piece seq of s through c (a transaction, or the
// store's connections), opened.
func (s *Spool) storedPiece(ctx context.Context, c conn, seq int) ([]byte, error) {
	var stored []byte
	err := c.QueryRowContext(ctx, "SELECT data FROM chunks WHERE owner = ? AND seq = ?", spoolOwner(s.id), seq).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("spool %s piece %d: %w", s.id, seq, err)
	}
	plain, err := s.db.seal.open(stored, s.sealed, spoolAD(s.id, seq))
	if err != nil {
		return nil, fmt.Errorf("spool %s piece %d: %w", s.id, seq, err)
	}
	return plain, nil
}

// inlineSpool returns the bytes of a closed spool of at most chunkSize
// (one piece, or none), read in tx.
func (s *Spool) inlineSpool(ctx context.Context, tx conn) ([]byte, error) {
	if s.pieces == 0 {
		return []byte{}, nil
	}
	return s.storedPiece(ctx, tx, 0)
}

// filed reports whether s is ready to be filed: closed, without a failure.
func (s *Spool) filed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return s.err
	case !s.closed || s.sum == "":
		return fmt.Errorf("store: spool %s is not closed", s.id)
	}
	return nil
}

// dropPlainSpools deletes the spools written without a key, with their
// pieces (SealExisting).
func (db *DB) dropPlainSpools(ctx context.Context) error {
	err := db.inScrubbingTx(ctx, func(tx conn) error {
		rows, err := tx.QueryContext(ctx, "SELECT id FROM spools WHERE sealed = 0")
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if err := dropSpool(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete spools written without a key: %w", err)
	}
	return nil
}
