// Package storetest builds stores for tests and benchmarks. Build makes a
// store of any number of tickets, each of three letters (the citizen's
// letter, the acknowledgement, sent, and a follow-up), and operators'
// actions (Assign, SetPriority, SetStatus) that give the tickets a mix of
// assignees, statuses and priorities. It stores them with store.DB.Load,
// ten thousand tickets a transaction, which stores what filing each letter
// with Ingest and doing each action would (the tests check it against
// that slow way), search index and event log included. Cached keeps such
// a store on disk between runs: the million-ticket benchmarks use it.
package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/ticketd/ticketd/store"
)

// BuilderVersion changes whenever Build makes a different store for the
// same arguments; Cached rebuilds a store made by another version.
const BuilderVersion = 1

// Options say how Build makes a store. The zero value makes an unsealed
// store of seed 0 ending at DefaultEnd.
type Options struct {
	// Key is the store key the letters are sealed with and the search
	// index hashed with (store.DB.UseKey); nil: none.
	Key []byte
	// Seed chooses the tickets: the same seed and number make the same
	// store.
	Seed uint64
	// End is when the newest ticket arrives; the tickets span the two
	// years before it. Zero: DefaultEnd.
	End time.Time
	// Progress, when not nil, is called after each batch of tickets with
	// how many are made.
	Progress func(made int)
}

// DefaultEnd is when the newest ticket of a store arrives unless
// Options.End says otherwise.
var DefaultEnd = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// Key returns the store key of the stores Cached makes: a fixed key, for
// benchmarks only.
func Key() []byte {
	k := sha256.Sum256([]byte("ticketd storetest key: never a real store's"))
	return k[:]
}

// batchTickets is how many tickets Build stores in one transaction.
const batchTickets = 10000

// Build makes a store of n tickets at path, a SQLite file that must not
// exist or the URL of an empty PostgreSQL database.
func Build(ctx context.Context, path string, n int, opts *Options) error {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.End.IsZero() {
		o.End = DefaultEnd
	}
	if isPostgres(path) {
		// An empty database: CachedPostgres empties it.
	} else if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("storetest: build %s: the file exists", path)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("storetest: build: %w", err)
	}
	defer db.Close()
	if o.Key != nil {
		if err := db.UseKey(o.Key); err != nil {
			return fmt.Errorf("storetest: build: %w", err)
		}
	}
	// Tickets are made on one goroutine while the store files the ones
	// before on another.
	plans := make(chan []plan, 2)
	go func() {
		defer close(plans)
		r := rand.New(rand.NewPCG(o.Seed, uint64(n)))
		step := 2 * 365 * 24 * time.Hour / time.Duration(max(n, 1))
		start := o.End.Add(-step * time.Duration(n))
		for i := 0; i < n; i += batchTickets {
			batch := make([]plan, 0, min(batchTickets, n-i))
			for j := i; j < i+cap(batch); j++ {
				batch = append(batch, newPlan(r, j, n, start.Add(step*time.Duration(j)), o.Seed))
			}
			select {
			case plans <- batch:
			case <-ctx.Done():
				return
			}
		}
	}()
	made := 0
	for batch := range plans {
		tickets := make([]store.LoadTicket, len(batch))
		for i := range batch {
			tickets[i] = batch[i].load()
		}
		if err := db.Load(ctx, tickets); err != nil {
			return fmt.Errorf("storetest: build: %w", err)
		}
		made += len(batch)
		if o.Progress != nil {
			o.Progress(made)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("storetest: build: %w", err)
	}
	return db.Close()
}
