-- Accounts of the web console: users with a role, a password hash (argon2id,
-- PHC string), an optional TOTP secret (sealed like letters when a key is
-- set), and the sessions and API tokens they hold. Sessions and tokens are
-- kept by the SHA-256 of what the user holds, never the value itself.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('operator', 'auditor', 'admin')),
    password_hash TEXT    NOT NULL,
    totp_secret   BLOB,
    totp_sealed   BOOLEAN NOT NULL DEFAULT 0,
    totp_last_step INTEGER, -- the last TOTP time step accepted: a code is good once
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id           BLOB    PRIMARY KEY, -- SHA-256 of the session token
    user_id      INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id         BLOB    PRIMARY KEY, -- SHA-256 of the bearer token
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
