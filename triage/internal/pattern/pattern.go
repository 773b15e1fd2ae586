// Package pattern matches the rules of package triage against a letter,
// fast. A rule is a Go regular expression whose matches must start and end
// at word boundaries that know Cyrillic; this package compiles it (Compile,
// CompileFolded), lists where in a text a match may begin (Scan, or
// Index.Scan for many rules at once), and finds the matches (Pattern.Each,
// Pattern.Find).
//
// Most of the package is speed: filters derived from each rule (the runes
// and literal prefixes a match must begin with, the words it must contain)
// spare most tries of the regular expression without changing what a rule
// finds. The tests check that on every rule and letter of package triage.
// What the rules mean is triage's business, not this package's.
package pattern

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Pattern is one compiled rule: a regular expression whose matches must
// start and end at word boundaries.
//
// Go's \b knows only ASCII letters, so the boundary is checked here instead:
// where a match begins with a letter or digit, the character before it must
// not be one, and likewise where it ends. A rule therefore matches whole
// words; a stem is written with \p{L}* after it (взлом\p{L}* matches взлом,
// взломали, взломщик but not невзломанный).
//
// Matching is anchored at the candidate starts only: where a word begins (or
// at a character that is not part of a word) with a rune the rule can begin
// with. A match is looked for within matchWindow bytes of its start — rules
// describe phrases, not paragraphs. This keeps the cost of a rule near the
// number of words that start like it, instead of a scan of the whole text
// for every rule.
//
// Filters derived from the rule spare most of those tries without changing
// what it finds: the literal prefixes a match must begin with (prefixes.go),
// looked up for all the rules at once in one pass over the text (index.go),
// and the words a match must contain (factors.go).
type Pattern struct {
	re       *regexp.Regexp // ^(?:rule)
	first    runeSet        // the runes a match can begin with
	low      lowRuneBits    // first, for the runes below lowRunes
	anyFirst bool           // first is unknown: try every candidate start
	prefixes *prefixSet     // how every match begins; nil when unknown
	factors  []factorSet    // every match has a string of each
	index    *Index         // the index the rule is in, or nil
	slot     int            // the rule's number in index
}

// lowRunes bounds the runes looked up in a bitmap instead of a runeSet:
// Latin and Cyrillic, the letters of nearly every letter.
const lowRunes = 0x500

// lowRuneBits is a set of runes below lowRunes.
type lowRuneBits [lowRunes / 64]uint64

// canStart reports whether a match of p can begin with r.
func (p *Pattern) canStart(r rune) bool {
	if p.anyFirst {
		return true
	}
	if r >= 0 && r < lowRunes {
		return p.low[r/64]&(1<<(r%64)) != 0
	}
	return p.first.contains(r)
}

// matchWindow is the most bytes a match may span.
const matchWindow = 512

// macroRef finds a macro reference, written (?&name) as in PCRE. RE2 rejects
// that syntax, so it can never be meant literally.
var macroRef = regexp.MustCompile(`\(\?&([a-z_][a-z0-9_]*)\)`)

// ExpandMacros replaces every (?&name) in src with the named fragment of
// macros. Fragments may refer to other fragments, a few levels deep.
func ExpandMacros(src string, macros map[string]string) (string, error) {
	for range 4 {
		if !strings.Contains(src, "(?&") {
			return src, nil
		}
		if !macroRef.MatchString(src) {
			return "", fmt.Errorf("bad macro reference: want (?&name) with name in lower case")
		}
		var missing string
		src = macroRef.ReplaceAllStringFunc(src, func(ref string) string {
			name := macroRef.FindStringSubmatch(ref)[1]
			body, ok := macros[name]
			if !ok {
				missing = name
				return ref
			}
			return "(?:" + body + ")"
		})
		if missing != "" {
			return "", fmt.Errorf("unknown macro %q", missing)
		}
	}
	if strings.Contains(src, "(?&") {
		return "", fmt.Errorf("macros nested too deep or recursive")
	}
	return src, nil
}

// Compile compiles one rule after expanding its macros, for matching
// against normalised (lower-case) text. A rule written in lower case is
// compiled as it is; one with a capital letter is compiled case-insensitive,
// so that it still matches. Case folding is left out where it is not needed
// because it makes matching slower and the set of first runes larger.
func Compile(src string, macros map[string]string) (*Pattern, error) {
	return compile(src, macros, false)
}

// CompileFolded compiles a rule that is matched against text as written,
// case-insensitively.
func CompileFolded(src string, macros map[string]string) (*Pattern, error) {
	return compile(src, macros, true)
}

func compile(src string, macros map[string]string, fold bool) (*Pattern, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	expanded, err := ExpandMacros(src, macros)
	if err != nil {
		return nil, err
	}
	folded := fold || hasCapital(expanded)
	if folded {
		expanded = "(?i)" + expanded
	}
	if _, err := regexp.Compile(expanded); err != nil {
		return nil, err // the error speaks of the rule as written
	}
	re, err := regexp.Compile(`^(?:` + expanded + `)`)
	if err != nil {
		return nil, err
	}
	p := &Pattern{re: re}
	p.first, p.anyFirst = firstRunes(expanded)
	p.anyFirst = !p.anyFirst
	if set, ok := literalPrefixes(expanded, folded); ok {
		p.prefixes = set
	}
	if !folded {
		p.factors = literalFactors(expanded)
	}
	for i := 0; i < len(p.first); i += 2 {
		for r := p.first[i]; r <= p.first[i+1] && r < lowRunes; r++ {
			p.low[r/64] |= 1 << (r % 64)
		}
	}
	return p, nil
}

// hasCapital reports whether the regular expression src has a capital letter
// that it matches literally: escapes (\S, \P{L}), Unicode class names and
// group names do not count.
func hasCapital(src string) bool {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\':
			i++ // the escaped character
			if i < len(src) && (src[i] == 'p' || src[i] == 'P') && i+1 < len(src) && src[i+1] == '{' {
				end := strings.IndexByte(src[i:], '}')
				if end < 0 {
					return false // an unterminated class; compiling will say so
				}
				i += end
			}
		case c == '(' && strings.HasPrefix(src[i:], "(?P<"):
			if end := strings.IndexByte(src[i:], '>'); end > 0 {
				i += end
			}
		case c == '[' && strings.HasPrefix(src[i:], "[:"):
			if end := strings.Index(src[i:], ":]"); end > 0 {
				i += end + 1 // [[:alpha:]]
			}
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if unicode.IsUpper(r) {
				return true
			}
			i += size - 1
		}
	}
	return false
}

// SubexpIndex returns the index of the submatch of p named name, as the
// indexes Each gives count them, or -1 when there is none.
func (p *Pattern) SubexpIndex(name string) int { return p.re.SubexpIndex(name) }

// A Text is a text with the places where a match may begin: each word
// start, and each rune that is not part of a word. A match that begins with a
// letter or digit in the middle of a word can never be word-bounded.
type Text struct {
	s      string
	starts []int  // byte offsets, ascending
	runes  []rune // the rune at each start

	// With an index: the starts where the rule in slot i may match are
	// cands[candEnd[i-1]:candEnd[i]] (from 0 for slot 0), as indexes into
	// starts.
	index   *Index
	candEnd []int32
	cands   []int32

	// A part of a scanned text (see Part) shares its starts, which are
	// off bytes further and first indexes further than its own, and the
	// trigrams of the whole.
	off, first int
	whole      *Text
	grams      *trigramBits // of s, once needed
}

// Scan lists the starts of s. The list is shared by every pattern matched
// against s, so each pattern only compares runes.
func Scan(s string) *Text {
	t := &Text{s: s}
	prevWord := false
	for pos, r := range s {
		word := IsWordRune(r)
		if !word || !prevWord {
			t.starts = append(t.starts, pos)
			t.runes = append(t.runes, r)
		}
		prevWord = word
	}
	return t
}

// Each calls fn with the submatch indexes of every word-bounded match in t,
// left to right and not overlapping, until fn returns false.
func (p *Pattern) Each(t *Text, fn func(m []int) bool) {
	cands, indexed := t.candidates(p)
	n := len(t.starts)
	if indexed {
		n = len(cands)
	}
	s, next := t.s, 0 // matches may not begin before next
	var cursors [maxFactorSets]factorCursors
	for k := range n {
		i := k
		if indexed {
			if k > 0 && cands[k] == cands[k-1] {
				continue // a rule listed twice for one start
			}
			i = int(cands[k]) - t.first
		}
		pos := t.starts[i] - t.off
		end := min(len(s), pos+matchWindow)
		if pos < next || (!indexed && !p.canBegin(t, i)) ||
			!p.factorsWithin(t, pos, end, &cursors) {
			continue
		}
		m := p.re.FindStringSubmatchIndex(s[pos:end])
		if m == nil || m[1] == 0 || !Bounded(s, pos, pos+m[1]) {
			continue
		}
		for j := range m {
			if m[j] >= 0 {
				m[j] += pos
			}
		}
		if !fn(m) {
			return
		}
		next = m[1]
	}
}

// canBegin reports whether a match of p can begin at start i of t, as far as
// its first rune and prefixes tell.
func (p *Pattern) canBegin(t *Text, i int) bool {
	return p.canStart(t.runes[i]) && (p.prefixes == nil || p.prefixes.has(t.s[t.starts[i]-t.off:]))
}

// factorsWithin reports whether t has, between pos and end, a string of each
// factor set of p.
func (p *Pattern) factorsWithin(t *Text, pos, end int, cursors *[maxFactorSets]factorCursors) bool {
	for j := range p.factors {
		if !p.factors[j].within(t, pos, end, &cursors[j]) {
			return false
		}
	}
	return true
}

// Find returns the first word-bounded match in t, or nil.
func (p *Pattern) Find(t *Text) []int {
	var first []int
	p.Each(t, func(m []int) bool {
		first = m
		return false
	})
	return first
}

// String returns the text.
func (t *Text) String() string { return t.s }

// Bounded reports whether s[start:end] begins and ends at word boundaries.
func Bounded(s string, start, end int) bool {
	if start > 0 {
		first, _ := utf8.DecodeRuneInString(s[start:])
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		if IsWordRune(first) && IsWordRune(before) {
			return false
		}
	}
	if end < len(s) {
		last, _ := utf8.DecodeLastRuneInString(s[:end])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if IsWordRune(last) && IsWordRune(after) {
			return false
		}
	}
	return true
}

// IsWordRune reports whether r is part of a word: a letter or a digit.
func IsWordRune(r rune) bool {
	switch {
	case r < 0x80:
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	case 'А' <= r && r <= 'я':
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
