package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	auditor "github.com/ticketd/ticketd/audit" // the test helper audit (faults_helpers_test.go) has the name
	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/store"
)

// auditCommands are the subcommands of "ticketd audit", shaped like
// commands().
func auditCommands() []command {
	return []command{
		{"reads", "", "list who read personal data, newest first: -user NAME (cli:NAME for the command line), -ticket TKT-NNNNNN, -n 50", auditReadsFlags},
		{"verify-export", "FILE.zip", "check an export offline: its files, letters, events and chain segment (needs no database or configuration); -head COUNT:HASH also checks a head you kept", verifyExportFlags},
	}
}

// dispatchAudit runs "ticketd audit SUBCOMMAND args".
func dispatchAudit(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		auditUsage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range auditCommands() {
		if c.name == args[0] {
			c.name = "audit " + c.name
			return c.run(ctx, args[1:], e)
		}
	}
	fmt.Fprintf(e.stderr, "ticketd audit: unknown command %q\n", args[0])
	auditUsage(e.stderr)
	return exitUsage
}

func auditUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: ticketd audit COMMAND [flags] [args]\n\ncommands:")
	for _, c := range auditCommands() {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
}

func verifyExportFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	headFlag := fs.String("head", "", "a head you kept (\"ticketd audit head\" prints it), `COUNT:HASH`: its event must be in the segment with this hash")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 1, "one export, FILE.zip"); err != nil {
			return err
		}
		var kept *store.Head
		if *headFlag != "" {
			h, err := store.ParseHead(*headFlag)
			if err != nil {
				return usageError{err.Error()}
			}
			kept = &h
		}
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		var rep auditor.Report
		if kept != nil {
			rep, err = auditor.VerifyExportHead(f, fi.Size(), *kept)
		} else {
			rep, err = auditor.VerifyExport(f, fi.Size())
		}
		if err != nil {
			return err
		}
		printVerified(e.stdout, args[0], rep, kept)
		return nil
	}
}

// printVerified says what a verified export holds.
func printVerified(w io.Writer, path string, r auditor.Report, kept *store.Head) {
	line := terminal.EscapeLine
	fmt.Fprintf(w, "%s holds: %s, exported %s by %s\n", line(path), line(r.Asked.String()),
		r.ExportedAt.Local().Format("2006-01-02 15:04:05"), line(r.ExportedBy))
	fmt.Fprintf(w, "  tickets %s: letters %d, files %d, each with the hash its letter.stored event recorded\n",
		line(strings.Join(r.Tickets, ", ")), r.Letters, r.Files)
	if r.Removed > 0 {
		fmt.Fprintf(w, "  %d letters are listed by their hashes only: the store no longer held them\n", r.Removed)
	}
	fmt.Fprintf(w, "  %d events of theirs match their hashes and are in the chain segment\n", r.Events)
	fmt.Fprintf(w, "  the segment links from event %d to event %d (%d of its events are other people's, given by their hashes), ending at the head %s\n",
		r.Segment.First, r.Segment.Last, r.Foreign, r.Head)
	if kept != nil {
		fmt.Fprintf(w, "  the head you kept, %s, is in the segment\n", kept)
	}
	fmt.Fprintln(w, "ok")
}
