package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestWritersInTwoProcesses files the same letters through two stores
// open on one database at once, as two daemons would: each letter is
// stored once, the chain stays whole, and versions are unique.
func TestWritersInTwoProcesses(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "ticketd.db")
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	const letters = 30
	var wg sync.WaitGroup
	errs := make(chan error, 2*letters)
	for _, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range letters {
				mid := fmt.Sprintf("same-%d@x", i)
				in := inbound(mid, "Subject: x\r\nMessage-ID: <"+mid+">\r\n\r\nletter", uint32(i+1))
				if _, err := db.Ingest(ctx, in, ack); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	db := dbs[0]
	var tickets, versions, in int
	db.sql.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version) FROM tickets").Scan(&tickets, &versions)
	db.sql.QueryRow("SELECT COUNT(*) FROM messages WHERE direction = 'in'").Scan(&in)
	if tickets != letters || versions != letters || in != letters {
		t.Errorf("%d tickets with %d versions, %d letters in; want %d of each", tickets, versions, in, letters)
	}
	if b := CheckLinks(genesis, wholeChain(t, db)); b != nil {
		t.Errorf("the chain: %v", b)
	}
}
