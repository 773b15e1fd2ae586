package pattern

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the literal prefixes derived from a rule: more, or longer, would
// cost more to compare than they save.
const (
	maxPrefixes    = 64 // strings in one set
	maxPrefixBytes = 16 // a prefix is not extended past this length
	maxClassRunes  = 16 // runes of a character class spelt out
)

// A prefixSet says how every non-empty match of a rule begins: with one of
// the strings of plain, or with a run (maybe empty) of the runes of lead
// followed by one of the strings of led. A rule is tried only at the starts
// of a text where one of them begins; the others cannot match. A rule whose
// matches may begin with a space before a word (\s*regards) has the space as
// lead, so that it is not tried at every space.
type prefixSet struct {
	plain strs
	lead  []rune // sorted; nil when led is empty
	led   strs   // none begins with a rune of lead
	fold  bool   // runes are compared as foldRune writes them
	width int    // bytes of the longest string
}

// strs is a sorted list of strings, none a prefix of another.
type strs []string

// begins reports whether s begins with a string of ss. As ss is sorted and
// prefix-free, only the greatest string not above s can be its prefix.
func (ss strs) begins(s string) bool {
	i, found := slices.BinarySearch(ss, s)
	if found {
		return true
	}
	return i > 0 && strings.HasPrefix(s, ss[i-1])
}

// beginsBytes is begins for a byte slice.
func (ss strs) beginsBytes(b []byte) bool {
	lo, hi := 0, len(ss) // the first string above b is ss[lo]
	for lo < hi {
		if m := int(uint(lo+hi) >> 1); ss[m] <= string(b) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo > 0 && len(b) >= len(ss[lo-1]) && string(b[:len(ss[lo-1])]) == ss[lo-1]
}

// has reports whether s begins as the set says a match does.
func (ps *prefixSet) has(s string) bool {
	if ps.fold {
		return ps.hasFolded(s)
	}
	if ps.plain.begins(s) {
		return true
	}
	if ps.lead == nil {
		return false
	}
	return ps.led.begins(skipRunes(s, ps.lead, false))
}

// hasFolded is has for a set that folds: the beginning of s is written as
// foldRune gives it before it is compared.
func (ps *prefixSet) hasFolded(s string) bool {
	var buf [128]byte
	if ps.plain.beginsBytes(foldHead(buf[:0], s, ps.width)) {
		return true
	}
	if ps.lead == nil {
		return false
	}
	return ps.led.beginsBytes(foldHead(buf[:0], skipRunes(s, ps.lead, true), ps.width))
}

// skipRunes returns s after the runes of lead it begins with, compared as
// foldRune writes them when fold.
func skipRunes(s string, lead []rune, fold bool) string {
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		if fold {
			r = foldRune(r)
		}
		if _, found := slices.BinarySearch(lead, r); !found {
			break
		}
		s = s[n:]
	}
	return s
}

// foldHead appends to b the first width bytes or more of s written as
// foldRune gives it, and returns the extended slice.
func foldHead(b []byte, s string, width int) []byte {
	for _, r := range s {
		if len(b) >= width {
			break
		}
		b = utf8.AppendRune(b, foldRune(r))
	}
	return b
}

// literalPrefixes returns how the matches of the regular expression src
// begin, or ok == false when that cannot be said in a short list: the
// expression can match the empty string, begins with a large character
// class, or has too many prefixes.
//
// Every string of the set is a prefix of some match or a whole match, so a
// text that begins with none of them cannot match. Assertions (^, $, \b) are
// read as matching the empty string, which can only add prefixes. Runes that
// a regular expression matches against invalid UTF-8 (U+FFFD) make the set
// unknown, since the bytes of the text would differ.
//
// With fold, every rune is written as foldRune gives it, so that the set is
// of prefixes of the matches with their runes so written: a text can match
// only where its runes, so written, begin with one of them.
func literalPrefixes(src string, fold bool) (*prefixSet, bool) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, false
	}
	lits, ok := prefixesOf(re.Simplify(), fold)
	if !ok {
		return nil, false
	}
	ps := &prefixSet{fold: fold}
	var plain, led []string
	for _, l := range lits {
		switch {
		case l.s == "":
			return nil, false
		case l.lead == nil:
			plain = append(plain, l.s)
		case ps.lead != nil && !slices.Equal(ps.lead, l.lead):
			return nil, false // two kinds of lead: not worth a list
		default:
			ps.lead = l.lead
			led = append(led, l.s)
		}
		ps.width = max(ps.width, len(l.s))
	}
	ps.plain, ps.led = prefixFree(plain), prefixFree(led)
	return ps, true
}

// prefixFree sorts ss and drops each string that begins with another one.
func prefixFree(ss []string) strs {
	slices.Sort(ss)
	var out strs
	for _, s := range slices.Compact(ss) {
		if n := len(out); n > 0 && strings.HasPrefix(s, out[n-1]) {
			continue // the shorter one already stands for it
		}
		out = append(out, s)
	}
	return out
}

// prefix is a string a match begins with, after a run of the runes of lead
// when lead is not nil. When exact, it is the whole match of the expression
// it comes from, so what follows the expression continues it.
type prefix struct {
	lead  []rune
	s     string
	exact bool
}

// prefixesOf returns the prefixes of re's matches, or ok == false.
func prefixesOf(re *syntax.Regexp, fold bool) (lits []prefix, ok bool) {
	switch re.Op {
	case syntax.OpNoMatch:
		return nil, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []prefix{{s: "", exact: true}}, true
	case syntax.OpLiteral, syntax.OpCharClass:
		var runes []rune
		lits = []prefix{{s: "", exact: true}}
		for _, rs := range runeSteps(re, fold) {
			if rs == nil {
				if re.Op == syntax.OpCharClass {
					return nil, false
				}
				return inexact(lits), true
			}
			runes = rs
			lits = concatPrefixes(lits, runePrefixes(rs))
		}
		if runes == nil && re.Op == syntax.OpCharClass {
			return nil, true // an empty class matches nothing
		}
		return lits, true
	case syntax.OpCapture:
		return prefixesOf(re.Sub[0], fold)
	case syntax.OpStar:
		sub, ok := prefixesOf(re.Sub[0], fold)
		if !ok {
			return nil, false
		}
		return append(inexact(sub), prefix{s: "", exact: true}), true
	case syntax.OpPlus:
		sub, ok := prefixesOf(re.Sub[0], fold)
		return inexact(sub), ok
	case syntax.OpQuest:
		sub, ok := prefixesOf(re.Sub[0], fold)
		return append(sub, prefix{s: "", exact: true}), ok
	case syntax.OpRepeat:
		if re.Max == 0 {
			return []prefix{{s: "", exact: true}}, true
		}
		sub, ok := prefixesOf(re.Sub[0], fold)
		if !ok {
			return nil, false
		}
		lits = inexact(sub)
		if re.Min == 0 {
			lits = append(lits, prefix{s: "", exact: true})
		}
		return lits, true
	case syntax.OpConcat:
		return concatOf(re.Sub, fold)
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			next, ok := prefixesOf(sub, fold)
			if !ok {
				return nil, false
			}
			lits = append(lits, next...)
		}
		if len(lits) > maxPrefixes {
			return nil, false
		}
		return lits, true
	}
	return nil, false // OpAnyChar, OpAnyCharNotNL, or an operator this function does not know
}

// concatOf returns the prefixes of the concatenation of subs.
func concatOf(subs []*syntax.Regexp, fold bool) ([]prefix, bool) {
	lits := []prefix{{s: "", exact: true}}
	for i, sub := range subs {
		if !slices.ContainsFunc(lits, func(l prefix) bool { return l.exact }) {
			break
		}
		if lead := leadRunes(sub, fold); lead != nil && slices.ContainsFunc(lits, func(l prefix) bool { return l.exact && l.s == "" && l.lead == nil }) {
			// A run of lead, then the rest: the rest's prefixes, led.
			rest, ok := concatOf(subs[i+1:], fold)
			if ok && !slices.ContainsFunc(rest, func(l prefix) bool { return l.s == "" || l.lead != nil || beginsWith(l.s, lead) }) {
				out := make([]prefix, 0, len(lits)+len(rest))
				for _, l := range lits {
					if l.exact && l.s == "" && l.lead == nil {
						for _, r := range rest {
							out = append(out, prefix{lead: lead, s: r.s, exact: r.exact})
						}
						continue
					}
					out = append(out, prefix{lead: l.lead, s: l.s, exact: false})
				}
				return out, true
			}
		}
		next, ok := prefixesOf(sub, fold)
		if !ok {
			return inexact(lits), true
		}
		lits = concatPrefixes(lits, next)
	}
	return lits, true
}

// leadRunes returns the runes of re when it is a run of a few runes (\s*,
// [ \t]+), as foldRune writes them with fold, sorted; or nil.
func leadRunes(re *syntax.Regexp, fold bool) []rune {
	if re.Op != syntax.OpStar && re.Op != syntax.OpPlus {
		return nil
	}
	steps := runeSteps(re.Sub[0], fold)
	if len(steps) != 1 || steps[0] == nil {
		return nil
	}
	lead := slices.Clone(steps[0])
	slices.Sort(lead)
	return slices.Compact(lead)
}

// beginsWith reports whether s begins with one of runes.
func beginsWith(s string, runes []rune) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return slices.Contains(runes, r)
}

// runeSteps returns, for a literal or a character class, the runes each of
// its characters may be, as foldRune writes them with fold; a step is nil
// when it has too many runes or a rune that cannot be compared as bytes. For
// any other expression it returns nil.
func runeSteps(re *syntax.Regexp, fold bool) [][]rune {
	switch re.Op {
	case syntax.OpLiteral:
		steps := make([][]rune, len(re.Rune))
		for i, r := range re.Rune {
			runes := []rune{r}
			if re.Flags&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					runes = append(runes, f)
				}
			}
			steps[i] = comparable(runes, fold)
		}
		return steps
	case syntax.OpCharClass:
		var runes []rune
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if int(re.Rune[i+1])-int(re.Rune[i]) >= maxClassRunes-len(runes) {
				return [][]rune{nil}
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				runes = append(runes, r)
			}
		}
		if runes == nil {
			return nil
		}
		return [][]rune{comparable(runes, fold)}
	}
	return nil
}

// comparable returns runes, as foldRune writes them with fold and without
// repeats, or nil when one of them would not be read back from a text as
// itself.
func comparable(runes []rune, fold bool) []rune {
	out := make([]rune, 0, len(runes))
	for _, r := range runes {
		if r == utf8.RuneError || !utf8.ValidRune(r) {
			return nil
		}
		if fold {
			r = foldRune(r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// runePrefixes returns each rune as an exact prefix.
func runePrefixes(runes []rune) []prefix {
	lits := make([]prefix, len(runes))
	for i, r := range runes {
		lits[i] = prefix{s: string(r), exact: true}
	}
	return lits
}

// foldRune returns the least rune that r matches case-insensitively: the
// least of its orbit under unicode.SimpleFold. Two runes match each other
// case-insensitively when they have the same foldRune.
func foldRune(r rune) rune {
	switch {
	case 'a' <= r && r <= 'z':
		return r - 'a' + 'A'
	case r < 0x80 || ('А' <= r && r <= 'Я'):
		return r
	case 'а' <= r && r <= 'я':
		return r - 'а' + 'А'
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// concatPrefixes extends the exact prefixes of lits with those of next. When
// the result would be too many, or a prefix too long, what lits has is kept as
// it is, marked inexact: a shorter prefix still begins every match. A prefix
// with a lead is extended only when it is not empty.
func concatPrefixes(lits, next []prefix) []prefix {
	n := 0
	for _, l := range lits {
		if l.exact {
			n += len(next)
		} else {
			n++
		}
	}
	if n > maxPrefixes {
		return inexact(lits)
	}
	out := make([]prefix, 0, n)
	for _, l := range lits {
		if !l.exact || len(l.s) >= maxPrefixBytes {
			out = append(out, prefix{lead: l.lead, s: l.s, exact: false})
			continue
		}
		for _, x := range next {
			switch {
			case x.lead == nil:
				out = append(out, prefix{lead: l.lead, s: l.s + x.s, exact: x.exact})
			case l.s == "" && l.lead == nil:
				out = append(out, x)
			default: // a lead inside a prefix: keep what comes before it
				out = append(out, prefix{lead: l.lead, s: l.s, exact: false})
			}
		}
	}
	return out
}

// inexact returns lits with every prefix marked inexact.
func inexact(lits []prefix) []prefix {
	out := make([]prefix, len(lits))
	for i, l := range lits {
		out[i] = prefix{lead: l.lead, s: l.s, exact: false}
	}
	return out
}
