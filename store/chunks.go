package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// chunkSize is the size of the pieces a large letter or file is stored in.
// The SQLite driver copies a bound value, and SQLite builds its record from
// that copy: storing a 25 MB letter whole held two more copies of it at
// once. In pieces, the extra memory is two pieces.
const chunkSize = 1 << 20

// inline returns what a row keeps for a value made of slices, with SHA-256
// sum and size bytes: the value itself (sealed when the store has a key)
// and 0 pieces, or, for a value larger than chunkSize, an empty value and
// the number of pieces putChunks stores it in.
func (db *DB) inline(value [][]byte, sum string, size int) (data []byte, sealed bool, pieces int) {
	if size > chunkSize {
		return []byte{}, db.seal != nil, (size + chunkSize - 1) / chunkSize
	}
	data, sealed = db.seal.seal(join(value), sum)
	if data == nil {
		data = []byte{} // raw and data columns are NOT NULL
	}
	return data, sealed, 0
}

// messageOwner and blobOwner name the owner of a value's pieces.
func messageOwner(id int64) string { return "message:" + strconv.FormatInt(id, 10) }
func blobOwner(sum string) string  { return "blob:" + sum }

// chunkAD is what a sealed piece is bound to: the whole value's digest
// and the piece's place, so pieces cannot be swapped or moved.
func chunkAD(sum string, seq int) string { return sum + "#" + strconv.Itoa(seq) }

// putChunks stores a value, given in one or more slices, in pieces of
// chunkSize for owner, each sealed when the store has a key.
func (db *DB) putChunks(ctx context.Context, tx conn, owner, sum string, value [][]byte) error {
	n := 0
	return eachChunk(value, func(chunk []byte) error {
		piece, _ := db.seal.seal(chunk, chunkAD(sum, n))
		if _, err := tx.ExecContext(ctx, "INSERT INTO chunks (owner, seq, data) VALUES (?, ?, ?)", owner, n, piece); err != nil {
			return fmt.Errorf("store %s piece %d: %w", owner, n, err)
		}
		n++
		return nil
	})
}

// eachChunk calls f with the value made of slices, chunkSize bytes at a
// time (the last chunk may be shorter). A chunk inside one slice is that
// slice; one that spans slices is copied into a buffer that f must not
// keep.
func eachChunk(value [][]byte, f func(chunk []byte) error) error {
	var buf []byte
	for _, s := range value {
		for len(s) > 0 {
			if len(buf) == 0 && len(s) >= chunkSize {
				if err := f(s[:chunkSize]); err != nil {
					return err
				}
				s = s[chunkSize:]
				continue
			}
			if buf == nil {
				buf = make([]byte, 0, chunkSize)
			}
			n := min(chunkSize-len(buf), len(s))
			buf, s = append(buf, s[:n]...), s[n:]
			if len(buf) == chunkSize {
				if err := f(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	if len(buf) > 0 {
		return f(buf)
	}
	return nil
}

// digest returns the SHA-256 in hex and the length of a value made of
// slices.
func digest(value [][]byte) (string, int) {
	h := sha256.New()
	n := 0
	for _, s := range value {
		h.Write(s)
		n += len(s)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// size is the length of a value made of slices.
func size(value [][]byte) int {
	n := 0
	for _, s := range value {
		n += len(s)
	}
	return n
}

// join returns a value made of slices as one slice, copying only when there
// is more than one.
func join(value [][]byte) []byte {
	if len(value) == 1 {
		return value[0]
	}
	var out []byte
	for _, s := range value {
		out = append(out, s...)
	}
	return out
}

// value returns a stored value: inline, or joined from its pieces.
//
// The row's flag and its pieces are read by two statements: SealExisting
// may seal the pieces between them. So a value the flag calls plain whose
// pieces do not add up to its SHA-256, in a store with a key, is read
// again as sealed (which AES-GCM checks).
func (db *DB) value(ctx context.Context, c conn, owner string, inline []byte, pieces int, sealed bool, sum string) ([]byte, error) {
	if pieces == 0 {
		return db.seal.open(inline, sealed, sum)
	}
	whole, err := db.pieces(ctx, c, owner, pieces, sealed, sum)
	if err == nil && !sealed && db.seal != nil && sha256Hex(whole) != sum {
		return db.pieces(ctx, c, owner, pieces, true, sum)
	}
	return whole, err
}

// pieces returns a value joined from its pieces.
func (db *DB) pieces(ctx context.Context, c conn, owner string, pieces int, sealed bool, sum string) ([]byte, error) {
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
