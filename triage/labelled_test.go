package triage

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// labelledLetter is one letter of testdata/letters and the fields a person
// expects from it.
type labelledLetter struct {
	name          string
	subject, text string
	want          struct {
		Priority          Priority       `json:"priority"`
		PriorityReason    Reason         `json:"priority_reason"`
		AccountNumber     string         `json:"account_number"`
		ApplicationNumber string         `json:"application_number"`
		Category          Category       `json:"category"`
		PersonalData      []PersonalData `json:"personal_data"`
		FullName          string         `json:"full_name"`
		Language          string         `json:"language"`
	}
}

// lettersFlag restricts TestLabelledLetters to a range of letters, so that a
// held-out range can be measured on its own: go test -run Labelled -letters 128-213.
var lettersFlag = flag.String("letters", "", "measure only the labelled letters `NNN-MMM`")

// inRange reports whether the letter named name (NNN-…) is in the range
// NNN-MMM given by spec; an empty spec holds every letter.
func inRange(name, spec string) (bool, error) {
	if spec == "" {
		return true, nil
	}
	var lo, hi, n int
	if _, err := fmt.Sscanf(spec, "%d-%d", &lo, &hi); err != nil {
		return false, fmt.Errorf("-letters %q: want NNN-MMM", spec)
	}
	if _, err := fmt.Sscanf(name, "%d", &n); err != nil {
		return false, fmt.Errorf("letter %s: no number", name)
	}
	return lo <= n && n <= hi, nil
}

// loadLetters reads testdata/letters: NNN-name.txt holds the subject on its
// first line, a blank line, then the body; NNN-name.json the expected fields.
func loadLetters(tb testing.TB) []labelledLetter {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "letters", "*.txt"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no letters in testdata/letters: %v", err)
	}
	letters := make([]labelledLetter, 0, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		subject, body, ok := strings.Cut(string(data), "\n\n")
		if !ok {
			tb.Fatalf("%s: no blank line after the subject", path)
		}
		l := labelledLetter{name: strings.TrimSuffix(filepath.Base(path), ".txt"), subject: subject, text: body}
		sidecar, err := os.ReadFile(strings.TrimSuffix(path, ".txt") + ".json")
		if err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(sidecar, &l.want); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		letters = append(letters, l)
	}
	return letters
}

// tally counts right answers for one field.
type tally struct{ right, total int }

func (t *tally) add(ok bool) {
	t.total++
	if ok {
		t.right++
	}
}

func (t tally) rate() float64 {
	if t.total == 0 {
		return 1
	}
	return float64(t.right) / float64(t.total)
}

// TestLabelledLetters runs Extract over the labelled letters and measures it:
// precision and recall of PriorityHigh, and the accuracy of each field. It
// fails when a measure falls below what the service needs.
func TestLabelledLetters(t *testing.T) {
	var letters []labelledLetter
	for _, l := range loadLetters(t) {
		ok, err := inRange(l.name, *lettersFlag)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			letters = append(letters, l)
		}
	}
	r := DefaultRules()
	var tp, fp, fn, positives int
	var reason, account, application, category, personal, name, lang tally
	for _, l := range letters {
		got := r.Extract(l.subject, l.text)
		w := l.want
		if w.Priority == PriorityHigh {
			positives++
		}
		switch {
		case got.Priority == PriorityHigh && w.Priority == PriorityHigh:
			tp++
		case got.Priority == PriorityHigh:
			fp++
		case w.Priority == PriorityHigh:
			fn++
		}
		fields := []struct {
			tally     *tally
			field     string
			got, want any
			ok        bool
		}{
			{&reason, "priority_reason", got.PriorityReason, w.PriorityReason, got.PriorityReason == w.PriorityReason},
			{&account, "account_number", got.AccountNumber, w.AccountNumber, got.AccountNumber == w.AccountNumber},
			{&application, "application_number", got.ApplicationNumber, w.ApplicationNumber, got.ApplicationNumber == w.ApplicationNumber},
			{&category, "category", got.Category, w.Category, got.Category == w.Category},
			{&personal, "personal_data", got.PersonalData, w.PersonalData, slices.Equal(got.PersonalData, w.PersonalData)},
			{&name, "full_name", got.FullName, w.FullName, got.FullName == w.FullName},
			{&lang, "language", got.Language, w.Language, got.Language == w.Language},
		}
		for _, f := range fields {
			f.tally.add(f.ok)
			if !f.ok {
				t.Logf("%s: Extract %s = %q, want %q", l.name, f.field, f.got, f.want)
			}
		}
	}
	precision, recall := 1.0, 1.0
	if tp+fp > 0 {
		precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		recall = float64(tp) / float64(tp+fn)
	}
	t.Logf("%d letters, %d high priority (%.0f%%)", len(letters), positives, 100*float64(positives)/float64(len(letters)))
	t.Logf("priority: precision %.3f (%d/%d), recall %.3f (%d/%d)", precision, tp, tp+fp, recall, tp, tp+fn)
	for _, m := range []struct {
		name string
		t    tally
	}{
		{"priority_reason", reason}, {"account_number", account}, {"application_number", application},
		{"category", category}, {"personal_data", personal}, {"full_name", name}, {"language", lang},
	} {
		t.Logf("%s: accuracy %.3f (%d/%d)", m.name, m.t.rate(), m.t.right, m.t.total)
	}
	if precision < 0.95 {
		t.Errorf("priority precision %.3f, want at least 0.95", precision)
	}
	if recall < 0.98 {
		t.Errorf("priority recall %.3f, want at least 0.98", recall)
	}
	for _, m := range []struct {
		name string
		t    tally
	}{
		{"priority_reason", reason}, {"account_number", account}, {"application_number", application},
		{"category", category}, {"personal_data", personal}, {"full_name", name},
	} {
		if m.t.rate() < 0.95 {
			t.Errorf("%s accuracy %.3f, want at least 0.95", m.name, m.t.rate())
		}
	}
}
