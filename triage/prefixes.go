package triage

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

// prefixSet is a sorted list of strings, none a prefix of another, one of
// which begins every non-empty match of a rule. A rule is tried only where
// the text begins with one of them.
type prefixSet []string

// has reports whether s begins with a string of the set. The set is sorted
// and prefix-free, so only the greatest string not above s can be its prefix.
func (ps prefixSet) has(s string) bool {
	i, found := slices.BinarySearch(ps, s)
	if found {
		return true
	}
	return i > 0 && strings.HasPrefix(s, ps[i-1])
}

// literalPrefixes returns the prefixes of the regular expression src, or
// ok == false when they cannot be listed: the expression can match the empty
// string, begins with a large character class, or has too many.
//
// Every string of the set is a prefix of some match or a whole match, so a
// text that begins with none of them cannot match. Assertions (^, $, \b) are
// read as matching the empty string, which can only add prefixes. Runes that
// a regular expression matches against invalid UTF-8 (U+FFFD) make the set
// unknown, since the bytes of the text would differ.
func literalPrefixes(src string) (set prefixSet, ok bool) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, false
	}
	lits, ok := prefixesOf(re.Simplify())
	if !ok {
		return nil, false
	}
	strs := make([]string, 0, len(lits))
	for _, l := range lits {
		if l.s == "" {
			return nil, false
		}
		strs = append(strs, l.s)
	}
	slices.Sort(strs)
	for _, s := range slices.Compact(strs) {
		if n := len(set); n > 0 && strings.HasPrefix(s, set[n-1]) {
			continue // the shorter one already stands for it
		}
		set = append(set, s)
	}
	return set, true
}

// prefix is a string a match begins with. When exact, it is the whole match
// of the expression it comes from, so what follows the expression continues
// it.
type prefix struct {
	s     string
	exact bool
}

// prefixesOf returns the prefixes of re's matches, or ok == false.
func prefixesOf(re *syntax.Regexp) (lits []prefix, ok bool) {
	switch re.Op {
	case syntax.OpNoMatch:
		return nil, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []prefix{{"", true}}, true
	case syntax.OpLiteral:
		lits = []prefix{{"", true}}
		for _, r := range re.Rune {
			runes := []rune{r}
			if re.Flags&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					runes = append(runes, f)
				}
			}
			next, ok := runePrefixes(runes)
			if !ok {
				return inexact(lits), true
			}
			lits = concatPrefixes(lits, next)
		}
		return lits, true
	case syntax.OpCharClass:
		var runes []rune
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if int(re.Rune[i+1])-int(re.Rune[i]) >= maxClassRunes-len(runes) {
				return nil, false
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				runes = append(runes, r)
			}
		}
		return runePrefixes(runes)
	case syntax.OpCapture:
		return prefixesOf(re.Sub[0])
	case syntax.OpStar:
		sub, ok := prefixesOf(re.Sub[0])
		if !ok {
			return nil, false
		}
		return append(inexact(sub), prefix{"", true}), true
	case syntax.OpPlus:
		sub, ok := prefixesOf(re.Sub[0])
		return inexact(sub), ok
	case syntax.OpQuest:
		sub, ok := prefixesOf(re.Sub[0])
		return append(sub, prefix{"", true}), ok
	case syntax.OpRepeat:
		if re.Max == 0 {
			return []prefix{{"", true}}, true
		}
		sub, ok := prefixesOf(re.Sub[0])
		if !ok {
			return nil, false
		}
		lits = inexact(sub)
		if re.Min == 0 {
			lits = append(lits, prefix{"", true})
		}
		return lits, true
	case syntax.OpConcat:
		lits = []prefix{{"", true}}
		for _, sub := range re.Sub {
			if !slices.ContainsFunc(lits, func(l prefix) bool { return l.exact }) {
				break
			}
			next, ok := prefixesOf(sub)
			if !ok {
				return inexact(lits), true
			}
			lits = concatPrefixes(lits, next)
		}
		return lits, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			next, ok := prefixesOf(sub)
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

// runePrefixes returns each rune as an exact prefix, or ok == false when one
// of them would not be read back from the text as itself.
func runePrefixes(runes []rune) ([]prefix, bool) {
	lits := make([]prefix, 0, len(runes))
	for _, r := range runes {
		if r == utf8.RuneError || !utf8.ValidRune(r) {
			return nil, false
		}
		lits = append(lits, prefix{string(r), true})
	}
	return lits, true
}

// concatPrefixes extends the exact prefixes of lits with those of next. When
// the result would be too many, or a prefix too long, what lits has is kept as
// it is, marked inexact: a shorter prefix still begins every match.
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
			out = append(out, prefix{l.s, false})
			continue
		}
		for _, x := range next {
			out = append(out, prefix{l.s + x.s, x.exact})
		}
	}
	return out
}

// inexact returns lits with every prefix marked inexact.
func inexact(lits []prefix) []prefix {
	out := make([]prefix, len(lits))
	for i, l := range lits {
		out[i] = prefix{l.s, false}
	}
	return out
}
