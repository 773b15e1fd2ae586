-- OAuth2 accounts (issue 16): see SQLite's twin,
-- store/migrations/0020_oauth_tokens.sql.
CREATE TABLE oauth_tokens (
    account       TEXT    PRIMARY KEY,
    refresh_token BYTEA   NOT NULL,
    sealed        INTEGER NOT NULL DEFAULT 0,
    access_expiry BIGINT,
    refreshed_at  BIGINT,
    saved_at      BIGINT  NOT NULL,
    failure       TEXT    NOT NULL DEFAULT '',
    failed_at     BIGINT
);
