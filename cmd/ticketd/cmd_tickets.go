package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

func ticketsFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	overdue := fs.Bool("overdue", false, "only the tickets waiting for an answer that are overdue or due soon (within a fifth of their window), the most late first")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		db, loc, err := openListing(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		if *overdue {
			return printDeadlines(ctx, e.stdout, db, loc, time.Now(), *asJSON)
		}
		ts, err := allTickets(ctx, db)
		if err != nil {
			return err
		}
		for i := range ts {
			ts[i] = replies.Listed(ts[i]) // personal data masked; "ticketd show" has it in full
		}
		if *asJSON {
			if ts == nil {
				ts = []store.Ticket{}
			}
			return writeJSON(e.stdout, ts)
		}
		printTickets(e.stdout, ts, loc)
		return nil
	}
}

// printTickets prints ts as a table, one line a ticket, deadlines in loc
// with its zone: what came from a letter is escaped, tabs and line breaks
// too, so that it can neither act on the terminal nor add rows or columns.
func printTickets(w io.Writer, ts []store.Ticket, loc *time.Location) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tSTATUS\tPRIORITY\tDUE\tFROM\tSUBJECT")
	for _, t := range ts {
		status := string(t.Status)
		if t.AnswerProblem != "" {
			status += "!" // could not be answered automatically: see "ticketd show"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Number, status, t.Priority,
			dueIn(t.DueAt, loc), terminal.EscapeLine(t.CitizenAddress), clip(t.Subject, 60))
	}
	tw.Flush()
	for _, t := range ts {
		if t.AnswerProblem != "" {
			fmt.Fprintln(w, "! could not be answered automatically: \"ticketd show NUMBER\" says why")
			break
		}
	}
}

func openConfigured(ctx context.Context, path string) (*store.DB, error) {
	cfg, err := LoadConfig(path, PartStore)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, cfg)
}

// openListing opens the store for a command that prints times for people,
// with the zone they are shown in: [templates] timezone, the zone of the
// deadlines the acknowledgements give citizens.
func openListing(ctx context.Context, path string) (*store.DB, *time.Location, error) {
	cfg, err := LoadConfig(path, PartStore|PartTemplates)
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(ctx, cfg)
	return db, cfg.Templates.Location, err
}

// dueIn writes a deadline for people: in loc, with the zone's abbreviation
// (or offset, for a zone that has none), e.g. "2026-12-03 21:00 MSK".
func dueIn(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04 MST") }

// showFlags is "ticketd show": a ticket with its correspondence, a read
// of personal data recorded (read.ticket) before anything is printed, by
// the operator named with -operator as cli:NAME (cliActor). A read that
// cannot be recorded prints nothing.
func showFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	operator := fs.String("operator", defaultOperator(), "operator `name` the read is recorded with (default $TICKETD_OPERATOR, else $USER)")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 1, "one ticket number, e.g. TKT-000001"); err != nil {
			return err
		}
		if err := needOperator(*operator, "reading a ticket is recorded with who read it"); err != nil {
			return err
		}
		db, loc, err := openListing(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		op := &replies.Operator{Tickets: db}
		s, err := op.Conversation(ctx, strings.ToUpper(args[0]))
		if err != nil {
			return err
		}
		if err := db.RecordRead(ctx, store.Read{TicketID: s.ID, Actor: cliActor(*operator), What: store.ReadTicket}); err != nil {
			return fmt.Errorf("record the read of %s: %w", s.Number, err)
		}
		if *asJSON {
			return writeJSON(e.stdout, s)
		}
		printShown(e.stdout, s, loc)
		return nil
	}
}

// cliActor is how the event log names an operator of the command line:
// cli:NAME, the name typed with -operator, which no password vouches for,
// as "ticketd users" records it.
func cliActor(name string) string { return "cli:" + name }

// printShown prints a ticket for people, its times in loc (the zone
// named with the ticket's dates). Every value that came from a letter is
// escaped (see the terminal package), and one that belongs on one line has
// its line breaks escaped too, so that it cannot pass for another field.
func printShown(w io.Writer, s replies.Conversation, loc *time.Location) {
	const stamp = "2006-01-02 15:04:05 MST" // the ticket's own dates; its letters' and events' are in the same zone
	t := s.Ticket
	line := terminal.EscapeLine
	fmt.Fprintf(w, "%s  %s  priority %s", t.Number, t.Status, t.Priority)
	if t.PriorityReason != "" {
		fmt.Fprintf(w, " (%s)", line(t.PriorityReason))
	}
	if !t.PurgedAt.IsZero() {
		fmt.Fprintf(w, "\nCategory: %s\nCreated:  %s\nClosed:   %s\n", t.Category, t.CreatedAt.In(loc).Format(stamp),
			t.ClosedAt.In(loc).Format(stamp))
		fmt.Fprintf(w, "\nCORRESPONDENCE REMOVED on %s under the retention rule %s: its letters, files, notes and\n"+
			"the citizen's details are gone; the ticket.purged event lists the SHA-256 of each letter and file removed.\n",
			t.PurgedAt.In(loc).Format(time.DateOnly), line(t.PurgeRule))
	} else {
		fmt.Fprintf(w, "\nFrom:     %s %s\nSubject:  %s\nCategory: %s\nAccount:  %s\nCreated:  %s\nDue:      %s\n",
			line(t.CitizenName), "<"+line(t.CitizenAddress)+">", line(t.Subject), t.Category, line(dash(t.AccountNumber)),
			t.CreatedAt.In(loc).Format(stamp), t.DueAt.In(loc).Format(stamp))
	}
	if t.Mailbox != "" {
		fmt.Fprintf(w, "Mailbox:  %s", line(t.Mailbox))
		if t.Queue != "" && t.Queue != t.Mailbox {
			fmt.Fprintf(w, " (queue %s)", line(t.Queue))
		}
		fmt.Fprintln(w)
	}
	if t.AnswerProblem != "" {
		fmt.Fprintf(w, "\nCOULD NOT ANSWER AUTOMATICALLY: %s\nAnswer by hand: ticketd reply %s -template NAME\n",
			line(t.AnswerProblem), t.Number)
	}
	if t.PurgedAt.IsZero() {
		fmt.Fprintf(w, "\n%s\n", terminal.Escape(strings.TrimSpace(t.Description)))
	}
	fmt.Fprintln(w, "\nCorrespondence:")
	for _, m := range s.Messages {
		arrow, when := "←", m.CreatedAt
		if m.Direction == store.DirectionOut {
			arrow = "→"
			if !m.SentAt.IsZero() {
				when = m.SentAt
			}
		}
		if !m.PurgedAt.IsZero() {
			fmt.Fprintf(w, "  %s %s  removed (%d bytes, SHA-256 %s)\n", arrow, when.In(loc).Format(time.DateTime), m.Size, m.RawSHA256)
			continue
		}
		fmt.Fprintf(w, "  %s %s  %s → %s  \"%s\"", arrow, when.In(loc).Format(time.DateTime),
			line(m.FromAddress), line(dash(m.ToAddress)), line(m.Subject))
		if n := replyNote(m.ReplyHeader); n != "" {
			fmt.Fprintf(w, "  (%s)", line(n))
		}
		if m.Template != "" {
			fmt.Fprintf(w, "  [%s]", line(m.Template))
		}
		if m.Operator != "" {
			fmt.Fprintf(w, " by %s", line(m.Operator))
		} else if m.Auto {
			fmt.Fprint(w, "  (automatic)")
		}
		if m.Undeliverable != "" {
			fmt.Fprint(w, "  UNDELIVERABLE")
		}
		if m.Direction == store.DirectionOut && m.SentAt.IsZero() {
			fmt.Fprint(w, "  (queued)")
		}
		fmt.Fprintln(w)
		for _, a := range m.Attachments {
			fmt.Fprintf(w, "      %s %s %d bytes: %s %s\n", line(a.Filename), line(a.DetectedType), a.Size, a.Verdict, a.Reason)
		}
		if m.Note != "" {
			fmt.Fprintf(w, "      note: %s\n", clip(m.Note, 200))
		}
	}
	fmt.Fprintln(w, "\nEvents:")
	for _, ev := range s.Events {
		fmt.Fprintf(w, "  %s  %-16s %-14s %s\n", ev.At.In(loc).Format(time.DateTime), line(ev.Actor), ev.Action, line(ev.Detail))
	}
}

// writeJSON prints v as indented JSON for programs. encoding/json escapes
// C0 controls, U+2028 and U+2029 and replaces bytes that are not UTF-8,
// but leaves DEL, C1 and bidirectional controls raw; terminal.Escape then
// writes those as \uXXXX escapes. A JSON encoder puts nothing but line
// feeds of indentation outside strings that Escape would touch, and inside
// a string \u202e is U+202E, so the result is valid JSON with the same
// values, and safe to see in a terminal.
func writeJSON(w io.Writer, v any) error {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, terminal.Escape(buf.String()))
	return err
}

// clip escapes s to print on one line, shortened to n characters: see
// terminal.Clip.
func clip(s string, n int) string { return terminal.Clip(s, n) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
