package pattern

import (
	"regexp/syntax"
	"slices"
	"unicode"
)

// runeSet is a set of runes as sorted, non-overlapping closed ranges.
type runeSet []rune // lo0, hi0, lo1, hi1, …

// contains reports whether r is in the set.
func (s runeSet) contains(r rune) bool {
	for i := 0; i < len(s); i += 2 {
		if r < s[i] {
			return false
		}
		if r <= s[i+1] {
			return true
		}
	}
	return false
}

// firstRunes returns the runes a match of the regular expression src can
// begin with, or ok == false when that cannot be said: the expression can
// match the empty string or begin with any character.
func firstRunes(src string) (set runeSet, ok bool) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, false
	}
	var ranges []rune
	nullable, any := first(re.Simplify(), &ranges)
	if nullable || any {
		return nil, false
	}
	return mergeRanges(ranges), true
}

// first appends to ranges the runes a match of re can begin with and reports
// whether re can match the empty string and whether it can begin with any
// rune at all.
func first(re *syntax.Regexp, ranges *[]rune) (nullable, any bool) {
	switch re.Op {
	case syntax.OpNoMatch:
		return false, false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true, false
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return true, false
		}
		r := re.Rune[0]
		*ranges = append(*ranges, r, r)
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				*ranges = append(*ranges, f, f)
			}
		}
		return false, false
	case syntax.OpCharClass:
		*ranges = append(*ranges, re.Rune...)
		return false, false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return false, true
	case syntax.OpCapture, syntax.OpPlus:
		return first(re.Sub[0], ranges)
	case syntax.OpStar, syntax.OpQuest:
		_, any := first(re.Sub[0], ranges)
		return true, any
	case syntax.OpRepeat:
		nullable, any := first(re.Sub[0], ranges)
		return nullable || re.Min == 0, any
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			nullable, any := first(sub, ranges)
			if any {
				return false, true
			}
			if !nullable {
				return false, false
			}
		}
		return true, false
	case syntax.OpAlternate:
		nullable := false
		for _, sub := range re.Sub {
			n, any := first(sub, ranges)
			if any {
				return false, true
			}
			nullable = nullable || n
		}
		return nullable, false
	}
	return false, true // an operator this function does not know: no filter
}

// mergeRanges sorts lo, hi pairs and joins those that overlap or touch.
func mergeRanges(ranges []rune) runeSet {
	pairs := make([][2]rune, 0, len(ranges)/2)
	for i := 0; i+1 < len(ranges); i += 2 {
		pairs = append(pairs, [2]rune{ranges[i], ranges[i+1]})
	}
	slices.SortFunc(pairs, func(a, b [2]rune) int { return int(a[0]) - int(b[0]) })
	var set runeSet
	for _, p := range pairs {
		if n := len(set); n > 0 && p[0] <= set[n-1]+1 {
			set[n-1] = max(set[n-1], p[1])
			continue
		}
		set = append(set, p[0], p[1])
	}
	return set
}
