package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ticketd/ticketd/store"
)

// auditReadsFlags is "ticketd audit reads": the recorded reads of
// personal data (store.DB.Reads), newest first, of one ticket, by one
// user, or all. Listing them reads no personal data and is not recorded.
func auditReadsFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	user := fs.String("user", "", "only the reads of this `name`: a console account, or cli:NAME for \"ticketd show -operator NAME\"")
	ticket := fs.String("ticket", "", "only the reads of this ticket (`TKT-NNNNNN`)")
	n := fs.Int("n", 50, "list at most this many reads (at most 500)")
	before := fs.Int64("before", 0, "list the reads older than the one with this `id` (the last one listed before)")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		if *n < 1 || *n > 500 {
			return usageError{fmt.Sprintf("-n %d: want 1 to 500", *n)}
		}
		if *before < 0 {
			return usageError{"-before: want the id of a read"}
		}
		db, err := openConfigured(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		rs, err := db.Reads(ctx, store.ReadFilter{Actor: strings.TrimSpace(*user), Number: strings.ToUpper(strings.TrimSpace(*ticket)),
			Before: *before, Limit: *n})
		if err != nil {
			return err
		}
		if *asJSON {
			if rs == nil {
				rs = []store.ReadEvent{}
			}
			return writeJSON(e.stdout, rs)
		}
		printReads(e.stdout, rs, *n)
		return nil
	}
}

// printReads prints reads as a table, one line a read, and how to ask for
// the page after when it is full. The actor and the detail (a search's
// masked terms, as typed) are escaped on one line.
func printReads(w io.Writer, rs []store.ReadEvent, n int) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "no reads recorded")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tWHO\tTICKET\tWHAT\tDETAIL")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.At.Local().Format(time.DateTime), clip(r.Actor, 40),
			dash(r.Ticket), strings.TrimPrefix(r.Action, "read."), clip(r.Detail, 80))
	}
	tw.Flush()
	if len(rs) == n {
		fmt.Fprintf(w, "more may be older: add -before %d\n", rs[len(rs)-1].ID)
	}
}
