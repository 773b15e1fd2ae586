package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// purgeFlags is "ticketd purge": it removes the correspondence of the
// tickets closed longer ago than [retention] keeps it (store.DB.Purge),
// printing each ticket with what went; -dry-run prints what would go and
// changes nothing. The daemon does the same daily, and may run meanwhile.
func purgeFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	dry := fs.Bool("dry-run", false, "list what would be removed, and remove nothing")
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded on each purged ticket (default $TICKETD_OPERATOR, else $USER)")
	limit := fs.Int("limit", 0, "purge at most `N` tickets; 0: every one due")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		if *limit < 0 {
			return usageError{"-limit: want 0 or more"}
		}
		cfg, err := LoadConfig(*config, PartStore, PartRetention, PartTemplates)
		if err != nil {
			return err
		}
		policy := cfg.Retention.Policy()
		if policy == nil {
			fmt.Fprintln(e.stdout, "no [retention] rule: correspondence is kept forever, nothing is purged")
			return nil
		}
		if err := needOperator(*operator, ""); err != nil && !*dry {
			return err
		}
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		actor := replies.Actor(*operator)
		if *dry && *operator == "" {
			actor = "dry run" // records nothing
		}
		rep, err := db.Purge(ctx, store.PurgeOptions{Policy: policy, DryRun: *dry, Actor: actor, Limit: *limit,
			Each: func(p store.PurgedTicket) { printPurged(e.stdout, p, *dry, cfg.Templates.Location) }})
		printPurgeSummary(e.stdout, rep)
		return err
	}
}

// printPurged prints one ticket a purge took, its date in loc ([templates]
// timezone, as every command prints dates).
func printPurged(w io.Writer, p store.PurgedTicket, dry bool, loc *time.Location) {
	verb := "removed"
	if dry {
		verb = "would remove"
	}
	fmt.Fprintf(w, "%s  closed %s  %s  %s %d letters, %d files, %s", p.Number, p.ClosedAt.In(loc).Format(time.DateOnly),
		p.Rule, verb, p.Letters, p.Files, bytesText(p.Bytes))
	if p.Kept > 0 {
		fmt.Fprintf(w, " (%d files kept: letters not purged hold them)", p.Kept)
	}
	fmt.Fprintln(w)
}

// printPurgeSummary prints what a purge did in all.
func printPurgeSummary(w io.Writer, rep store.PurgeReport) {
	verb := "purged"
	if rep.DryRun {
		verb = "would purge"
	}
	fmt.Fprintf(w, "%s %d tickets: %d letters, %d files, %s\n", verb, len(rep.Tickets), rep.Letters, rep.Files, bytesText(rep.Bytes))
	if rep.Waiting > 0 {
		fmt.Fprintf(w, "%d tickets due wait for letters still in the outbox; they are purged once those are sent or given up\n", rep.Waiting)
	}
	if !rep.Checkpointed {
		fmt.Fprintln(w, "the write-ahead log was held by readers: removed pages in it are overwritten as it is reused")
	}
}

// bytesText is a size for people: bytes, KB, MB or GB.
func bytesText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
}
