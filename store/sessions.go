package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sessions and API tokens are kept by the SHA-256 of the value the user
// holds (the accounts package computes it): a copy of the database gives
// no one a way in.

// AddToken stores the SHA-256 of a new API token of user name, recording
// the event user.token by actor. A disabled user is ErrDisabled.
func (db *DB) AddToken(ctx context.Context, name string, hash []byte, actor string) error {
	return db.inTx(ctx, func(tx conn) error {
		id, err := activeUserID(ctx, tx, name)
		if err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, "INSERT INTO api_tokens (id, user_id, created_at) VALUES (?, ?, ?)",
			hash, id, millis(now)); err != nil {
			return fmt.Errorf("store: add token of %s: %w", name, err)
		}
		return appendEvent(ctx, tx, 0, now, actor, "user.token", name)
	})
}

// UserByToken returns the user holding the API token with SHA-256 hash. A
// token unknown, revoked, or of a disabled user is ErrNotFound.
func (db *DB) UserByToken(ctx context.Context, hash []byte) (User, error) {
	u, err := scanUser(db.conn().QueryRowContext(ctx, "SELECT "+userColumnsOf("u.")+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ? AND t.revoked_at IS NULL AND u.disabled = 0", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("store: token: %w", ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: token: %w", err)
	}
	return u, nil
}

// CreateSession stores a new session of user name under the SHA-256 of its
// token. A disabled user is ErrDisabled.
func (db *DB) CreateSession(ctx context.Context, name string, hash []byte) error {
	return db.inTx(ctx, func(tx conn) error {
		id, err := activeUserID(ctx, tx, name)
		if err != nil {
			return err
		}
		now := millis(db.now())
		if _, err := tx.ExecContext(ctx, "INSERT INTO sessions (id, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
			hash, id, now, now); err != nil {
			return fmt.Errorf("store: create session of %s: %w", name, err)
		}
		return nil
	})
}

// SessionUser returns the user of the session with SHA-256 hash and marks
// the session seen now. A session unknown, revoked, idle for longer than
// idle, or of a disabled user is ErrNotFound.
func (db *DB) SessionUser(ctx context.Context, hash []byte, idle time.Duration) (User, error) {
	var u User
	err := db.inTx(ctx, func(tx conn) error {
		now := db.now()
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userColumnsOf("u.")+
			` FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.id = ? AND s.revoked_at IS NULL AND u.disabled = 0 AND s.last_seen_at >= ?`,
			hash, millis(now.Add(-idle))))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: session: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", millis(now), hash); err != nil {
			return fmt.Errorf("store: session: %w", err)
		}
		return nil
	})
	return u, err
}

// RevokeSession ends the session with SHA-256 hash; ending one already
// ended or unknown is no error.
func (db *DB) RevokeSession(ctx context.Context, hash []byte) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
			millis(db.now()), hash); err != nil {
			return fmt.Errorf("store: revoke session: %w", err)
		}
		return nil
	})
}
