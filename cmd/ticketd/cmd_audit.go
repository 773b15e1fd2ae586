package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	auditor "github.com/ticketd/ticketd/audit" // the test helper audit (faults_helpers_test.go) has the name
	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/store"
)

// auditCommands are the subcommands of "ticketd audit", a table shaped
// like commands(): "ticketd audit verify" runs the row "verify".
func auditCommands() []command {
	return []command{
		{"verify", "", "check the event chain, and every stored letter and file against it; a head written down before (-head) must still be in it. Exit status 1 names the first mismatch", auditVerifyFlags},
		{"head", "", "print the chain's head, COUNT:HASH, and the time: keep it elsewhere, for \"audit verify -head\"", auditHeadFlags},
		{"reads", "", "list who read personal data, newest first: -user NAME (cli:NAME for the command line), -ticket TKT-NNNNNN, -n 50", auditReadsFlags},
		{"verify-export", "FILE.zip", "check an export offline: its files, letters, events and chain segment (needs no database or configuration); -head COUNT:HASH also checks a head you kept", verifyExportFlags},
	}
}

// openForAudit opens the configured store to read it only: checking it
// must not change it (store.OpenReadOnly). It needs only [store].
func openForAudit(ctx context.Context, path string) (*store.DB, error) {
	cfg, err := LoadConfig(path, PartStore)
	if err != nil {
		return nil, err
	}
	db, err := store.OpenReadOnly(ctx, cfg.Store.Location())
	if err != nil {
		return nil, fmt.Errorf("open store (store.path): %w", err)
	}
	if err := useStoreKey(ctx, db, cfg); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// auditVerifyFlags is "ticketd audit verify": store.DB.VerifyChain, with
// a progress line on a terminal and a summary. A mismatch is the error
// that ends the command, so the exit status is 1 and standard error names
// it.
func auditVerifyFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	headFlag := fs.String("head", "", "a head of the chain written down before, `COUNT:HASH` (\"ticketd audit head\", the daemon's log): it must still be in the chain")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		var head *store.Head
		if *headFlag != "" {
			h, err := store.ParseHead(*headFlag)
			if err != nil {
				return usageError{"-head: " + err.Error()}
			}
			head = &h
		}
		db, err := openForAudit(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		start := time.Now()
		progress := newProgress(e, "checking", "events, letters and files", start)
		rep, err := db.VerifyChain(ctx, store.VerifyOptions{Head: head, Progress: func(done, total int64) { progress.show(done, total, "") }})
		progress.done()
		var tampered *store.TamperError
		if err != nil && !errors.As(err, &tampered) {
			return err
		}
		printChainVerified(e.stdout, rep, head, time.Since(start), tampered)
		if tampered != nil {
			return tampered
		}
		return nil
	}
}

// printChainVerified prints the summary of a check: what was checked, and
// either the head the chain ends at or that a mismatch ended it.
func printChainVerified(w io.Writer, rep store.VerifyReport, head *store.Head, took time.Duration, tampered *store.TamperError) {
	counts := fmt.Sprintf("%d events, %d letters (%s), %d files (%s)", rep.Events, rep.Letters, size(rep.LetterBytes),
		rep.Files, size(rep.FileBytes))
	took = took.Round(time.Millisecond)
	if tampered != nil {
		fmt.Fprintf(w, "MISMATCH: %s\nchecked before it: %s, in %s\n", tampered, counts, took)
		return
	}
	fmt.Fprintf(w, "whole: the event chain holds, and every letter and file matches it\nchecked: %s, in %s\n", counts, took)
	if head != nil {
		fmt.Fprintf(w, "the head %s given is in the chain\n", head)
	}
	fmt.Fprintf(w, "head: %s\n", rep.Head)
}

// size writes a number of bytes for people.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// auditHeadFlags is "ticketd audit head": the head of the chain now, and
// the time, for the auditor to keep where whoever can write the database
// cannot reach it.
func auditHeadFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		db, err := openForAudit(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		head, err := db.ChainHead(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s %s\n", head, time.Now().Format(time.RFC3339))
		return nil
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
		printExportVerified(e.stdout, args[0], rep, kept)
		return nil
	}
}

// printExportVerified says what a verified export holds.
func printExportVerified(w io.Writer, path string, r auditor.Report, kept *store.Head) {
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
