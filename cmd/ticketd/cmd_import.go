package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/templates"
)

// importFlags is "ticketd import FILE.mbox|MAILDIR": it files a backlog,
// the mailbox a service kept before ticketd, as tickets, through the
// daemon's own filing (daemon.Import): the same reading, checks,
// threading and dedupe, so a second run files nothing new. Without
// -answer nobody is answered; with it each letter gets the
// acknowledgement the daemon would queue, sent by "ticketd run".
func importFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	answer := fs.Bool("answer", false, "queue the acknowledgement of each letter as the daemon would (\"ticketd run\" sends them); without it nobody is answered")
	mailbox := fs.String("mailbox", "", "`name` of the mailbox the letters belonged to, recorded on each imported letter")
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded on each imported letter (default $TICKETD_OPERATOR, else $USER)")
	dry := fs.Bool("dry-run", false, "read and count the letters; store nothing")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 1, "FILE.mbox or MAILDIR"); err != nil {
			return err
		}
		if !*dry {
			if err := needOperator(*operator, "it is recorded on each imported letter"); err != nil {
				return err
			}
		}
		parts := PartStore | PartDaemon
		if *answer {
			parts |= PartTemplates | PartSender
		}
		cfg, err := LoadConfig(*config, parts)
		if err != nil {
			return err
		}
		limit := int64(cfg.IMAP.MaxMessageMB * (1 << 20))
		if limit <= 0 {
			limit = daemon.DefaultMaxSize
		}
		src, err := openBacklog(args[0], limit)
		if err != nil {
			return err
		}
		defer src.Close()
		imp := &importer{e: e, src: src, start: time.Now(), name: filepath.Base(filepath.Clean(args[0]))}
		imp.bar = newProgress(e, "importing", "", imp.start)
		if *dry {
			return imp.dryRun(ctx, cfg)
		}
		tmpl, err := importTemplates(cfg, *answer)
		if err != nil {
			return err
		}
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		db.Windows = windows(cfg)
		// The daemon's log lines name letters by Message-ID; only warnings
		// are worth printing beside the bar.
		log := newLogger(e.stderr, LogConfig{Format: cfg.Log.Format, SlogLevel: max(cfg.Log.SlogLevel, slog.LevelWarn)})
		mb, err := importMailbox(cfg, *mailbox)
		if err != nil {
			return err
		}
		d, err := newDaemon(cfg, mb, db, tmpl, nil, log)
		if err != nil {
			return err
		}
		imp.job = &daemon.Import{Daemon: d, Actor: replies.Actor(*operator), Source: imp.name,
			Mailbox: *mailbox, Answer: *answer}
		err = imp.run(ctx)
		imp.summary(e.stdout, *answer, ctx.Err() != nil)
		return err
	}
}

// importMailbox is the configured mailbox the imported tickets belong to
// and answers go out from: the one named, or the first. A name no
// [[mailbox]] section has is an error; with the single [imap], any name
// is recorded as given.
func importMailbox(cfg Config, name string) (mailboxSpec, error) {
	mbs := cfg.mailboxes()
	for _, mb := range mbs {
		if mb.Key == name {
			return mb, nil
		}
	}
	if name != "" && len(cfg.Mailboxes) > 0 {
		return mailboxSpec{}, fmt.Errorf("-mailbox: no [[mailbox]] section is named %q", name)
	}
	return mbs[0], nil
}

// importTemplates loads the templates the acknowledgements are written
// from, when they are asked for (-answer).
func importTemplates(cfg Config, answer bool) (*templates.Set, error) {
	if !answer {
		return nil, nil
	}
	return loadTemplates(cfg)
}

// importer is one run of "ticketd import".
type importer struct {
	e     *env
	src   backlog
	job   *daemon.Import
	bar   *progress
	start time.Time

	name string // the backlog's file name, without its path

	read, created, followUps, duplicates, notUnderstood, queued, unanswered int
	failed                                                                  map[string]int // letters that could not be filed, by reason
	failedCount                                                             int
}

// importChunk is how many letters, and bytes, are read before they are
// filed: the daemon's own batch of a fetch.
const (
	importChunkLetters = daemon.DefaultBatchSize
	importChunkBytes   = daemon.DefaultBatchBytes
)

// run reads the backlog and files it a chunk at a time, until the end,
// a failure of the store, or ctx ends (the chunk in hand is finished).
func (imp *importer) run(ctx context.Context) error {
	for ctx.Err() == nil {
		chunk, end, err := imp.nextChunk()
		if err != nil {
			return err
		}
		if len(chunk) > 0 {
			filed := 0
			err := imp.job.File(ctx, chunk, func(_ int, f daemon.Filed) {
				filed++
				imp.count(f)
			})
			if err != nil {
				imp.fail("the store failed; the letters after it were not filed", len(chunk)-filed)
				return fmt.Errorf("import stopped, the store failed: %s", redact.Text(err.Error()))
			}
		}
		imp.show()
		if end {
			break
		}
	}
	imp.bar.done()
	return nil
}

// nextChunk reads the next letters to file, up to the chunk's limits;
// end is true once the backlog is read.
func (imp *importer) nextChunk() (chunk []daemon.BacklogLetter, end bool, err error) {
	var size int64
	for len(chunk) < importChunkLetters && size < importChunkBytes {
		l, err := imp.src.Next()
		if errors.Is(err, io.EOF) {
			return chunk, true, nil
		}
		var le *letterError
		switch {
		case errors.As(err, &le):
			imp.read++
			imp.fail(le.Error(), 1)
			continue
		case err != nil:
			return chunk, false, fmt.Errorf("read %s: %w", imp.src.Kind(), err)
		}
		imp.read++
		if len(l.Raw) == 0 {
			imp.fail("empty letter", 1)
			continue
		}
		chunk = append(chunk, l)
		size += int64(len(l.Raw))
	}
	return chunk, false, nil
}

// count adds what filing one letter did to the summary.
func (imp *importer) count(f daemon.Filed) {
	switch {
	case f.Duplicate:
		imp.duplicates++
		return
	case f.FollowUp:
		imp.followUps++
	default:
		imp.created++
	}
	if f.Note != "" {
		imp.notUnderstood++
	}
	if f.Queued {
		imp.queued++
	}
	if f.AnswerProblem != "" {
		imp.unanswered++
	}
}

// fail counts n letters that could not be filed, for reason (which names
// no person: a file name, or what went wrong).
func (imp *importer) fail(reason string, n int) {
	if n <= 0 {
		return
	}
	if imp.failed == nil {
		imp.failed = map[string]int{}
	}
	imp.failed[reason] += n
	imp.failedCount += n
}

// show draws the progress bar: on a terminal only, since the summary says
// the rest.
func (imp *importer) show() {
	if imp.e.tty == nil {
		return
	}
	done, total, unit := imp.src.Progress()
	imp.bar.unit = unit
	more := ""
	if unit != "letters" {
		more = fmt.Sprintf(", %d letters", imp.read)
	}
	imp.bar.show(done, total, more)
}

// summary prints what the import did.
func (imp *importer) summary(w io.Writer, answer, interrupted bool) {
	fmt.Fprintf(w, "read %d letters from %s %s in %s\n", imp.read, imp.src.Kind(), imp.name, time.Since(imp.start).Round(time.Millisecond))
	fmt.Fprintf(w, "  filed as new tickets:       %d\n", imp.created)
	fmt.Fprintf(w, "  added to existing tickets:  %d\n", imp.followUps)
	fmt.Fprintf(w, "  duplicates skipped:         %d\n", imp.duplicates)
	fmt.Fprintf(w, "  not understood (stored):    %d\n", imp.notUnderstood)
	fmt.Fprintf(w, "  failed:                     %d\n", imp.failedCount)
	for _, reason := range slices.Sorted(maps.Keys(imp.failed)) {
		fmt.Fprintf(w, "    %d  %s\n", imp.failed[reason], reason)
	}
	if answer {
		fmt.Fprintf(w, "  answers queued:             %d (\"ticketd run\" sends them)\n", imp.queued)
		if imp.unanswered > 0 {
			fmt.Fprintf(w, "  not answerable:             %d (the tickets say why; they wait for an operator)\n", imp.unanswered)
		}
	} else {
		fmt.Fprintln(w, "  answers queued:             0 (imported without -answer)")
	}
	if interrupted {
		fmt.Fprintln(w, "interrupted: run the same import again to file the rest (what is filed is skipped)")
	}
}

// dryRun reads every letter as the daemon would and counts, storing
// nothing.
func (imp *importer) dryRun(ctx context.Context, cfg Config) error {
	intake, err := newIntake(cfg)
	if err != nil {
		return err
	}
	for ctx.Err() == nil {
		chunk, end, err := imp.nextChunk()
		if err != nil {
			return err
		}
		for _, l := range chunk {
			if u := intake.Understand(ctx, l.Raw); u.Note != "" {
				imp.notUnderstood++
			}
		}
		imp.show()
		if end {
			break
		}
	}
	imp.bar.done()
	w := imp.e.stdout
	fmt.Fprintf(w, "dry run: read %d letters from %s %s; nothing was stored\n", imp.read, imp.src.Kind(), imp.name)
	fmt.Fprintf(w, "  not understood:  %d (they would be stored all the same)\n", imp.notUnderstood)
	fmt.Fprintf(w, "  unreadable:      %d\n", imp.failedCount)
	for _, reason := range slices.Sorted(maps.Keys(imp.failed)) {
		fmt.Fprintf(w, "    %d  %s\n", imp.failed[reason], reason)
	}
	return nil
}
