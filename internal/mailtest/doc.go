// Package mailtest runs real mail servers for ticketd's end-to-end tests and
// its benchmark: a Dovecot IMAP server that ticketd reads letters from, and a
// Mailpit SMTP server that catches the answers ticketd sends.
//
// A Dovecot can also check OAuth2 access tokens (XOAUTH2, OAUTHBEARER) at a
// test's introspection endpoint, and take letters by SMTP submission and
// relay them to a Mailpit: see DovecotOptions.
//
// In a test, StartDovecot and StartMailpit give each server to one test. It
// lives in its own temporary directory, listens on 127.0.0.1 only, and is
// stopped, with every process it started, by t.Cleanup. Tests can stop and
// restart a server to simulate an outage; a restarted server keeps its port
// and its mail. Outside a test, LaunchDovecot and LaunchMailpit start the same
// servers and Close stops them; the package does not import "testing" (see
// TB), so a program that uses it carries no test machinery.
//
// The servers are real programs, not fakes, so they must be installed:
// Dovecot from the Debian package dovecot-imapd (and dovecot-submissiond for
// DovecotOptions.SubmissionRelay), Mailpit with
// "go install github.com/axllent/mailpit@v1.27.11". "make test" installs both.
// When a program is missing, a test that asks for it is skipped, except when
// the environment variable CI is set or TICKETD_E2E=1 (as "make test" sets
// it): then the test fails, so a CI run cannot pass by skipping everything.
// Launch functions return an error wrapping ErrNotInstalled instead.
package mailtest
