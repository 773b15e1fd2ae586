package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrDisabled is returned when a disabled user would be given a session or
// an API token.
var ErrDisabled = errors.New("store: user is disabled")

// ErrExists is returned when a row to add already exists, such as a user
// under a name already taken.
var ErrExists = errors.New("store: already exists")

// User is an account of the web console. The store keeps what it is given:
// the accounts package hashes passwords and checks roles.
type User struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"`
	HasTOTP      bool      `json:"has_totp"`
	TOTPSecret   string    `json:"-"` // read by User only; empty in lists
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
}

// NewUser is a user to add.
type NewUser struct {
	Name         string
	Role         string
	PasswordHash string
}

// userColumnsOf lists the columns scanUser reads, each prefixed with p (a
// table alias and a dot, or nothing).
func userColumnsOf(p string) string {
	return p + "id, " + p + "name, " + p + "role, " + p + "password_hash, " + p + "totp_secret IS NOT NULL, " +
		p + "disabled, " + p + "created_at"
}

// totpAD is the associated data of a sealed TOTP secret: it names the user's
// row, so a sealed secret cannot be copied to another user unnoticed.
func totpAD(userID int64) string { return "user totp secret " + strconv.FormatInt(userID, 10) }

func scanUser(s scanner) (User, error) {
	var u User
	var created int64
	err := s.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.HasTOTP, &u.Disabled, &created)
	u.CreatedAt = fromMillis(created)
	return u, err
}

// AddUser adds a user, recording the event user.added by actor. A name
// already taken is ErrExists.
func (db *DB) AddUser(ctx context.Context, nu NewUser, actor string) (User, error) {
	var u User
	err := db.inTx(ctx, func(tx conn) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE name = ?", nu.Name).Scan(&n); err != nil {
			return fmt.Errorf("store: add user %s: %w", nu.Name, err)
		}
		if n > 0 {
			return fmt.Errorf("store: add user %s: %w", nu.Name, ErrExists)
		}
		now := db.now()
		var id int64
		err := tx.QueryRowContext(ctx, "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			nu.Name, nu.Role, nu.PasswordHash, millis(now)).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: add user %s: %w", nu.Name, err)
		}
		u = User{ID: id, Name: nu.Name, Role: nu.Role, PasswordHash: nu.PasswordHash, CreatedAt: fromMillis(millis(now))}
		return appendEvent(ctx, tx, 0, now, actor, "user.added", nu.Name+" as "+nu.Role)
	})
	return u, err
}

// User returns the user called name with its TOTP secret opened, or
// ErrNotFound. A sealed secret read without the key is ErrNoKey.
func (db *DB) User(ctx context.Context, name string) (User, error) {
	var secret []byte
	var sealed bool
	u, err := scanUser(scanAlso(db.conn().QueryRowContext(ctx,
		"SELECT "+userColumnsOf("")+", totp_secret, totp_sealed FROM users WHERE name = ?", name), &secret, &sealed))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("store: user %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: user %s: %w", name, err)
	}
	if u.HasTOTP {
		plain, err := db.seal.open(secret, sealed, totpAD(u.ID))
		if err != nil {
			return u, fmt.Errorf("store: user %s: totp secret: %w", name, err)
		}
		u.TOTPSecret = string(plain)
	}
	return u, nil
}

// Users lists every user by name, without TOTP secrets.
func (db *DB) Users(ctx context.Context) ([]User, error) {
	rows, err := db.conn().QueryContext(ctx, "SELECT "+userColumnsOf("")+" FROM users ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	return us, nil
}

// SetPassword replaces the password hash of user name, recording the event
// user.password by actor.
func (db *DB) SetPassword(ctx context.Context, name, passwordHash, actor string) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := userID(ctx, tx, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE name = ?", passwordHash, name); err != nil {
			return fmt.Errorf("store: set password of %s: %w", name, err)
		}
		return appendEvent(ctx, tx, 0, db.now(), actor, "user.password", name)
	})
}

// SetTOTP stores the TOTP secret of user name, sealed when the store has a
// key, recording the event user.totp by actor.
func (db *DB) SetTOTP(ctx context.Context, name, secret, actor string) error {
	return db.inTx(ctx, func(tx conn) error {
		id, err := userID(ctx, tx, name)
		if err != nil {
			return err
		}
		stored, sealed := db.seal.seal([]byte(secret), totpAD(id))
		if _, err := tx.ExecContext(ctx, "UPDATE users SET totp_secret = ?, totp_sealed = ?, totp_last_step = NULL WHERE id = ?", stored, sealed, id); err != nil {
			return fmt.Errorf("store: set totp of %s: %w", name, err)
		}
		return appendEvent(ctx, tx, 0, db.now(), actor, "user.totp", name)
	})
}

// UseTOTPStep records that user name logged in with the TOTP code of time
// step, and reports whether that step is later than any used before: a
// code seen once is refused after, even within its 30 seconds.
func (db *DB) UseTOTPStep(ctx context.Context, name string, step int64) (bool, error) {
	var fresh bool
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = ?
			WHERE name = ? AND (totp_last_step IS NULL OR totp_last_step < ?)`, step, name, step)
		if err != nil {
			return fmt.Errorf("store: use totp step of %s: %w", name, err)
		}
		n, err := res.RowsAffected()
		fresh = n == 1
		if err != nil {
			return fmt.Errorf("store: use totp step of %s: %w", name, err)
		}
		return nil
	})
	return fresh, err
}

// DisableUser disables user name and, in the same transaction, revokes
// every session and API token the user holds, recording the event
// user.disabled by actor.
func (db *DB) DisableUser(ctx context.Context, name, actor string) error {
	return db.inTx(ctx, func(tx conn) error {
		id, err := userID(ctx, tx, name)
		if err != nil {
			return err
		}
		now := millis(db.now())
		if _, err := tx.ExecContext(ctx, "UPDATE users SET disabled = 1 WHERE id = ?", id); err != nil {
			return fmt.Errorf("store: disable user %s: %w", name, err)
		}
		for _, table := range []string{"sessions", "api_tokens"} {
			if _, err := tx.ExecContext(ctx, "UPDATE "+table+" SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
				now, id); err != nil {
				return fmt.Errorf("store: disable user %s: revoke %s: %w", name, table, err)
			}
		}
		return appendEvent(ctx, tx, 0, fromMillis(now), actor, "user.disabled", name)
	})
}

// userID returns the id of user name, or ErrNotFound.
func userID(ctx context.Context, tx conn, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE name = ?", name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: user %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: user %s: %w", name, err)
	}
	return id, nil
}

// activeUserID returns the id of user name, ErrNotFound, or ErrDisabled.
func activeUserID(ctx context.Context, tx conn, name string) (int64, error) {
	var id int64
	var disabled bool
	err := tx.QueryRowContext(ctx, "SELECT id, disabled FROM users WHERE name = ?", name).Scan(&id, &disabled)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("store: user %s: %w", name, ErrNotFound)
	case err != nil:
		return 0, fmt.Errorf("store: user %s: %w", name, err)
	case disabled:
		return 0, fmt.Errorf("store: user %s: %w", name, ErrDisabled)
	}
	return id, nil
}

// scanAlso is a scanner that scans a row into the destinations it is given
// and then into extra.
func scanAlso(s scanner, extra ...any) scanner { return alsoScanner{s, extra} }

type alsoScanner struct {
	s     scanner
	extra []any
}

// Scan scans the row into dest, then into the extra destinations.
func (a alsoScanner) Scan(dest ...any) error { return a.s.Scan(append(dest, a.extra...)...) }
