package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// deadlineLister lists the tickets due soon or overdue; *store.DB is one.
type deadlineLister interface {
	Deadlines(ctx context.Context, now time.Time, limit int) ([]store.Deadline, error)
}

// Deadline states, as "ticketd tickets -overdue" marks them.
const (
	stateOverdue = "overdue"
	stateDueSoon = "due_soon"
)

// listedDeadline is a line of "ticketd tickets -overdue -json": the
// ticket as lists show it, which of the two it is, and how late.
type listedDeadline struct {
	store.Ticket
	Deadline string `json:"deadline"` // stateOverdue or stateDueSoon
	// LateSeconds is how long ago the deadline passed; less than zero, how
	// long it has left.
	LateSeconds int64 `json:"late_seconds"`
}

// printDeadlines is "ticketd tickets -overdue": the tickets waiting for
// our answer that are overdue or due soon at now, the most late first,
// personal data masked as every list masks it; deadlines in loc.
func printDeadlines(ctx context.Context, w io.Writer, db deadlineLister, loc *time.Location, now time.Time, asJSON bool) error {
	ds, err := db.Deadlines(ctx, now, 0)
	if err != nil {
		return err
	}
	ls := make([]listedDeadline, 0, len(ds))
	for _, d := range ds {
		l := listedDeadline{Ticket: replies.Listed(d.Ticket), Deadline: stateDueSoon, LateSeconds: int64(d.Late(now) / time.Second)}
		if d.Overdue(now) {
			l.Deadline = stateOverdue
		}
		ls = append(ls, l)
	}
	if asJSON {
		return writeJSON(w, ls)
	}
	if len(ls) == 0 {
		_, err := fmt.Fprintln(w, "no ticket waiting for an answer is overdue or due soon")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tDEADLINE\tLATE\tPRIORITY\tSTATUS\tDUE\tFROM\tSUBJECT")
	overdue := 0
	for _, l := range ls {
		state, late := "due soon", shortDuration(-time.Duration(l.LateSeconds)*time.Second)+" left"
		if l.Deadline == stateOverdue {
			overdue++
			state, late = "OVERDUE", shortDuration(time.Duration(l.LateSeconds)*time.Second)+" late"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Number, state, late, l.Priority, l.Status,
			dueIn(l.DueAt, loc), terminal.EscapeLine(l.CitizenAddress), clip(l.Subject, 60))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d overdue, %d due soon (within a fifth of their window) of the tickets new or in progress\n",
		overdue, len(ls)-overdue)
	return nil
}

// shortDuration writes d to the minute ("27h5m", "45m"), or to the second
// under a minute ("40s").
func shortDuration(d time.Duration) string {
	d = max(d, 0)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}
