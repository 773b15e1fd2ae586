// Package pgtest starts throwaway PostgreSQL clusters for tests, the way
// internal/mailtest starts Dovecot and Mailpit: Debian's initdb makes a
// cluster in a temporary directory, postgres serves it on a free loopback
// port with its socket in that directory, and the cluster is stopped and
// removed when the test (or the test binary) ends. Durability is turned
// off (fsync, synchronous_commit, full_page_writes): a test cluster lives
// for one run.
//
// initdb and postgres refuse to run as root; as root, both run as the
// "postgres" system user that Debian's package creates, and the directory
// is given to that user.
//
// When PostgreSQL is not installed, StartTB stops the test through
// internal/e2e: it fails under "make test" and in CI, and skips elsewhere.
package pgtest
