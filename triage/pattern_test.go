package triage

import (
	"fmt"
	"slices"
	"testing"
	"unicode/utf8"
)

// allPatterns returns every compiled pattern of r and of the package.
func allPatterns(r *Rules) []*pattern {
	ps := slices.Concat(r.account.patterns, r.application.patterns)
	for _, rr := range r.priority.reasons {
		ps = slices.Concat(ps, rr.triggers, rr.exceptions, rr.resolutions)
	}
	for _, cs := range r.category.categories {
		for _, kw := range cs.keywords {
			ps = append(ps, kw.pattern)
		}
	}
	ps = append(ps, r.names.labels, r.names.intros, r.names.signoffs,
		emailPattern, snilsLabelled, snilsPrinted, innLabelled, passportLabelled, passportSeries, phonePattern)
	return ps
}

// eachSlowly is the reference for pattern.each: it tries the anchored
// expression at every rune of s, with no first-rune filter.
func eachSlowly(p *pattern, s string) [][]int {
	var all [][]int
	for pos := 0; pos < len(s); {
		_, size := utf8.DecodeRuneInString(s[pos:])
		m := p.re.FindStringSubmatchIndex(s[pos:min(len(s), pos+matchWindow)])
		if m == nil || m[1] == 0 || !bounded(s, pos, pos+m[1]) {
			pos += size
			continue
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		all = append(all, m)
		pos = m[1]
	}
	return all
}

// TestEachMatchesReference checks that the first-rune filter of
// pattern.each never skips a match: on every third labelled letter (the
// reference is slow), as written and normalised, every pattern finds what
// trying every position finds.
func TestEachMatchesReference(t *testing.T) {
	r := DefaultRules()
	var docs []string
	for i, l := range loadLetters(t) {
		if i%3 == 0 {
			docs = append(docs, l.subject+"\n"+l.text, joinSubject(normalize(l.subject), normalize(l.text)))
		}
	}
	docs = append(docs, "ЛК 123456 и ЛК 654321, заявка № 12345", "\xff\xfeвзлом\xd0", "", "ВЗЛОМАЛИ Взломали взломали")
	for i, p := range allPatterns(r) {
		for _, doc := range docs {
			var got [][]int
			p.each(scan(doc), func(m []int) bool {
				got = append(got, slices.Clone(m))
				return true
			})
			want := eachSlowly(p, doc)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("pattern %d (%s) in %q: each = %v, want %v", i, p.re, doc, got, want)
			}
		}
	}
}

func TestFirstRunes(t *testing.T) {
	tests := []struct {
		src       string
		in, notIn string
		ok        bool
	}{
		{`взлом\p{L}*`, "в", "зx", true},
		{`(?:не|нет)\s+доступ`, "н", "д", true},
		{`(?i)лк`, "лЛ", "к", true},
		{`(?:номер\s+)?лк`, "нл", "к", true},
		{`\d{3}-\d{3}`, "09", "-a", true},
		{`(?:\+ ?7|8)`, "+8", "7", true},
		{`a*`, "", "", false},
		{`.b`, "", "", false},
		{`\?`, "?", "a", true},
	}
	for _, tt := range tests {
		set, ok := firstRunes(tt.src)
		if ok != tt.ok {
			t.Errorf("firstRunes(%q) ok = %v, want %v", tt.src, ok, tt.ok)
			continue
		}
		for _, r := range tt.in {
			if !set.contains(r) {
				t.Errorf("firstRunes(%q) = %v, want it to contain %q", tt.src, set, r)
			}
		}
		for _, r := range tt.notIn {
			if set.contains(r) {
				t.Errorf("firstRunes(%q) = %v, want it not to contain %q", tt.src, set, r)
			}
		}
	}
}
