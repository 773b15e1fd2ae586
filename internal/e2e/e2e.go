// Package e2e says whether ticketd's end-to-end tests must run here: in CI
// (CI set) and under "make test" (TICKETD_E2E=1) a missing server, browser
// or tool fails them; elsewhere, a plain "go test ./..." on a machine
// without them, they are skipped, saying why.
package e2e

import (
	"fmt"
	"os"
	"testing"
)

// Required reports whether the end-to-end tests must run here instead of
// being skipped.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv("TICKETD_E2E") == "1"
}

// Unavailable stops t because something an end-to-end test needs is
// missing: it fails where the tests must run (Required) and skips
// elsewhere, with the reason either way.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	why := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatal(why)
	}
	t.Skip(why)
}
