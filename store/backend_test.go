package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/internal/e2e"
	"github.com/ticketd/ticketd/internal/pgtest"
)

// The store's tests run on SQLite, and again on PostgreSQL with
// TICKETD_TEST_POSTGRES=1 ("make test" does both): each test opens its
// store at testLocation, a SQLite file or a new database on a cluster
// started once for the test binary (TestMain).

// testPostgres is set, by TestMain, when the tests run on PostgreSQL.
var testPostgres struct {
	on      bool
	cluster *pgtest.Cluster
	err     error // PostgreSQL was asked for and could not be started
}

func TestMain(m *testing.M) {
	if os.Getenv("TICKETD_TEST_POSTGRES") == "1" {
		testPostgres.on = true
		testPostgres.cluster, testPostgres.err = pgtest.Launch()
	}
	code := m.Run()
	if testPostgres.cluster != nil {
		if err := testPostgres.cluster.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

// testLocation returns where a test's new store goes: a SQLite file named
// name in a temporary directory, or the URL of a new PostgreSQL database.
func testLocation(t testing.TB, name string) string {
	t.Helper()
	if !testPostgres.on {
		return filepath.Join(t.TempDir(), name)
	}
	if testPostgres.err != nil {
		e2e.Unavailable(t, "%v", testPostgres.err)
	}
	return testPostgres.cluster.NewDatabase(t)
}

// onPostgres reports whether the tests run on PostgreSQL.
func onPostgres() bool { return testPostgres.on }

// sqliteOnly skips t on PostgreSQL: it is about what only SQLite has.
func sqliteOnly(t testing.TB, what string) {
	t.Helper()
	if testPostgres.on {
		t.Skip("SQLite only: " + what)
	}
}

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{"SELECT '?' || ? FROM t", "SELECT '?' || $1 FROM t"},
		{`SELECT "a?" FROM t WHERE x = ?`, `SELECT "a?" FROM t WHERE x = $1`},
		{"SELECT 'it''s ?', ? -- why?\n, ?", "SELECT 'it''s ?', $1 -- why?\n, $2"},
		{"SELECT /* ? */ ?", "SELECT /* ? */ $1"},
		{"SELECT ?::bigint[]", "SELECT $1::bigint[]"},
	} {
		if got := (&pgBackend{}).rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/var/lib/ticketd/ticketd.db", "/var/lib/ticketd/ticketd.db"},
		{"postgres://ticketd:s3cret@db.example:5432/ticketd?sslmode=require", "postgres://ticketd:xxxxx@db.example:5432/ticketd?sslmode=require"},
		{"postgresql://ticketd@db/ticketd", "postgresql://ticketd@db/ticketd"},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOpenHidesPassword(t *testing.T) {
	// Nothing listens on port 1: the error must not repeat the password.
	_, err := Open(context.Background(), "postgres://ticketd:s3cret-pw@127.0.0.1:1/ticketd?connect_timeout=2")
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	if got := err.Error(); strings.Contains(got, "s3cret-pw") {
		t.Errorf("Open error %q shows the password", got)
	}
}
