package main

import (
	"context"
	"flag"
	"fmt"
	"time"
)

// reindexFlags is "ticketd reindex": it rebuilds the search index, which
// the store refuses to search once store.key_file changed, or after an
// upgrade from a version without it. The daemon may run meanwhile: it
// waits for each few hundred tickets in turn.
func reindexFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		db, err := openConfigured(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		start := time.Now()
		if err := db.Reindex(ctx); err != nil {
			return err
		}
		c, err := db.Count(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "search index rebuilt: %d tickets, %d letters in %s\n", c.Tickets, c.Inbound, time.Since(start).Round(time.Millisecond))
		return nil
	}
}
