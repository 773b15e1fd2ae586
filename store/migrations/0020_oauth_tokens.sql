-- OAuth2 accounts (issue 16): one row per account that logs in with a token
-- ("imap:<mailbox>", "smtp"). The refresh token is sealed with the data key
-- when the store has one (sealed = 1; bound to the account), else kept as
-- is. The access token is never stored: the daemon keeps it in memory.
-- failure and failed_at say why the last refresh failed ('' and NULL once
-- one succeeds or a new login is saved). PostgreSQL's twin is
-- store/pgmigrations/0020_oauth_tokens.sql.
CREATE TABLE oauth_tokens (
    account       TEXT    PRIMARY KEY,
    refresh_token BLOB    NOT NULL,
    sealed        INTEGER NOT NULL DEFAULT 0,
    access_expiry INTEGER,
    refreshed_at  INTEGER,
    saved_at      INTEGER NOT NULL,
    failure       TEXT    NOT NULL DEFAULT '',
    failed_at     INTEGER
);
