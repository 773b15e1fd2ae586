package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketd/ticketd/store"
)

// progress shows how far "ticketd keys seal-existing" has come, on
// standard error: on a terminal, a bar drawn again in place at most ten
// times a second; otherwise a line every progressEvery, and the last.
type progress struct {
	tty   io.Writer // the terminal; nil when stderr is not one
	lines io.Writer // stderr, for lines
	what  string
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

func newProgress(e *env, what string, start time.Time) *progress {
	return &progress{tty: e.tty, lines: e.stderr, what: what, start: start, now: time.Now}
}

// report hears a SealProgress.
func (p *progress) report(sp store.SealProgress) {
	now := p.now()
	finished := sp.Done == sp.Total
	if p.tty != nil {
		if !finished && p.shown && now.Sub(p.last) < 100*time.Millisecond {
			return
		}
		line := bar(sp.Done, sp.Total) + " " + p.status(sp, now)
		n := utf8.RuneCountInString(line)
		fmt.Fprintf(p.tty, "\r%s%s", line, strings.Repeat(" ", max(0, p.width-n))) // over all of a longer line
		p.shown, p.last, p.width = true, now, n
		return
	}
	if p.last.IsZero() || finished || now.Sub(p.last) >= progressEvery {
		fmt.Fprintf(p.lines, "%s\n", p.status(sp, now))
		p.last = now
	}
}

// done ends the bar's line.
func (p *progress) done() {
	if p.tty != nil && p.shown {
		fmt.Fprintln(p.tty)
	}
}

// status is one line of numbers: how many rows of how many, what share,
// how many bytes sealed, for how long.
func (p *progress) status(sp store.SealProgress, now time.Time) string {
	return fmt.Sprintf("%s: %d of %d rows (%d%%), %s of letters and files, %s", p.what, sp.Done, sp.Total,
		percent(sp.Done, sp.Total), mebibytes(sp.Sealed.Bytes), now.Sub(p.start).Round(time.Second))
}

// bar draws done of total as [=====>      ].
func bar(done, total int) string {
	n := barWidth
	if total > 0 {
		n = done * barWidth / total
	}
	if n >= barWidth {
		return "[" + strings.Repeat("=", barWidth) + "]"
	}
	return "[" + strings.Repeat("=", n) + ">" + strings.Repeat(" ", barWidth-n-1) + "]"
}

// percent is done of total in whole percent; 100 when there is nothing.
func percent(done, total int) int {
	if total == 0 {
		return 100
	}
	return done * 100 / total
}

// mebibytes formats a size in MiB with one decimal.
func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// progressLine shows how far a long command has come on one line of the
// terminal, written over in place at most every lineEvery. Without a
// terminal (env.tty is nil: a log file, a pipe) it shows nothing, and
// only the command's summary is printed.
type progressLine struct {
	w     io.Writer // nil: nothing is shown
	what  string    // what is counted, e.g. "events, letters and files"
	last  time.Time
	shown bool
}

// lineEvery is how often a progressLine is written at most.
const lineEvery = 200 * time.Millisecond

func newProgressLine(e *env, what string) *progressLine {
	return &progressLine{w: e.tty, what: what}
}

// show writes done of total, unless it was written less than
// progressEvery ago; the last step (done == total) is always written.
func (p *progressLine) show(done, total int64) {
	if p.w == nil || (time.Since(p.last) < lineEvery && done < total) {
		return
	}
	p.last, p.shown = time.Now(), true
	percent := int64(100)
	if total > 0 {
		percent = done * 100 / total
	}
	// \r goes back to the start of the line; ESC [K clears it.
	fmt.Fprintf(p.w, "\r\x1b[K%d of %d %s (%d%%)", done, total, p.what, percent)
}

// clear removes the line, so that what is printed next starts on a clean
// one.
func (p *progressLine) clear() {
	if p.w != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
