package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// UseKeyFile unlocks the store (Unlock) with the master key in the key
// file at path, or, when path is "", checks that the store may be used
// without a key. A key file that does not open the store's data key, while
// path+".new" does, means "ticketd keys rotate" stopped after the store
// took the new key and before the file was put in place: the error says to
// move it there.
func (db *DB) UseKeyFile(ctx context.Context, path string) error {
	if path == "" {
		return db.Unlock(ctx, nil)
	}
	master, err := ReadKey(path)
	if err != nil {
		return err
	}
	err = db.Unlock(ctx, master)
	if !errors.Is(err, ErrWrongKey) {
		return err
	}
	if pending := pendingKeyFile(path); pending != "" && db.opens(ctx, pending) {
		return fmt.Errorf("%w\n%s does open it: \"ticketd keys rotate\" stopped after the store took that new key and before "+
			"it was put in place of %s. Move it there (mv %s %s), then start again", err, pending, path, pending, path)
	}
	return err
}

// pendingKeyFile is where RotateKeyFile writes the new key of the key file
// at path before the store takes it; "" when there is no such file.
func pendingKeyFile(path string) string {
	pending := path + ".new"
	if _, err := os.Stat(pending); err != nil {
		return ""
	}
	return pending
}

// opens reports whether the key file at path opens the store's data key,
// without using it.
func (db *DB) opens(ctx context.Context, path string) bool {
	master, err := ReadKey(path)
	if err != nil {
		return false
	}
	ks, err := readDataKeys(ctx, db.conn())
	if err != nil || len(ks) == 0 || ks[0].wrapped == nil {
		return false
	}
	wrapper, err := newSealer(master)
	if err != nil {
		return false
	}
	_, err = unwrap(ks[0], wrapper, KeyFingerprint(master))
	return err == nil
}

// Rotation is what RotateKeyFile did: the fingerprints of the master key
// before and after.
type Rotation struct {
	Old, New string
}

// RotateKeyFile replaces the master key in the key file at path, which
// the store was unlocked with (UseKeyFile), with a new random one, and
// re-wraps the store's data keys with it in one transaction: no row is
// sealed again. It records the event keys.rotated by actor, with both
// fingerprints. Daemons running meanwhile go on with the data key they
// hold; they read the new file when they start.
//
// The new key is written to path+".new" (mode 0600) and synced with its
// directory inside the transaction, once it holds the write lock and has
// seen that the data keys are wrapped by the old key: so a store holding
// the new key always has a file that holds it too, and two rotations at
// once cannot write over each other's file (the second finds the data key
// re-wrapped, and stops). After the commit the file is renamed over path
// and the directory synced. If the process dies between the commit and the
// rename, the next start (UseKeyFile) says to move the new file into
// place.
func (db *DB) RotateKeyFile(ctx context.Context, path, actor string) (Rotation, error) {
	return db.rotateKeyFile(ctx, path, actor, nil)
}

// rotateKeyFile is RotateKeyFile; afterCommit, when not nil, runs between
// the commit and the rename, and stops the rotation there when it returns
// an error (tests use it as a crash).
func (db *DB) rotateKeyFile(ctx context.Context, path, actor string, afterCommit func() error) (Rotation, error) {
	old, err := ReadKey(path)
	if err != nil {
		return Rotation{}, err
	}
	r := Rotation{Old: KeyFingerprint(old)}
	if db.masterFingerprint == "" {
		return r, errors.New("store: rotate the key: the store is not unlocked with a key")
	}
	if r.Old != db.masterFingerprint {
		return r, fmt.Errorf("store: rotate the key: %s (fingerprint %s) is not the key the store was opened with (%s)",
			path, ShortFingerprint(r.Old), ShortFingerprint(db.masterFingerprint))
	}
	master := make([]byte, KeySize)
	rand.Read(master)
	r.New = KeyFingerprint(master)
	pending := path + ".new"
	wrote := false
	keep := func() error {
		err := writeKeyFile(pending, master) // which removes what it could not write whole
		wrote = err == nil
		return err
	}
	if err := db.rewrap(ctx, old, master, actor, keep); err != nil {
		if wrote {
			// A commit that failed may yet be found in the write-ahead
			// log at the next start: the new key stays where that start
			// looks for it.
			return r, fmt.Errorf("%w; the new key is left in %s: should %s no longer open the store, ticketd will say to move it there",
				err, pending, path)
		}
		return r, err
	}
	db.masterFingerprint = r.New
	if afterCommit != nil {
		if err := afterCommit(); err != nil {
			return r, err
		}
	}
	if err := os.Rename(pending, path); err != nil {
		return r, fmt.Errorf("store: the store now takes the key in %s, but it could not be put in place of %s: %w (move it there by hand)",
			pending, path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return r, fmt.Errorf("store: the new key is in %s, but its directory could not be synced: %w", path, err)
	}
	return r, nil
}

// writeKeyFile writes master, in hex, to a new file at path, readable by
// its owner only, and syncs the file and its directory.
func writeKeyFile(path string, master []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("store: write the new key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(master) + "\n")
	if err == nil {
		err = f.Chmod(0o600) // a file left by an earlier attempt keeps its mode
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("store: write the new key to %s: %w", path, err)
	}
	return nil
}

// syncDir makes the entries of directory dir (a file created or renamed
// in it) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// rewrap wraps every data key, wrapped now by old, with master instead, in
// one transaction that is on disk when it returns (durably), and records
// the event keys.rotated. It calls keep in the transaction, once it has
// seen that every data key is wrapped by old and before it changes any:
// an error from keep stops it.
func (db *DB) rewrap(ctx context.Context, old, master []byte, actor string, keep func() error) error {
	oldWrapper, err := newSealer(old)
	if err != nil {
		return err
	}
	wrapper, err := newSealer(master)
	if err != nil {
		return err
	}
	oldFP, fp := KeyFingerprint(old), KeyFingerprint(master)
	err = db.inDurableTx(ctx, func(tx conn) error {
		ks, err := readDataKeys(ctx, tx)
		if err != nil {
			return err
		}
		if len(ks) == 0 {
			return errors.New("the store has no data key")
		}
		for _, k := range ks {
			if k.fingerprint != oldFP {
				return fmt.Errorf("data key %d was re-wrapped meanwhile, with the key of fingerprint %s (another rotation?)",
					k.id, ShortFingerprint(k.fingerprint))
			}
		}
		if err := keep(); err != nil {
			return err
		}
		for _, k := range ks {
			data, err := oldWrapper.open(k.wrapped, true, dataKeyAD(k.id))
			if err != nil {
				return fmt.Errorf("data key %d: %w", k.id, err)
			}
			wrapped, _ := wrapper.seal(data, dataKeyAD(k.id))
			if _, err := tx.ExecContext(ctx, "UPDATE data_keys SET wrapped = ?, master_fingerprint = ? WHERE id = ?",
				wrapped, fp, k.id); err != nil {
				return fmt.Errorf("data key %d: %w", k.id, err)
			}
		}
		return appendEvent(ctx, tx, 0, db.now(), actor, "keys.rotated", "master key fingerprint "+oldFP+" → "+fp)
	})
	if err != nil {
		return fmt.Errorf("store: re-wrap the data keys: %w", err)
	}
	return nil
}
