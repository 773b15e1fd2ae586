package mailparse

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/corpus"
)

// corpusEntry is one row of the corpus INDEX.tsv.
type corpusEntry struct {
	path, category, expected string
}

// loadCorpus reads INDEX.tsv of the shared corpus. The corpus lives outside
// the repository (../shared/corpus), so a clone elsewhere has none: there
// the test is skipped, saying so; only CI (CI set) fails (corpus.Dir).
func loadCorpus(tb testing.TB) (string, []corpusEntry) {
	tb.Helper()
	dir := corpus.Dir(tb)
	f, err := os.Open(filepath.Join(dir, corpus.Index))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var entries []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 5 {
			continue
		}
		entries = append(entries, corpusEntry{path: cols[0], category: cols[2], expected: cols[4]})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(entries) == 0 {
		tb.Fatal("INDEX.tsv lists no message")
	}
	return dir, entries
}

// parseResult is what a guarded Parse call returns.
type parseResult struct {
	l     *Letter
	err   error
	panic any
}

// parseGuarded runs Parse in its own goroutine, turning a panic into a value
// and a hang into ok == false after timeout.
func parseGuarded(raw []byte, timeout time.Duration) (res parseResult, ok bool) {
	done := make(chan parseResult, 1)
	go func() {
		var r parseResult
		defer func() {
			if p := recover(); p != nil {
				r.panic = p
			}
			done <- r
		}()
		r.l, r.err = Parse(raw, nil)
	}()
	select {
	case r := <-done:
		return r, true
	case <-time.After(timeout):
		return parseResult{}, false
	}
}

func TestCorpus(t *testing.T) {
	dir, entries := loadCorpus(t)
	var parsed, damaged, noHeader, refused int
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.path))
		if err != nil {
			t.Errorf("read %s: %v", e.path, err)
			continue
		}
		res, ok := parseGuarded(raw, 10*time.Second)
		switch {
		case !ok:
			t.Errorf("Parse(%s) did not return within 10s", e.path)
			continue
		case res.panic != nil:
			t.Errorf("Parse(%s) panicked: %v", e.path, res.panic)
			continue
		case errors.Is(res.err, errInternal):
			t.Errorf("Parse(%s) recovered a panic: %v", e.path, res.err)
		}
		switch {
		case errors.Is(res.err, ErrRefused):
			refused++
			if res.l != nil {
				t.Errorf("Parse(%s) = letter with ErrRefused, want nil", e.path)
			}
			t.Logf("%s: %v", e.path, res.err)
			continue
		case res.l == nil:
			t.Errorf("Parse(%s) = nil, %v; want a letter", e.path, res.err)
			continue
		case errors.Is(res.err, ErrNoHeader):
			noHeader++
		case errors.Is(res.err, ErrDamaged):
			damaged++
		case res.err != nil:
			t.Errorf("Parse(%s) error %v wraps no sentinel", e.path, res.err)
		default:
			parsed++
		}
		if msg := checkExpected(res.l, e); msg != "" && knownMisses[e.path] == "" {
			t.Errorf("Parse(%s): %s", e.path, msg)
		}
	}
	t.Logf("corpus: %d messages: %d parsed, %d damaged with a letter, %d without header, %d refused",
		len(entries), parsed, damaged, noHeader, refused)
}

// knownMisses are corpus messages whose expected facts Parse does not meet,
// with the reason it is accepted.
var knownMisses = map[string]string{
	"sisimai-set-of-emails/lhost-fml-03.eml":          "a mailing list's loop alert, plain mail from the list owner",
	"sisimai-set-of-emails/lhost-googlegroups-02.eml": "a Google Groups rejection sent as Auto-Submitted: auto-replied",
}

// checkExpected compares a letter with the facts INDEX.tsv has from the
// source's own tests: subjects and whether a message is a bounce.
func checkExpected(l *Letter, e corpusEntry) string {
	exp := e.expected
	if s, ok := expectedSubject(exp); ok && l.Subject != s {
		return fmt.Sprintf("Subject = %q, want %q", l.Subject, s)
	}
	switch {
	case !strings.HasPrefix(exp, "sisimai"):
	case strings.Contains(exp, "not a bounce"):
		if l.Auto == AutoBounce {
			return "Auto = bounce, want no bounce"
		}
	case strings.Contains(exp, "reason=vacation"):
		if l.Auto != AutoReply {
			return fmt.Sprintf("Auto = %q, want %q", l.Auto, AutoReply)
		}
	case strings.Contains(exp, "reason=feedback"):
		if l.Auto == AutoNone {
			return "Auto = none, want automatic"
		}
	case strings.Contains(exp, "status="):
		if l.Auto != AutoBounce {
			return fmt.Sprintf("Auto = %q, want %q", l.Auto, AutoBounce)
		}
	}
	return ""
}

// expectedSubject finds subject="…" (or Subject="…") in an expected column.
func expectedSubject(exp string) (string, bool) {
	i := strings.Index(strings.ToLower(exp), `subject="`)
	if i < 0 {
		return "", false
	}
	rest := exp[i+len(`subject="`):]
	j := strings.LastIndex(rest, `"`)
	if k := strings.Index(rest, `" `); k >= 0 {
		j = k
	}
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}
