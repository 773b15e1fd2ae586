package triage

import (
	"regexp"
	"slices"
	"testing"
	"unicode/utf8"
)

var (
	fuzzPhone  = regexp.MustCompile(`^(?:\+7[3489]\d{9})?$`)
	fuzzNumber = regexp.MustCompile(`^(?:\d+(?:-\d+)*)?$`)
)

// FuzzExtract checks that Extract accepts any input and always returns a
// well-formed Fields. The seeds are the labelled letters and, in
// testdata/fuzz/FuzzExtract, the shapes that break text parsers: invalid
// UTF-8, lone combining marks, zero-width characters inside words, long digit
// runs and words, unbalanced quotes, Latin letters posing as Cyrillic ones.
func FuzzExtract(f *testing.F) {
	for _, l := range loadLetters(f) {
		f.Add(l.subject, l.text)
	}
	r := DefaultRules()
	f.Fuzz(func(t *testing.T, subject, text string) {
		got := r.Extract(subject, text)
		if (got.Priority == PriorityHigh) != (got.PriorityReason != ReasonNone) ||
			(got.Priority != PriorityHigh && got.Priority != PriorityNormal) {
			t.Errorf("Extract = priority %q reason %q, want high with a reason or normal without", got.Priority, got.PriorityReason)
		}
		if got.PriorityReason != ReasonNone && got.PriorityReason != ReasonAccessLoss && got.PriorityReason != ReasonDataLeak {
			t.Errorf("Extract reason = %q, not a Reason", got.PriorityReason)
		}
		if !knownCategory(got.Category) {
			t.Errorf("Extract category = %q, not a Category", got.Category)
		}
		if got.PersonalData == nil || !slices.IsSorted(got.PersonalData) || len(slices.Compact(slices.Clone(got.PersonalData))) != len(got.PersonalData) {
			t.Errorf("Extract personal data = %#v, want sorted, unique, not nil", got.PersonalData)
		}
		if !fuzzPhone.MatchString(got.Phone) || (got.Phone != "") != slices.Contains(got.PersonalData, PersonalPhone) {
			t.Errorf("Extract phone = %q with personal data %v", got.Phone, got.PersonalData)
		}
		if !fuzzNumber.MatchString(got.AccountNumber) || !fuzzNumber.MatchString(got.ApplicationNumber) {
			t.Errorf("Extract numbers = %q, %q, want digits and dashes", got.AccountNumber, got.ApplicationNumber)
		}
		if got.Language != "ru" && got.Language != "en" {
			t.Errorf("Extract language = %q", got.Language)
		}
		if !utf8.ValidString(got.FullName) && utf8.ValidString(text) {
			t.Errorf("Extract full name = %q, not valid UTF-8", got.FullName)
		}
		if again := r.Extract(subject, text); !slices.Equal(again.PersonalData, got.PersonalData) || again.FullName != got.FullName || again.Category != got.Category {
			t.Errorf("Extract is not deterministic: %+v then %+v", got, again)
		}
		_ = r.FullNameFromSignature(text)
	})
}
