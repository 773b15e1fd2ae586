package triage

import (
	"strings"
	"unicode/utf8"

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
//	c:лок      a character n-gram of a word, n from 3 to 5, with _ at the
//	           word's edges, which carries a typo («заблокирывали») or an
//	           unseen form to its neighbours
//
// Numbers are not words: a digit run is the one feature "w:#".
const (
	stemRunes    = 5
	minGram      = 3
	maxGram      = 5
	negatedWords = 2 // how many words after a negation are marked
)

// negators start a negated stretch of a clause.
var negators = wordSet(`не нет ни без никак нельзя not no never cannot cant can't don't dont doesn't didn't isn't wasn't won't couldn't unable`)

// features returns the set of features of a letter, normalised as Extract
// normalises it.
func features(subject, text string) map[string]struct{} {
	return featuresOf(readable(subject, text))
}

// featuresOf returns the set of features of a normalised subject and text.
func featuresOf(ns, nt string) map[string]struct{} {
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
			grams(w, add)
			if negators[w] {
				negated = negatedWords
			}
			prev = s
		}
	}
	return set
}

// readable returns the subject and text as Extract reads them: clipped,
// normalised, and spelt back in Cyrillic when transliterated.
func readable(subject, text string) (string, string) {
	subject = clip(subject, maxSubjectBytes)
	text = strings.ReplaceAll(clip(text, maxTextBytes), "\r", "")
	ns, nt := normalize(subject), normalize(text)
	if language(subject, text) == "en" && transliterated(ns+"\n"+nt) {
		ns, nt = cyrillic(ns), cyrillic(nt)
	}
	return ns, nt
}

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

// grams calls add with the character n-grams of w.
func grams(w string, add func(string)) {
	if utf8.RuneCountInString(w) < 2 {
		return
	}
	padded := []rune("_" + w + "_")
	for n := minGram; n <= maxGram; n++ {
		for i := 0; i+n <= len(padded); i++ {
			add("c:" + string(padded[i:i+n]))
		}
	}
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
