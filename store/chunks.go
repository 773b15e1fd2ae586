package store

import (
	"context"
	"fmt"
	"strconv"
)

// chunkSize is the size of the pieces a large letter or file is stored in.
// The SQLite driver copies a bound value, and SQLite builds its record from
// that copy: storing a 25 MB letter whole held two more copies of it at
// once. In pieces, the extra memory is two pieces.
const chunkSize = 1 << 20

// chunked reports whether data is stored in pieces.
func chunked(data []byte) bool { return len(data) > chunkSize }

// messageOwner and blobOwner name the owner of a value's pieces.
func messageOwner(id int64) string { return "message:" + strconv.FormatInt(id, 10) }
func blobOwner(sum string) string  { return "blob:" + sum }

// chunkAD is what a sealed piece is bound to: the whole value's digest
// and the piece's place, so pieces cannot be swapped or moved.
func chunkAD(sum string, seq int) string { return sum + "#" + strconv.Itoa(seq) }

// putChunks stores data in pieces for owner, each sealed when the store
// has a key, and returns how many.
func (db *DB) putChunks(ctx context.Context, tx conn, owner, sum string, data []byte) (int, error) {
	n := 0
	for off := 0; off < len(data); off += chunkSize {
		piece, _ := db.seal.seal(data[off:min(off+chunkSize, len(data))], chunkAD(sum, n))
		if _, err := tx.ExecContext(ctx, "INSERT INTO chunks (owner, seq, data) VALUES (?, ?, ?)", owner, n, piece); err != nil {
			return n, fmt.Errorf("store %s piece %d: %w", owner, n, err)
		}
		n++
	}
	return n, nil
}

// value returns a stored value: inline, or joined from its pieces.
func (db *DB) value(ctx context.Context, c conn, owner string, inline []byte, pieces int, sealed bool, sum string) ([]byte, error) {
	if pieces == 0 {
		return db.seal.open(inline, sealed, sum)
	}
	rows, err := c.QueryContext(ctx, "SELECT seq, data FROM chunks WHERE owner = ? ORDER BY seq", owner)
	if err != nil {
		return nil, fmt.Errorf("store: pieces of %s: %w", owner, err)
	}
	defer rows.Close()
	var whole []byte
	n := 0
	for rows.Next() {
		var seq int
		var piece []byte
		if err := rows.Scan(&seq, &piece); err != nil {
			return nil, fmt.Errorf("store: pieces of %s: %w", owner, err)
		}
		if seq != n {
			return nil, fmt.Errorf("store: %s: piece %d is missing", owner, n)
		}
		plain, err := db.seal.open(piece, sealed, chunkAD(sum, seq))
		if err != nil {
			return nil, fmt.Errorf("store: %s piece %d: %w", owner, seq, err)
		}
		if whole == nil {
			whole = make([]byte, 0, pieces*chunkSize)
		}
		whole = append(whole, plain...)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pieces of %s: %w", owner, err)
	}
	if n != pieces {
		return nil, fmt.Errorf("store: %s has %d of %d pieces", owner, n, pieces)
	}
	return whole, nil
}
