package main

import (
	"fmt"
	"io"
	"time"
)

// progressLine shows how far a long command has come on one line of the
// terminal, written over in place at most every progressEvery. Without a
// terminal (env.terminal is nil: a log file, a pipe) it shows nothing, and
// only the command's summary is printed.
type progressLine struct {
	w     io.Writer // nil: nothing is shown
	what  string    // what is counted, e.g. "events, letters and files"
	last  time.Time
	shown bool
}

// progressEvery is how often a progressLine is written at most.
const progressEvery = 200 * time.Millisecond

func newProgressLine(e *env, what string) *progressLine {
	return &progressLine{w: e.terminal, what: what}
}

// show writes done of total, unless it was written less than
// progressEvery ago; the last step (done == total) is always written.
func (p *progressLine) show(done, total int64) {
	if p.w == nil || (time.Since(p.last) < progressEvery && done < total) {
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
