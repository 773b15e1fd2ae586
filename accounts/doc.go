// Package accounts is who may use the web console and the JSON API: users
// with a role, their passwords (argon2id, in the PHC string format), their
// TOTP second factor (RFC 6238), and API tokens. It decides; the store
// keeps. What it needs of the store it declares as small interfaces
// (Store), which *store.DB satisfies.
//
// Secrets handed out (API tokens, session tokens) are never stored: only
// their SHA-256 is (HashToken). TOTP secrets must be read back to check a
// code, so the store seals them when it has a key.
package accounts
