package labelled_test

import (
	"flag"
	"fmt"
	"slices"
	"testing"

	"github.com/ticketd/ticketd/triage"
	"github.com/ticketd/ticketd/triage/labelled"
)

// lettersFlag restricts TestLabelledLetters to a range of letters, so that a
// held-out range can be measured on its own: go test -run Labelled -letters 128-213.
var lettersFlag = flag.String("letters", "", "measure only the labelled letters `NNN-MMM`")

// inRange reports whether the letter named name (NNN-… or NNNN) is in the
// range NNN-MMM given by spec; an empty spec holds every letter.
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

// builtin returns the built-in letters, failing the test if they cannot be
// read.
func builtin(tb testing.TB) []labelled.Letter {
	tb.Helper()
	ls, err := labelled.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	return ls
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

// TestLabelledLetters runs Extract, rules and embedded model, over the first
// labelled letters (the ones with every field labelled) and measures the
// accuracy of each field. It fails when a measure falls below what the
// service needs. These letters were tuned on and trained on: the figures
// say the rules and the model keep what they learnt, not how they do on new
// letters (TestCrossValidated and TestBlindLetters say that).
func TestLabelledLetters(t *testing.T) {
	var letters []labelled.Letter
	for _, l := range builtin(t) {
		ok, err := inRange(l.Name, *lettersFlag)
		if err != nil {
			t.Fatal(err)
		}
		if ok && l.Want.Full {
			letters = append(letters, l)
		}
	}
	r := triage.DefaultRules()
	var ss []triage.Scored
	var reason, account, application, category, personal, name, lang tally
	for _, l := range letters {
		got := r.Extract(l.Subject, l.Text)
		ss = append(ss, r.Score([]triage.Example{l.Example()})...)
		w := l.Want
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
				t.Logf("%s: Extract %s = %q, want %q", l.Name, f.field, f.got, f.want)
			}
		}
	}
	f := triage.Measure(ss, r.Model().Cut)
	t.Logf("%d letters, %d high priority", f.Letters, f.Urgent)
	t.Logf("priority: precision %.3f (%d/%d), recall %.3f (%d/%d)", f.Precision(), f.TP, f.TP+f.FP, f.Recall(), f.TP, f.TP+f.FN)
	for _, m := range []struct {
		name string
		t    tally
	}{
		{"priority_reason", reason}, {"account_number", account}, {"application_number", application},
		{"category", category}, {"personal_data", personal}, {"full_name", name}, {"language", lang},
	} {
		t.Logf("%s: accuracy %.3f (%d/%d)", m.name, m.t.rate(), m.t.right, m.t.total)
	}
	if f.Precision() < 0.95 {
		t.Errorf("priority precision %.3f, want at least 0.95", f.Precision())
	}
	if f.Recall() < 0.98 {
		t.Errorf("priority recall %.3f, want at least 0.98", f.Recall())
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
