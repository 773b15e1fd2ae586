package mailtest

import (
	"errors"

	"github.com/ticketd/ticketd/internal/e2e"
)

// TB is the part of testing.TB that mailtest uses; *testing.T, *testing.B
// and *testing.F satisfy it. mailtest names it itself so that a program that
// launches servers outside a test (ticketd's benchmark) does not link the
// testing package.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Skip(args ...any)
}

// fatalOrSkip ends the test over a server that could not start: it skips the
// test when the server is not installed and missing servers may be skipped
// (see the package doc), and fails it otherwise.
func fatalOrSkip(t TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) && !e2e.Required() {
		t.Skip(err)
	}
	t.Fatal(err)
}
