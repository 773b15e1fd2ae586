package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// Envelope encryption. The key file (store.key_file) is the master key; it
// never enters the database. What seals letters, files, descriptions,
// notes, TOTP secrets and fields (seal.go, fields.go) is a data key, kept
// in the table data_keys wrapped by the master key (AES-256-GCM, bound to
// the data key's id), beside the fingerprint of the master key that wrapped
// it (KeyFingerprint). So:
//
//   - a new master key (RotateKeyFile, "ticketd keys rotate") re-wraps the
//     data key, in one transaction, and no letter is sealed again;
//   - a wrong key file is told at start by its fingerprint, instead of
//     every sealed row failing to open later;
//   - the search index is hashed with a key derived from the data key
//     (blind.go), so it stays valid across rotations.
//
// One data key, id 1, is enough: every sealed row (the flags sealed,
// description_sealed, totp_sealed, and the sealed_* columns) is sealed
// with data key 1. The table allows more, were rows ever to be sealed
// with a new data key; Unlock reads data key 1 only.
//
// A store that sealed rows before data keys existed (migration 0013)
// sealed them with the key file itself: that key is data key 1, wrapped by
// itself at the first start with it, so that its rows and its search index
// stay valid. Such a data key is also the first key file: rotating the
// master key does not make that file useless to someone who kept it.

// ErrEncrypted is returned when a store that has a data key, or rows
// sealed before data keys existed, is used without a key: a process
// without the key could neither read it nor write to it without storing
// plain rows among sealed ones.
var ErrEncrypted = errors.New("store: the store is encrypted; set store.key_file")

// ErrWrongKey is returned (wrapped in a *WrongKeyError, or with why) when
// the key given does not open the store's data key.
var ErrWrongKey = errors.New("store: store.key_file does not open this store's data key")

// WrongKeyError is a key file whose fingerprint is not the one the
// store's data key was wrapped with. It is ErrWrongKey.
type WrongKeyError struct {
	Want string // fingerprint of the master key that wrapped the data key
	Got  string // fingerprint of the key given
}

// Error names both fingerprints, shortened.
func (e *WrongKeyError) Error() string {
	return fmt.Sprintf("store.key_file does not open this store's data key: it was sealed with key fingerprint %s, and this key's is %s",
		ShortFingerprint(e.Want), ShortFingerprint(e.Got))
}

// Is makes a WrongKeyError ErrWrongKey.
func (e *WrongKeyError) Is(target error) bool { return target == ErrWrongKey }

// masterFingerprintLabel is what a master key's fingerprint is the HMAC
// of.
const masterFingerprintLabel = "ticketd master key fingerprint"

// KeyFingerprint returns the fingerprint of a master key, as data_keys
// keeps it: HMAC-SHA256(key, "ticketd master key fingerprint"), in hex. It
// names a key without giving it away.
func KeyFingerprint(master []byte) string {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(masterFingerprintLabel))
	return hex.EncodeToString(m.Sum(nil))
}

// ShortFingerprint is the first 16 hexadecimal digits of a fingerprint and
// an ellipsis, as messages show it.
func ShortFingerprint(fp string) string {
	if len(fp) <= 16 {
		return fp
	}
	return fp[:16] + "…"
}

// dataKeyAD is what a wrapped data key is bound to: its id.
func dataKeyAD(id int64) string { return "ticketd data key " + strconv.FormatInt(id, 10) }

// dataKeyRow is a row of data_keys.
type dataKeyRow struct {
	id          int64
	wrapped     []byte // nil: the legacy key, not wrapped yet
	fingerprint string
}

// readDataKeys reads every row of data_keys, by id.
func readDataKeys(ctx context.Context, c conn) ([]dataKeyRow, error) {
	rows, err := c.QueryContext(ctx, "SELECT id, wrapped, master_fingerprint FROM data_keys ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read data keys: %w", err)
	}
	defer rows.Close()
	var ks []dataKeyRow
	for rows.Next() {
		var k dataKeyRow
		if err := rows.Scan(&k.id, &k.wrapped, &k.fingerprint); err != nil {
			return nil, fmt.Errorf("read data keys: %w", err)
		}
		ks = append(ks, k)
	}
	return ks, rows.Err()
}

// Unlock gives the store its master key: it unwraps the store's data key,
// with which rows are sealed from now on and sealed rows are opened, and
// from which the search index's key is derived. A store without a data key
// yet gets one (see the package's comment on keys): the legacy key, when
// rows were sealed before, else a random one. A key that does not open the
// data key is a *WrongKeyError.
//
// A nil master means the store is used without a key: that is ErrEncrypted
// when it has a data key, or rows sealed before data keys existed. The
// store's rows written without a key stay readable either way; "ticketd
// keys seal-existing" (SealExisting) seals them.
func (db *DB) Unlock(ctx context.Context, master []byte) error {
	ks, err := readDataKeys(ctx, db.conn())
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if master == nil {
		if len(ks) > 0 {
			return ErrEncrypted
		}
		return nil
	}
	wrapper, err := newSealer(master)
	if err != nil {
		return err
	}
	fp := KeyFingerprint(master)
	if len(ks) == 0 || ks[0].wrapped == nil {
		if err := db.transact(ctx, func(tx conn) error { return db.makeDataKey(ctx, tx, master, wrapper, fp) }); err != nil {
			return err
		}
		if ks, err = readDataKeys(ctx, db.conn()); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	data, err := unwrap(ks[0], wrapper, fp)
	if err != nil {
		return err
	}
	return db.useDataKey(data, fp)
}

// UseKey is Unlock with a background context, for callers that have none.
func (db *DB) UseKey(master []byte) error { return db.Unlock(context.Background(), master) }

// unwrap opens data key k with the master key of fingerprint fp.
func unwrap(k dataKeyRow, wrapper *sealer, fp string) ([]byte, error) {
	if k.id != 1 {
		return nil, fmt.Errorf("store: the store has no data key 1 (its first is %d)", k.id)
	}
	if k.fingerprint != fp {
		return nil, &WrongKeyError{Want: k.fingerprint, Got: fp}
	}
	data, err := wrapper.open(k.wrapped, true, dataKeyAD(k.id))
	if err != nil {
		return nil, fmt.Errorf("%w: data key %d does not open with the key of its fingerprint %s: %w", ErrWrongKey, k.id, ShortFingerprint(fp), err)
	}
	if len(data) != KeySize {
		return nil, fmt.Errorf("store: data key %d is %d bytes, want %d", k.id, len(data), KeySize)
	}
	return data, nil
}

// useDataKey makes data the key that seals and opens rows, and derives the
// search index's key from it.
func (db *DB) useDataKey(data []byte, fp string) error {
	s, err := newSealer(data)
	if err != nil {
		return err
	}
	db.seal = s
	db.index = newBlindIndex(data)
	db.masterFingerprint = fp
	return nil
}

// makeDataKey stores data key 1 in tx, wrapped by master, unless another
// process stored it meanwhile: the legacy key when the store holds rows
// sealed before data keys existed (its row is there, not wrapped yet), and
// a random key otherwise.
func (db *DB) makeDataKey(ctx context.Context, tx conn, master []byte, wrapper *sealer, fp string) error {
	ks, err := readDataKeys(ctx, tx)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	now := millis(db.now())
	switch {
	case len(ks) == 0:
		data := make([]byte, KeySize)
		rand.Read(data)
		wrapped, _ := wrapper.seal(data, dataKeyAD(1))
		if _, err := tx.ExecContext(ctx, "INSERT INTO data_keys (id, wrapped, master_fingerprint, created_at) VALUES (1, ?, ?, ?)",
			wrapped, fp, now); err != nil {
			return fmt.Errorf("store: store data key 1: %w", err)
		}
		return nil
	case ks[0].wrapped != nil:
		return nil // made meanwhile
	}
	if err := openLegacy(ctx, tx, wrapper); err != nil {
		return err
	}
	wrapped, _ := wrapper.seal(master, dataKeyAD(1))
	if _, err := tx.ExecContext(ctx, "UPDATE data_keys SET wrapped = ?, master_fingerprint = ?, created_at = ? WHERE id = 1 AND wrapped IS NULL",
		wrapped, fp, now); err != nil {
		return fmt.Errorf("store: wrap data key 1: %w", err)
	}
	return nil
}

// errLegacyKey: the key given does not open the rows the store sealed
// before data keys existed.
var errLegacyKey = fmt.Errorf("%w: it does not open the rows this store sealed before it kept data keys; they were sealed with another key file", ErrWrongKey)

// openLegacy checks that s opens one of the rows sealed before data keys
// existed: a description, a note, a TOTP secret, a letter or a file, the
// first found. When there is none, nothing needs the legacy key, and it
// serves as well as any.
func openLegacy(ctx context.Context, tx conn, s *sealer) error {
	probes := []struct {
		query string
		ad    func(id, other int64, sum string) string
	}{
		{"SELECT id, 0, '', sealed_description FROM tickets WHERE description_sealed <> 0 LIMIT 1",
			func(int64, int64, string) string { return descriptionAD }},
		{"SELECT id, ticket_id, '', sealed_text FROM notes WHERE sealed <> 0 LIMIT 1",
			func(id, ticket int64, _ string) string { return noteAD(id, ticket) }},
		{"SELECT id, 0, '', totp_secret FROM users WHERE totp_sealed <> 0 LIMIT 1",
			func(id, _ int64, _ string) string { return totpAD(id) }},
		{`SELECT id, chunks, raw_sha256, CASE WHEN chunks = 0 THEN raw ELSE
			(SELECT data FROM chunks WHERE owner = 'message:' || messages.id AND seq = 0) END FROM messages WHERE sealed <> 0 LIMIT 1`,
			legacyValueAD},
		{`SELECT rowid, chunks, sha256, CASE WHEN chunks = 0 THEN data ELSE
			(SELECT data FROM chunks WHERE owner = 'blob:' || blobs.sha256 AND seq = 0) END FROM blobs WHERE sealed <> 0 LIMIT 1`,
			legacyValueAD},
	}
	for _, p := range probes {
		var id, other int64
		var sum string
		var stored []byte
		err := tx.QueryRowContext(ctx, p.query).Scan(&id, &other, &sum, &stored)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: look for a sealed row: %w", err)
		}
		if _, err := s.open(stored, true, p.ad(id, other, sum)); err != nil {
			return errLegacyKey
		}
		return nil
	}
	return nil
}

// legacyValueAD is the associated data of a letter's or file's value as
// openLegacy reads it: the whole value's, or its first piece's.
func legacyValueAD(_, pieces int64, sum string) string {
	if pieces > 0 {
		return chunkAD(sum, 0)
	}
	return sum
}
