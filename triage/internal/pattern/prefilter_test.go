package pattern

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// eachEverywhere is Pattern.Each without the filters: it tries the rule at
// every start. The filters (first runes, prefixes, the index, factors) must
// never change what Each finds.
func eachEverywhere(p *Pattern, t *Text) [][]int {
	var all [][]int
	s, next := t.s, 0
	for _, pos := range t.starts {
		if pos < next {
			continue
		}
		m := p.re.FindStringSubmatchIndex(s[pos:min(len(s), pos+matchWindow)])
		if m == nil || m[1] == 0 || !Bounded(s, pos, pos+m[1]) {
			continue
		}
		for j := range m {
			if m[j] >= 0 {
				m[j] += pos
			}
		}
		all = append(all, m)
		next = m[1]
	}
	return all
}

// eachAll collects what p.Each finds.
func eachAll(p *Pattern, t *Text) [][]int {
	var all [][]int
	p.Each(t, func(m []int) bool {
		all = append(all, m)
		return true
	})
	return all
}

// prefilterTexts returns the texts the filters are checked on: triage's
// labelled letters as written, in capitals and lowered (see lower), its fuzz
// seeds, and a few made to trip them.
func prefilterTexts(tb testing.TB) []string {
	texts := []string{
		"", " ", "\n\n", "a", "я", "?", "\xff", "лк\xff123", "ЛК 123\xd0",
		"С уважением,\nИванов Иван", "С  \t УВАЖЕНИЕМ, Петров П.П.", "best   regards, John Smith", "Kind\tRegards",
		"ʀᴇɢᴀʀᴅꜱ", "\u212Aind regards", "ſincerely yours", "MY NAME IS JOHN SMITH", "Меня  зовут Анна Петрова",
		"не могу войти в личный кабинет", "не  могу\tвойти", "в кабинет уже зашла", "взломали аккаунт!!!",
		"my account was hacked", "I can't log in", "утечка данных", "ЛК№ 123456, заявление № 2024-000123",
		strings.Repeat("не ", 300) + "могу войти", strings.Repeat("а", 600) + " взлом",
		strings.Repeat(" ", 700) + "regards", "Ф.И.О.: Сидоров Сидор Сидорович",
	}
	for _, l := range triageLetters(tb) {
		texts = append(texts, l.subject, l.text, strings.ToUpper(l.text), lower(l.text),
			joinSubject(lower(l.subject), lower(l.text)))
	}
	for _, l := range triageSeeds(tb) {
		texts = append(texts, l.subject, l.text, lower(l.text))
	}
	return texts
}

// TestPrefilterKeepsMatches checks that every rule of triage, and a few an
// operator might write, with its filters, finds on every text what it finds
// when tried at every start.
func TestPrefilterKeepsMatches(t *testing.T) {
	r := loadTriageRules(t)

	// Rules an operator might write, filed in indexes of their own.
	var custom []*Pattern
	for _, src := range []string{
		`Взлом\p{L}*`, `\s*regards`, `[ \t]+лк`, `x*y`, `(?:a|b)?c`, `войти$`, `(?:\s|-)+нет`,
		`(?:мо|сво)(?:й|я)\s+(?:данн|паспорт)\p{L}*`, `[а-я]+ть\s+доступ`, `\d{3}-\d{2}`, `(?:не)?\s*могу`,
		`(?:hello|hi)\s*,?\s*world`, `(?i)Ab\s*Cd`, `[\x{FFFD}]x`, `\bлк\b`, `(?:(?:а|б)\s*)+в`,
	} {
		p, err := Compile(src, nil)
		if err != nil {
			t.Fatalf("Compile(%q) = %v", src, err)
		}
		custom = append(custom, p)
	}
	customFolded := make([]*Pattern, 0, len(custom))
	for _, p := range custom {
		f, err := CompileFolded(strings.TrimPrefix(p.re.String()[len("^(?:"):len(p.re.String())-1], "(?i)"), nil)
		if err != nil {
			t.Fatal(err)
		}
		customFolded = append(customFolded, f)
	}
	plainIndex := NewIndex(false, custom...)
	foldIndex := NewIndex(true, customFolded...)

	checked := 0
	for _, text := range prefilterTexts(t) {
		for _, set := range []struct {
			patterns []*Pattern
			scanned  *Text
		}{
			{r.normalised, r.index.Scan(text)},
			{r.written, r.names.Scan(text)},
			{custom, plainIndex.Scan(text)},
			{customFolded, foldIndex.Scan(text)},
		} {
			plain := Scan(text)
			for _, p := range set.patterns {
				want := eachEverywhere(p, plain)
				if got := eachAll(p, set.scanned); !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("rule %s in %q: each = %v, tried everywhere %v", p.re, text, got, want)
				}
				if got := eachAll(p, plain); !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("rule %s in %q without index: each = %v, tried everywhere %v", p.re, text, got, want)
				}
				checked++
			}
		}
	}
	t.Logf("%d rule and text pairs", checked)
}

// TestPartKeepsMatches checks that the subject and the text, read as parts
// of the document as triage reads them, give each rule what they give
// scanned on their own.
func TestPartKeepsMatches(t *testing.T) {
	r := loadTriageRules(t)
	for _, l := range triageLetters(t) {
		for _, subject := range []string{l.subject, "", "  " + l.subject, "не могу войти"} {
			ns, nt := lower(subject), lower(l.text)
			joined := joinSubject(ns, nt)
			doc := r.index.Scan(joined)
			parts := map[string]*Text{nt: doc.Part(len(joined)-len(nt), len(joined))}
			if strings.TrimSpace(ns) == ns {
				parts[ns] = doc.Part(0, len(ns))
			}
			for text, part := range parts {
				if part.s != text {
					t.Fatalf("part = %q, want %q", part.s, text)
				}
				for _, p := range r.normalised {
					want := eachEverywhere(p, Scan(text))
					if got := eachAll(p, part); !slices.EqualFunc(got, want, slices.Equal) {
						t.Errorf("rule %s in part %q: each = %v, tried everywhere %v", p.re, text, got, want)
					}
				}
			}
		}
	}
}

// TestFoldRune checks the quick cases of foldRune against its definition.
func TestFoldRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		if got := foldRune(r); got != least {
			t.Fatalf("foldRune(%U) = %U, want %U", r, got, least)
		}
	}
}

// TestLiteralPrefixes pins the prefixes of a few rules.
func TestLiteralPrefixes(t *testing.T) {
	tests := []struct {
		src  string
		fold bool
		want string // plain | lead | led, or "none"
	}{
		{`взлом\p{L}*`, false, "[взлом] [] []"},
		{`не\s+могу`, false, "[не\t не\n не\f не\r не ] [] []"},
		{`(?:best|kind)?\s*regards`, false, "[best kind] [\t \n \f \r  ] [regards]"},
		{`(?:best|kind)?\s*regards`, true, "[BEST KIND] [\t \n \f \r  ] [REGARDS]"},
		{`\p{L}+`, false, "none"},
		{`a?`, false, "none"},
		{`\s*\s*x`, false, "[\t \n \f \r  ] [\t \n \f \r  ] [x]"}, // the first run is not a lead: the rest may begin with its runes
		{`(?i)лк`, false, "[ЛК Лк лК лк] [] []"},
	}
	for _, tt := range tests {
		got := "none"
		if ps, ok := literalPrefixes(tt.src, tt.fold); ok {
			got = fmt.Sprintf("%v %v %v", []string(ps.plain), strings.Split(string(ps.lead), ""), []string(ps.led))
		}
		if got != tt.want {
			t.Errorf("literalPrefixes(%q, %v) = %s, want %s", tt.src, tt.fold, got, tt.want)
		}
	}
}

// FuzzPrefilter checks on any text that the filters never change what a
// rule of triage finds, as TestPrefilterKeepsMatches does on chosen ones.
func FuzzPrefilter(f *testing.F) {
	for _, text := range prefilterTexts(f) {
		f.Add(text)
	}
	r := loadTriageRules(f)
	f.Fuzz(func(t *testing.T, text string) {
		for _, set := range []struct {
			patterns []*Pattern
			scanned  *Text
		}{
			{r.normalised, r.index.Scan(lower(text))},
			{r.written, r.names.Scan(text)},
		} {
			plain := Scan(set.scanned.s)
			for _, p := range set.patterns {
				want := eachEverywhere(p, plain)
				if got := eachAll(p, set.scanned); !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("rule %s in %q: each = %v, tried everywhere %v", p.re, set.scanned.s, got, want)
				}
			}
		}
	})
}
