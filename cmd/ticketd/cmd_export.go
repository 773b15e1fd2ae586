package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"os"
	"strings"
	"time"

	auditor "github.com/ticketd/ticketd/audit" // the test helper audit (faults_helpers_test.go) has the name
	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/store"
)

// exportFlags is "ticketd export": one ticket, or every ticket of a
// sender, into a zip archive (see the audit package). Each exported ticket
// gets a read.export event naming the operator and what was asked, before
// anything is read: an export that then fails is recorded all the same.
// A sender's export records one such event on each of their tickets and
// none besides, so a ticket's reads and an operator's both show it.
func exportFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	sender := fs.String("sender", "", "export every ticket of this `address` (a citizen's request for their data) instead of one ticket")
	out := fs.String("o", "", "write the export to this `file` (FILE.zip); required")
	force := fs.Bool("force", false, "replace the file if it exists")
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded with the export (default $TICKETD_OPERATOR, else $USER)")
	return func(ctx context.Context, e *env, args []string) error {
		var q store.ExportQuery
		switch {
		case *sender != "" && len(args) == 0:
			q.Sender = strings.TrimSpace(*sender)
		case *sender == "" && len(args) == 1:
			q.Number = strings.ToUpper(args[0])
		default:
			return usageError{"want one ticket number, e.g. TKT-000001, or -sender ADDRESS"}
		}
		if *out == "" {
			return usageError{"-o FILE.zip is required"}
		}
		if err := needOperator(*operator, ""); err != nil {
			return err
		}
		if _, err := os.Lstat(*out); err == nil && !*force {
			return fmt.Errorf("%s exists: give -force to replace it", *out)
		} else if err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
		db, err := openConfigured(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		start := time.Now()
		sum, err := writeExport(ctx, db, *out, auditor.Request{Query: q, By: cliActor(*operator), Via: "ticketd export"})
		if err != nil {
			return err
		}
		fi, err := os.Stat(*out)
		if err != nil {
			return err
		}
		printExported(e, *out, sum, fi.Size(), time.Since(start))
		return nil
	}
}

// writeExport writes an export to path: to path.tmp first, synced, then
// renamed, so that path is either a whole export or what it was. The file
// is readable by its owner only: it holds personal data.
func writeExport(ctx context.Context, src auditor.Source, path string, req auditor.Request) (auditor.Summary, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return auditor.Summary{}, err
	}
	sum, err := auditor.Write(ctx, f, src, req)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return auditor.Summary{}, err
	}
	return sum, nil
}

// printExported says what an export holds and how to check it.
func printExported(e *env, path string, s auditor.Summary, size int64, took time.Duration) {
	w := e.stdout
	fmt.Fprintf(w, "exported %s to %s (%s in %s)\n", strings.Join(s.Tickets, ", "), terminal.EscapeLine(path),
		sizeOf(size), took.Round(time.Millisecond))
	fmt.Fprintf(w, "  %d letters, %d files (%s), %d events of these tickets\n", s.Letters, s.Files, sizeOf(s.Bytes), s.Events)
	if s.Removed > 0 {
		fmt.Fprintf(w, "  %d letters the store no longer holds are listed by their hashes only\n", s.Removed)
	}
	fmt.Fprintf(w, "  chain segment: events %d to %d (%d), ending at the head %s\n", s.Segment.First, s.Segment.Last, s.Segment.Events, s.Head)
	fmt.Fprintf(w, "  recorded as read.export on each ticket\ncheck it with: ticketd audit verify-export %s\n", terminal.EscapeLine(path))
}

// sizeOf is a size in bytes for people.
func sizeOf(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
