package triage

import (
	"slices"
	"strings"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

// The identifiers, matched in the normalised document. Digit runs are
// bounded: a match never starts or ends inside a longer number.
var (
	emailPattern = mustPattern(`[\p{L}0-9][\p{L}0-9._%+-]*@[\p{L}0-9-]+(?:\.[\p{L}0-9-]+)*\.\p{L}{2,}`)
	// SNILS after its label, in any spacing: «СНИЛС 12345678901».
	snilsLabelled = mustPattern(`(?:снилс|snils)[^\d\n]{0,20}?(?P<number>\d{3}[ -]?\d{3}[ -]?\d{3}[ -]{0,2}\d{2})`)
	// SNILS without a label only in its printed form: 123-456-789 01.
	snilsPrinted = mustPattern(`(?P<number>\d{3}-\d{3}-\d{3}[ -]\d{2}|\d{3} \d{3} \d{3} \d{2})`)
	// INN only after its label.
	innLabelled = mustPattern(`(?:инн|inn|tin)[^\d\n]{0,20}?(?P<number>\d{12}|\d{10})`)
	// Passport after its label, or as «серия 45 06 номер 123456».
	passportLabelled = mustPattern(`(?:паспорт\p{L}*|passport)[^\d\n]{0,30}?(?P<series>\d{2} ?\d{2})[^\d\n]{0,15}?(?P<number>\d{6})`)
	passportSeries   = mustPattern(`(?:серия|серии|сер\.|series)\s*(?P<series>\d{2} ?\d{2})\s*,?\s*(?:номер|№|n|no\.?|number|#)\s*(?P<number>\d{6})`)
	// A Russian phone: +7 or 8, then ten digits with spaces, dashes and
	// parentheses between them as people write them.
	phonePattern = mustPattern(`(?:\+ ?7|8)[ -]?\(?(?:\d[ ()-]{0,2}){9}\d`)
)

// mustPattern compiles one of the package's own fixed patterns.
func mustPattern(src string) *pattern.Pattern {
	p, err := pattern.Compile(src, nil)
	if err != nil {
		panic(err)
	}
	return p
}

// personalData is what findPersonalData found.
type personalData struct {
	kinds  []PersonalData // sorted, no duplicates
	spans  []span         // where the identifiers are, so nothing else claims them
	kindOf []PersonalData // the kind of each of spans
	phone  string         // the first phone, as +7XXXXXXXXXX
}

// findPersonalData finds the checked identifiers in doc. Each part of the
// document is claimed by the first kind that matches it, in the order email,
// SNILS, INN, passport, phone: a labelled or printed SNILS is never also read
// as a phone.
func findPersonalData(t *pattern.Text) personalData {
	doc := t.String()
	var pd personalData
	claim := func(kind PersonalData, s span) bool {
		for _, t := range pd.spans {
			if t.overlaps(s) {
				return false
			}
		}
		pd.spans = append(pd.spans, s)
		pd.kindOf = append(pd.kindOf, kind)
		if !slices.Contains(pd.kinds, kind) {
			pd.kinds = append(pd.kinds, kind)
		}
		return true
	}
	emailPattern.Each(t, func(m []int) bool {
		claim(PersonalEmail, span{m[0], m[1]})
		return true
	})
	for _, p := range []*pattern.Pattern{snilsLabelled, snilsPrinted} {
		p.Each(t, func(m []int) bool {
			s := group(p, m, "number")
			if ValidSNILS(digitsOf(doc[s.start:s.end])) {
				claim(PersonalSNILS, s)
			}
			return true
		})
	}
	innLabelled.Each(t, func(m []int) bool {
		s := group(innLabelled, m, "number")
		if ValidINN(doc[s.start:s.end]) {
			claim(PersonalINN, s)
		}
		return true
	})
	for _, p := range []*pattern.Pattern{passportLabelled, passportSeries} {
		p.Each(t, func(m []int) bool {
			series, number := group(p, m, "series"), group(p, m, "number")
			if validPassport(digitsOf(doc[series.start:series.end]), doc[number.start:number.end]) {
				claim(PersonalPassport, span{series.start, number.end})
			}
			return true
		})
	}
	phonePattern.Each(t, func(m []int) bool {
		if phone, ok := normalizePhone(doc[m[0]:m[1]]); ok && claim(PersonalPhone, span{m[0], m[1]}) && pd.phone == "" {
			pd.phone = phone
		}
		return true
	})
	slices.Sort(pd.kinds)
	return pd
}

// A Finding is one identifier of personal data in a text: its kind and
// where it stands, text[Start:End].
type Finding struct {
	Kind       PersonalData
	Start, End int
}

// FindPersonalData returns the identifiers of personal data in s, checked
// as Extract checks them (see the package doc), in the order they stand in
// s. Unlike Extract it reads all of s, and it does not spell Latin back in
// Cyrillic. An identifier's span covers the characters normalisation drops
// inside it (a soft hyphen between digits); its label («СНИЛС», «ИНН») is
// not part of it.
func FindPersonalData(s string) []Finding {
	doc, at := normalizeAt(s, true)
	pd := findPersonalData(pattern.Scan(doc))
	out := make([]Finding, len(pd.spans))
	for i, sp := range pd.spans {
		out[i] = Finding{Kind: pd.kindOf[i], Start: at[sp.start], End: at[sp.end]}
	}
	slices.SortFunc(out, func(a, b Finding) int { return a.Start - b.Start })
	return out
}

// group returns the span of the named submatch of m.
func group(p *pattern.Pattern, m []int, name string) span {
	i := p.SubexpIndex(name)
	return span{m[2*i], m[2*i+1]}
}

// normalizePhone returns a Russian phone number written as +7 or 8 and ten
// digits in the form +7XXXXXXXXXX. The ten digits must start with 3, 4, 8 or
// 9, the first digits of Russian geographic, toll-free and mobile codes.
func normalizePhone(s string) (string, bool) {
	d := digitsOf(s)
	if len(d) != 11 || (d[0] != '7' && d[0] != '8') || !strings.ContainsRune("3489", rune(d[1])) {
		return "", false
	}
	if d[0] == '7' && !strings.Contains(s, "+") {
		return "", false
	}
	return "+7" + d[1:], true
}
