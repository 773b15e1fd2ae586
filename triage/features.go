package triage

import (
	"slices"
	"strings"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

// The model reads a letter as a bag of features, each a string with a
// prefix that says what kind it is:
//
//	w:пароль   a word, normalised (lowered, ё as е, transliteration spelt back)
//	s:парол    the word's stem: its first stemRunes runes, so that Russian
//	           endings («заблокировали», «заблокирован») meet
//	n:войти    a stem that follows a negation («не», "not") in its clause
//	b:не_могу  two stems side by side in a clause
//	t:войти    a stem of the subject
//
// Numbers are not words: a digit run is the one feature "w:#".
//
// Character n-grams (3 to 5 runes) were tried and left out: on 915 letters
// they lowered the ten-fold cross-validated recall at a precision of 0.90
// from 0.984 to 0.964. The stems carry most typos at the ends of words
// («заблокирывали» meets «заблокировали»).
const (
	stemRunes    = 5
	negatedWords = 2 // how many words after a negation are marked
)

// negators start a negated stretch of a clause.
var negators = wordSet(`не нет ни без никак нельзя not no never cannot cant can't don't dont doesn't didn't isn't wasn't won't couldn't unable`)

// features returns the set of features of a letter, normalised as Extract
// normalises it.
func features(subject, text string) featureSet {
	rd := readLetter(subject, text)
	return featuresOf(rd.ns, rd.nt)
}

// featuresOf returns the set of features of a normalised subject and text.
func featuresOf(ns, nt string) featureSet {
	set := make(map[string]struct{}, 256)
	add := func(f string) { set[f] = struct{}{} }
	for _, w := range words(ns) {
		if w != "" {
			add("t:" + stem(w))
		}
	}
	for _, clause := range clauses(ns + "\n" + nt) {
		negated := 0
		prev := ""
		for _, w := range clause {
			if isNumber(w) {
				add("w:#")
				prev, negated = "", 0
				continue
			}
			s := stem(w)
			add("w:" + w)
			add("s:" + s)
			if negated > 0 {
				add("n:" + s)
				negated--
			}
			if prev != "" {
				add("b:" + prev + "_" + s)
			}
			if negators[w] {
				negated = negatedWords
			}
			prev = s
		}
	}
	fs := make(featureSet, 0, len(set))
	for f := range set {
		fs = append(fs, f)
	}
	slices.Sort(fs)
	return fs
}

// featureSet is the features of a letter, sorted, each once: in the same
// order every time, so that a score is summed the same way every time.
type featureSet []string

// clauses splits normalised text into clauses of words: punctuation that
// ends a clause, and line breaks, end one.
func clauses(s string) [][]string {
	var out [][]string
	var cur []string
	start := -1
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	for i, r := range s {
		word := pattern.IsWordRune(r) || r == '\''
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			cur = append(cur, strings.Trim(s[start:i], "'"))
			start = -1
		}
		if !word && strings.ContainsRune(".,;:!?()\"\n", r) {
			flush()
		}
	}
	if start >= 0 {
		cur = append(cur, strings.Trim(s[start:], "'"))
	}
	flush()
	return out
}

// words returns the words of s in order.
func words(s string) []string {
	var out []string
	for _, c := range clauses(s) {
		out = append(out, c...)
	}
	return out
}

// stem returns the first stemRunes runes of w.
func stem(w string) string {
	n := 0
	for i := range w {
		if n == stemRunes {
			return w[:i]
		}
		n++
	}
	return w
}

// isNumber reports whether w is made of digits only.
func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}
