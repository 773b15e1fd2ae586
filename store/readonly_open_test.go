package store

import (
	"context"
	"os/exec"
	"testing"

	"github.com/ticketd/ticketd/internal/e2e"
)

// TestWritesAfterReadOnlyOpen makes the database file immutable while a
// connection is opened, which SQLite then opens read-only without saying
// so, and checks that writes work again at once when the file is writable
// again, not after connLifetime. Needs chattr +i (root, ext4 or the like);
// under make test and in CI it must run.
func TestWritesAfterReadOnlyOpen(t *testing.T) {
	sqliteOnly(t, "a database file made immutable")
	ctx := context.Background()
	path := testLocation(t, "ticketd.db")
	db := must(Open(ctx, path))
	defer db.Close()
	must(db.Ingest(ctx, inbound("a@x", "raw a", 1), nil))
	held, err := db.sql.Conn(ctx) // keeps the WAL file while the pool is emptied
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	db.sql.SetMaxIdleConns(0) // the next statement opens a new connection
	db.sql.SetMaxIdleConns(idleConns)

	files := []string{path, path + "-wal"}
	if out, err := exec.Command("chattr", append([]string{"+i"}, files...)...).CombinedOutput(); err != nil {
		e2e.Unavailable(t, "cannot make the database immutable here: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", append([]string{"-i"}, files...)...).Run() })
	if _, err := db.Count(ctx); err != nil { // opens a connection: read-only
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, inbound("b@x", "raw b", 2), nil); err == nil {
		t.Fatal("a write to an immutable database succeeded; the test proves nothing")
	}
	if out, err := exec.Command("chattr", append([]string{"-i"}, files...)...).CombinedOutput(); err != nil {
		t.Fatalf("chattr -i: %v: %s", err, out)
	}
	if _, err := db.Ingest(ctx, inbound("c@x", "raw c", 3), nil); err != nil {
		t.Errorf("the first write once the file is writable again: %v", err)
	}
}
