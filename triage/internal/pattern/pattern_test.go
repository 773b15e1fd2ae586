package pattern

import (
	"fmt"
	"slices"
	"testing"
	"unicode/utf8"
)

// eachSlowly is the reference for Pattern.Each: it tries the anchored
// expression at every rune of s, with no first-rune filter.
func eachSlowly(p *Pattern, s string) [][]int {
	var all [][]int
	for pos := 0; pos < len(s); {
		_, size := utf8.DecodeRuneInString(s[pos:])
		m := p.re.FindStringSubmatchIndex(s[pos:min(len(s), pos+matchWindow)])
		if m == nil || m[1] == 0 || !Bounded(s, pos, pos+m[1]) {
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
// Pattern.Each never skips a match: on every third labelled letter of
// triage (the reference is slow), as written and normalised, every rule of
// triage finds what trying every position finds.
func TestEachMatchesReference(t *testing.T) {
	r := loadTriageRules(t)
	var docs []string
	for i, l := range triageLetters(t) {
		if i%3 == 0 {
			docs = append(docs, l.subject+"\n"+l.text, joinSubject(lower(l.subject), lower(l.text)))
		}
	}
	docs = append(docs, "ЛК 123456 и ЛК 654321, заявка № 12345", "\xff\xfeвзлом\xd0", "", "ВЗЛОМАЛИ Взломали взломали")
	for i, p := range slices.Concat(r.normalised, r.written) {
		for _, doc := range docs {
			var got [][]int
			p.Each(Scan(doc), func(m []int) bool {
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

func TestHasCapital(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`взлом\p{L}*`, false},
		{`\S+\P{Lu}\W\D`, false},
		{`(?P<number>\d+)`, false},
		{`[[:alpha:]]+`, false},
		{`ЛК`, true},
		{`account|Account`, true},
		{`\p{L`, false},
	}
	for _, tt := range tests {
		if got := hasCapital(tt.src); got != tt.want {
			t.Errorf("hasCapital(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}
