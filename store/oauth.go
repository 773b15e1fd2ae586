package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OAuth2 accounts (migration 0020): the mailboxes and the SMTP server that
// log in with a token keep their refresh token here, one row per account
// ("imap:<mailbox>", "smtp"). With a key the refresh token is sealed,
// bound to its account, and never written in the clear. The access token
// is not stored: it lives in the daemon's memory (package oauth).

// OAuthToken is an account's token as stored.
type OAuthToken struct {
	Account string
	// RefreshToken is the secret that buys access tokens; OAuthTokens
	// leaves it empty.
	RefreshToken string
	// AccessExpiry is when the last access token obtained expires; zero
	// when the server did not say.
	AccessExpiry time.Time
	// RefreshedAt is when a token was last obtained (a refresh or a
	// login); SavedAt is when the row was last written by either.
	RefreshedAt time.Time
	SavedAt     time.Time
	// Failure says why the last refresh failed and FailedAt when; "" and
	// zero when the last attempt succeeded.
	Failure  string
	FailedAt time.Time
}

// oauthAD is the associated data that binds a sealed refresh token to its
// account: moved to another row, it does not open.
func oauthAD(account string) string { return "oauth refresh token " + account }

// SaveOAuthToken stores a refresh token obtained by a refresh, with the
// expiry of its access token, and clears the account's failure. It reports
// whether the account was failing: it then records an "oauth.recovered"
// event (actor "daemon") in the same transaction.
func (db *DB) SaveOAuthToken(ctx context.Context, account string, tok OAuthToken) (recovered bool, err error) {
	err = db.inTx(ctx, func(tx conn) error {
		var failure string
		err := tx.QueryRowContext(ctx, "SELECT failure FROM oauth_tokens WHERE account = ?", account).Scan(&failure)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := db.saveOAuth(ctx, tx, account, tok); err != nil {
			return err
		}
		if failure == "" {
			return nil
		}
		recovered = true
		return appendEvent(ctx, tx, 0, db.now(), "daemon", "oauth.recovered", "account "+account)
	})
	if err != nil {
		return false, fmt.Errorf("store: save oauth token of %s: %w", account, err)
	}
	return recovered, nil
}

// SaveOAuthLogin stores the token a login obtained ("ticketd oauth login"),
// replacing the account's, clears its failure, and records an
// "oauth.login" event by actor.
func (db *DB) SaveOAuthLogin(ctx context.Context, account string, tok OAuthToken, actor string) error {
	err := db.inTx(ctx, func(tx conn) error {
		if err := db.saveOAuth(ctx, tx, account, tok); err != nil {
			return err
		}
		return appendEvent(ctx, tx, 0, db.now(), actor, "oauth.login", "account "+account)
	})
	if err != nil {
		return fmt.Errorf("store: save oauth login of %s: %w", account, err)
	}
	return nil
}

// saveOAuth writes the account's row in tx, sealing the refresh token when
// the store has a key.
func (db *DB) saveOAuth(ctx context.Context, tx conn, account string, tok OAuthToken) error {
	if tok.RefreshToken == "" {
		return errors.New("no refresh token")
	}
	stored, sealed := db.seal.seal([]byte(tok.RefreshToken), oauthAD(account))
	now := millis(db.now())
	var expiry sql.NullInt64
	if !tok.AccessExpiry.IsZero() {
		expiry = sql.NullInt64{Int64: millis(tok.AccessExpiry), Valid: true}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO oauth_tokens (account, refresh_token, sealed, access_expiry, refreshed_at, saved_at, failure, failed_at)
		VALUES (?, ?, ?, ?, ?, ?, '', NULL)
		ON CONFLICT (account) DO UPDATE SET refresh_token = excluded.refresh_token, sealed = excluded.sealed,
		access_expiry = excluded.access_expiry, refreshed_at = excluded.refreshed_at, saved_at = excluded.saved_at,
		failure = '', failed_at = NULL`,
		account, stored, boolInt(sealed), expiry, now, now)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// OAuthToken returns the account's stored token, its refresh token opened;
// ErrNotFound when the account never logged in, ErrNoKey when it is sealed
// and the store has no key.
func (db *DB) OAuthToken(ctx context.Context, account string) (OAuthToken, error) {
	row := db.conn().QueryRowContext(ctx, "SELECT "+oauthColumns+", refresh_token, sealed FROM oauth_tokens WHERE account = ?", account)
	var stored []byte
	var sealed int
	tok, err := scanOAuth(row, &stored, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return OAuthToken{}, fmt.Errorf("store: oauth token of %s: %w", account, ErrNotFound)
	}
	if err != nil {
		return OAuthToken{}, fmt.Errorf("store: oauth token of %s: %w", account, err)
	}
	plain, err := db.seal.open(stored, sealed != 0, oauthAD(account))
	if err != nil {
		return OAuthToken{}, fmt.Errorf("store: oauth token of %s: %w", account, err)
	}
	tok.RefreshToken = string(plain)
	return tok, nil
}

// OAuthTokens lists every account's token without its refresh token, by
// account, for "ticketd oauth status" and /healthz.
func (db *DB) OAuthTokens(ctx context.Context) ([]OAuthToken, error) {
	rows, err := db.conn().QueryContext(ctx, "SELECT "+oauthColumns+" FROM oauth_tokens ORDER BY account")
	if err != nil {
		return nil, fmt.Errorf("store: oauth tokens: %w", err)
	}
	defer rows.Close()
	var toks []OAuthToken
	for rows.Next() {
		tok, err := scanOAuth(rows)
		if err != nil {
			return nil, fmt.Errorf("store: oauth tokens: %w", err)
		}
		toks = append(toks, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: oauth tokens: %w", err)
	}
	return toks, nil
}

// RecordOAuthFailure records why the account's refresh failed. It reports
// whether the account was not failing before (first): only then does it
// record an "oauth.failed" event (actor "daemon"), so a failure that
// lasts is one event, however often it is retried. An account without a
// row gets none (there is nothing to refresh: it must log in) and first is
// false. reason must hold no secret.
func (db *DB) RecordOAuthFailure(ctx context.Context, account, reason string) (first bool, err error) {
	if reason == "" {
		reason = "refresh failed"
	}
	err = db.inTx(ctx, func(tx conn) error {
		var failure string
		err := tx.QueryRowContext(ctx, "SELECT failure FROM oauth_tokens WHERE account = ?", account).Scan(&failure)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, "UPDATE oauth_tokens SET failure = ?, failed_at = ? WHERE account = ?", reason, millis(now), account); err != nil {
			return err
		}
		if failure != "" {
			return nil
		}
		first = true
		return appendEvent(ctx, tx, 0, now, "daemon", "oauth.failed", "account "+account+": "+reason)
	})
	if err != nil {
		return false, fmt.Errorf("store: record oauth failure of %s: %w", account, err)
	}
	return first, nil
}

// oauthColumns are the columns scanOAuth reads first.
const oauthColumns = "account, access_expiry, refreshed_at, saved_at, failure, failed_at"

func scanOAuth(s scanner, extra ...any) (OAuthToken, error) {
	var tok OAuthToken
	var expiry, refreshed, failed sql.NullInt64
	var saved int64
	dest := append([]any{&tok.Account, &expiry, &refreshed, &saved, &tok.Failure, &failed}, extra...)
	if err := s.Scan(dest...); err != nil {
		return OAuthToken{}, err
	}
	tok.AccessExpiry, tok.RefreshedAt, tok.FailedAt = nullTime(expiry), nullTime(refreshed), nullTime(failed)
	tok.SavedAt = fromMillis(saved)
	return tok, nil
}

// OAuthEvents returns the events of OAuth2 accounts (oauth.login,
// oauth.failed, oauth.recovered), oldest first.
func (db *DB) OAuthEvents(ctx context.Context) ([]Event, error) {
	rows, err := db.conn().QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE ticket_id IS NULL AND action LIKE 'oauth.%' ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: oauth events: %w", err)
	}
	es, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("store: oauth events: %w", err)
	}
	return es, nil
}

// SealOAuthTokens seals the refresh tokens stored before the store had a
// key, and reports how many; without a key it does nothing. (A refresh
// or a login seals its account's anyway.) "ticketd keys seal-existing"
// calls it.
func (db *DB) SealOAuthTokens(ctx context.Context) (int, error) {
	if db.seal == nil {
		return 0, nil
	}
	n := 0
	err := db.inTx(ctx, func(tx conn) error {
		rows, err := tx.QueryContext(ctx, "SELECT account, refresh_token FROM oauth_tokens WHERE sealed = 0 ORDER BY account")
		if err != nil {
			return err
		}
		plain := map[string][]byte{}
		for rows.Next() {
			var account string
			var rt []byte
			if err := rows.Scan(&account, &rt); err != nil {
				rows.Close()
				return err
			}
			plain[account] = rt
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for account, rt := range plain {
			stored, _ := db.seal.seal(rt, oauthAD(account))
			if _, err := tx.ExecContext(ctx, "UPDATE oauth_tokens SET refresh_token = ?, sealed = 1 WHERE account = ? AND sealed = 0", stored, account); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: seal oauth tokens: %w", err)
	}
	return n, nil
}
