package store

import (
	"context"
	"database/sql"
	"testing"
)

// TestBatchCommitsUnderFullSync: a batch's transaction runs under
// synchronous(FULL), so its commit syncs the WAL; its connection goes back
// to the pool under NORMAL, and every other write keeps NORMAL.
func TestBatchCommitsUnderFullSync(t *testing.T) {
	sqliteOnly(t, "synchronous pragma per connection")
	ctx := context.Background()
	db := openTest(t)
	level := func(row interface{ Scan(...any) error }) int {
		t.Helper()
		var n int
		if err := row.Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := level(db.sql.QueryRowContext(ctx, "PRAGMA synchronous")); n != 1 {
		t.Fatalf("synchronous before a batch = %d, want 1 (NORMAL)", n)
	}
	for _, end := range []string{"commit", "rollback"} {
		b, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Ingest(ctx, inbound(end+"@x", "raw "+end, 1), ack); err != nil {
			t.Fatal(err)
		}
		if n := level(b.tx.QueryRowContext(ctx, "PRAGMA synchronous")); n != 2 {
			t.Errorf("synchronous inside a batch = %d, want 2 (FULL)", n)
		}
		if end == "commit" {
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
		} else {
			b.Rollback()
		}
		// Every connection of the pool, the batch's among them (idle
		// connections are handed out first), is NORMAL again.
		var held []*sql.Conn
		for range 8 {
			c, err := db.sql.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
			if n := level(c.QueryRowContext(ctx, "PRAGMA synchronous")); n != 1 {
				t.Errorf("synchronous of a pooled connection after a batch's %s = %d, want 1 (NORMAL) again", end, n)
			}
		}
		for _, c := range held {
			c.Close()
		}
	}
	err := db.inTx(ctx, func(tx conn) error {
		if n := level(tx.tx.QueryRowContext(ctx, "PRAGMA synchronous")); n != 1 {
			t.Errorf("synchronous in another write = %d, want 1 (NORMAL)", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDurable: the first call checkpoints what the file held (letters an
// earlier process committed), later ones have nothing to do.
func TestDurable(t *testing.T) {
	sqliteOnly(t, "wal_checkpoint")
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.Ingest(ctx, inbound("a@x", "raw a", 1), ack); err != nil { // committed under NORMAL
		t.Fatal(err)
	}
	var busy, frames, copied int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		t.Fatal(err)
	}
	if err := db.Durable(ctx); err != nil {
		t.Fatal(err)
	}
	if !db.be.(*sqliteBackend).write.synced {
		t.Error("Durable returned without marking the store synced")
	}
	if err := db.sql.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		t.Fatal(err)
	}
	if busy != 0 || copied != frames {
		t.Errorf("after Durable the WAL has %d frames, %d copied into the database (busy %d); want all", frames, copied, busy)
	}
	if err := db.Durable(ctx); err != nil {
		t.Errorf("second Durable: %v", err)
	}
}
