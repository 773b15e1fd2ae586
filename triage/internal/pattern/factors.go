package pattern

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of the words a rule's matches must contain.
const (
	maxFactors      = 16 // strings in one set
	maxFactorSets   = 3  // sets a match must have a string of each
	goodFactorBytes = 6  // a set this long is worth taking even near the start
)

// A factorSet is a list of strings one of which every match of a rule
// contains: «зашел», «вошел»… in «в кабинет уже зашла». A rule need not be
// tried at a start when none of them occurs in the match window that
// follows it. The strings are chosen as far from the start of the rule as
// can be, since its prefixes already tell about the start.
type factorSet []factor

// A factor is a string of a factorSet and the trigram bits of its bytes.
type factor struct {
	s     string
	grams []uint16
}

// trigramBits is a Bloom filter of the three-byte sequences of a text: a
// string with a sequence whose bit is not set does not occur in the text.
type trigramBits [8192 / 64]uint64

// trigram returns the bit of the three bytes b0 b1 b2.
func trigram(b0, b1, b2 byte) uint16 {
	return uint16((uint32(b0)<<16 | uint32(b1)<<8 | uint32(b2)) * 0x9E3779B1 >> (32 - 13))
}

// add sets the bits of the trigrams of s.
func (tb *trigramBits) add(s string) {
	for i := 0; i+2 < len(s); i++ {
		g := trigram(s[i], s[i+1], s[i+2])
		tb[g/64] |= 1 << (g % 64)
	}
}

// mayHave reports whether f may occur in the text of tb.
func (tb *trigramBits) mayHave(f *factor) bool {
	for _, g := range f.grams {
		if tb[g/64]&(1<<(g%64)) == 0 {
			return false
		}
	}
	return true
}

// newFactor returns f with its trigram bits.
func newFactor(f string) factor {
	fc := factor{s: f}
	for i := 0; i+2 < len(f); i++ {
		fc.grams = append(fc.grams, trigram(f[i], f[i+1], f[i+2]))
	}
	return fc
}

// factorCursors remember, for each string of a factorSet, where it next
// occurs in the text, plus one: 0 when not yet looked for, -1 when it does
// not occur again.
type factorCursors [maxFactors]int32

// within reports whether a string of fs occurs in the text of t at pos or
// after it and ends no later than end. The starts passed in must not
// decrease.
func (fs factorSet) within(t *Text, pos, end int, next *factorCursors) bool {
	for i := range fs {
		f := &fs[i]
		at := int(next[i]) - 1
		switch {
		case next[i] == 0 && !t.trigrams().mayHave(f):
			at = -1
			next[i] = -1
		case next[i] == 0 || (at >= 0 && at < pos):
			at = indexFrom(t.s, f.s, pos)
			next[i] = int32(at + 1)
		}
		if at >= 0 && at+len(f.s) <= end {
			return true
		}
	}
	return false
}

// indexFrom returns the index of the first f in s at from or after it, or -1.
func indexFrom(s, f string, from int) int {
	i := strings.Index(s[from:], f)
	if i < 0 {
		return -1
	}
	return from + i
}

// literalFactors returns sets of strings such that every match of the
// regular expression src contains a string of each set, or nil when there
// are none. Matches folded to a case are not supported.
func literalFactors(src string) []factorSet {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub // every part of a match holds a string of its own set
	}
	var found [][]string
	for _, sub := range subs {
		if fs, ok := factorsOf(sub); ok && len(fs) > 0 {
			found = append(found, fs)
		}
	}
	slices.SortStableFunc(found, func(a, b []string) int { return shortest(b) - shortest(a) })
	var sets []factorSet
	for _, fs := range found[:min(len(found), maxFactorSets)] {
		slices.Sort(fs)
		var set factorSet
		for _, f := range slices.Compact(fs) {
			set = append(set, newFactor(f))
		}
		sets = append(sets, set)
	}
	return sets
}

// factorsOf returns strings one of which every match of re contains.
func factorsOf(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 || slices.ContainsFunc(re.Rune, func(r rune) bool { return r == utf8.RuneError || !utf8.ValidRune(r) }) {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture, syntax.OpPlus:
		return factorsOf(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false
		}
		return factorsOf(re.Sub[0])
	case syntax.OpConcat:
		// The last part with a long enough set, or else the one with the
		// longest shortest string.
		var best []string
		for i := len(re.Sub) - 1; i >= 0; i-- {
			fs, ok := factorsOf(re.Sub[i])
			if !ok {
				continue
			}
			if shortest(fs) >= goodFactorBytes {
				return fs, true
			}
			if best == nil || shortest(fs) > shortest(best) {
				best = fs
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			fs, ok := factorsOf(sub)
			if !ok {
				return nil, false
			}
			all = append(all, fs...)
		}
		if len(all) > maxFactors {
			return nil, false
		}
		return all, true
	}
	return nil, false // can match the empty string, or a class of runes: nothing to say
}

// shortest returns the length of the shortest string of fs.
func shortest(fs []string) int {
	n := -1
	for _, f := range fs {
		if n < 0 || len(f) < n {
			n = len(f)
		}
	}
	return n
}

// trigrams returns the trigram bits of the text of t, computed on first use.
// Those of a part are the whole's: what the part holds, the whole holds.
func (t *Text) trigrams() *trigramBits {
	t = t.root()
	if t.grams == nil {
		t.grams = new(trigramBits)
		t.grams.add(t.s)
	}
	return t.grams
}

// root returns the scanned text t is a part of, or t.
func (t *Text) root() *Text {
	if t.whole != nil {
		return t.whole
	}
	return t
}
