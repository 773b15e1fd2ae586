package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// progress shows how far a long command ("ticketd keys seal-existing",
// "ticketd audit verify") has come, on standard error: on a terminal, a bar
// drawn again in place at most ten times a second; otherwise a line every
// progressEvery, and the last. It prints only numbers.
type progress struct {
	tty   io.Writer // the terminal; nil when stderr is not one
	lines io.Writer // stderr, for lines
	what  string    // what is being done, e.g. "sealing"
	unit  string    // what is counted, e.g. "rows"
	start time.Time
	last  time.Time // when it last printed
	shown bool      // the bar is on the terminal's last line
	width int       // characters of the bar's line as last drawn
	now   func() time.Time
}

// progressEvery is how often a line is printed when stderr is not a
// terminal.
const progressEvery = 5 * time.Second

// barWidth is the bar's width in characters.
const barWidth = 30

func newProgress(e *env, what, unit string, start time.Time) *progress {
	return &progress{tty: e.tty, lines: e.stderr, what: what, unit: unit, start: start, now: time.Now}
}

// show reports done of total, and more (", 3.0 MiB of letters") after the
// share, when it is not "".
func (p *progress) show(done, total int64, more string) {
	now := p.now()
	finished := done == total
	if p.tty != nil {
		if !finished && p.shown && now.Sub(p.last) < 100*time.Millisecond {
			return
		}
		line := bar(done, total) + " " + p.status(done, total, more, now)
		n := utf8.RuneCountInString(line)
		fmt.Fprintf(p.tty, "\r%s%s", line, strings.Repeat(" ", max(0, p.width-n))) // over all of a longer line
		p.shown, p.last, p.width = true, now, n
		return
	}
	if p.last.IsZero() || finished || now.Sub(p.last) >= progressEvery {
		fmt.Fprintf(p.lines, "%s\n", p.status(done, total, more, now))
		p.last = now
	}
}

// done ends the bar's line.
func (p *progress) done() {
	if p.tty != nil && p.shown {
		fmt.Fprintln(p.tty)
		p.shown = false
	}
}

// status is one line of numbers: how many of how many, what share, more,
// for how long.
func (p *progress) status(done, total int64, more string, now time.Time) string {
	return fmt.Sprintf("%s: %d of %d %s (%d%%)%s, %s", p.what, done, total, p.unit, percent(done, total), more,
		now.Sub(p.start).Round(time.Second))
}

// bar draws done of total as [=====>      ].
func bar(done, total int64) string {
	n := int64(barWidth)
	if total > 0 {
		n = done * barWidth / total
	}
	if n >= barWidth {
		return "[" + strings.Repeat("=", barWidth) + "]"
	}
	return "[" + strings.Repeat("=", int(n)) + ">" + strings.Repeat(" ", barWidth-int(n)-1) + "]"
}

// percent is done of total in whole percent; 100 when there is nothing.
func percent(done, total int64) int64 {
	if total == 0 {
		return 100
	}
	return done * 100 / total
}

// mebibytes formats a size in MiB with one decimal.
func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
