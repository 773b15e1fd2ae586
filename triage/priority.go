package triage

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

// priorityRules decide whether a letter is urgent and why.
type priorityRules struct {
	reasons  []reasonRules // in order of precedence
	negation negation
}

// reasonRules are the phrases of one Reason.
type reasonRules struct {
	reason      Reason
	category    Category // the category of letters with this reason; "" = by keywords
	triggers    []*pattern.Pattern
	exceptions  []*pattern.Pattern
	resolutions []*pattern.Pattern
}

// negation holds the words that cancel a phrase standing after them.
type negation struct {
	near, far, breaks *regexp.Regexp // whole-word matchers; nil when empty
	skip              *regexp.Regexp // words passed over without counting
	nearWindow        int
	farWindow         int
}

// maxSkipped is how many skip words the look-back passes over at most, so
// that a run of them cannot make it read a whole clause.
const maxSkipped = 4

// span is a half-open byte range of the document.
type span struct{ start, end int }

func (a span) overlaps(b span) bool { return a.start < b.end && b.start < a.end }

// finding is what the priority rules found in a letter.
type finding int

const (
	foundNothing   finding = iota // no trigger phrase at all
	foundCancelled                // trigger phrases, each negated, part of an exception or resolved
	foundPhrase                   // a trigger phrase that counts
)

// reason returns the first reason, in order of precedence, with a phrase in
// doc that counts, the rules of that reason, and where the phrase stands;
// or, when no phrase counts, whether any was found and cancelled.
func (pr *priorityRules) reason(doc *pattern.Text) (*reasonRules, span, finding) {
	found := foundNothing
	for i := range pr.reasons {
		at, f := pr.reasons[i].fires(doc, &pr.negation)
		if f == foundPhrase {
			return &pr.reasons[i], at, f
		}
		found = max(found, f)
	}
	return nil, span{}, found
}

// fires reports whether a trigger of rr counts in doc, and where the first
// that counts stands: it is not negated, not part of an exception, and no
// resolution comes after it. Exceptions and resolutions are looked for only
// once a trigger is found, which most letters never have.
func (rr *reasonRules) fires(doc *pattern.Text, neg *negation) (span, finding) {
	var exceptions []span
	resolvedUpTo := -1 // the last resolution that counts cancels every trigger before it
	prepared := false
	prepare := func() {
		prepared = true
		for _, p := range rr.exceptions {
			p.Each(doc, func(m []int) bool {
				exceptions = append(exceptions, span{m[0], m[1]})
				return true
			})
		}
		for _, p := range rr.resolutions {
			p.Each(doc, func(m []int) bool {
				if m[0] > resolvedUpTo && !neg.negated(doc.String(), m[0]) && !neg.negatedInside(doc.String()[m[0]:m[1]]) {
					resolvedUpTo = m[0]
				}
				return true
			})
		}
	}
	var fired span
	found := foundNothing
	for _, p := range rr.triggers {
		p.Each(doc, func(m []int) bool {
			s := span{m[0], m[1]}
			found = foundCancelled // until it is seen to count
			if neg.negated(doc.String(), s.start) {
				return true
			}
			if !prepared {
				prepare()
			}
			if s.end <= resolvedUpTo {
				return true
			}
			for _, e := range exceptions {
				if s.overlaps(e) {
					return true
				}
			}
			fired, found = s, foundPhrase
			return false
		})
		if found == foundPhrase {
			return fired, found
		}
	}
	return span{}, found
}

// negated reports whether the phrase at doc[start:] is cancelled by a word
// before it in the same clause: a near word within nearWindow words, or a far
// word within farWindow words. Skip words («никакой», "any", "been") are
// passed over without counting them.
func (n *negation) negated(doc string, start int) bool {
	window := max(n.nearWindow, n.farWindow)
	found := false
	i, skipped := 0, 0
	wordsBefore(doc[:start], window+maxSkipped, n.breaks, func(w string) bool {
		if (i < n.nearWindow && matchWord(n.near, w)) || (i < n.farWindow && matchWord(n.far, w)) {
			found = true
			return false
		}
		if skipped < maxSkipped && matchWord(n.skip, w) {
			skipped++
		} else {
			i++
		}
		return i < window
	})
	return found
}

// negatedInside reports whether a near word occurs within the phrase. Used
// for resolutions, which never contain a negation when they mean that the
// problem is over («войти так и не удалось»).
func (n *negation) negatedInside(phrase string) bool {
	for _, w := range strings.FieldsFunc(phrase, func(r rune) bool { return !pattern.IsWordRune(r) && r != '\'' && r != '-' }) {
		if matchWord(n.near, w) {
			return true
		}
	}
	return false
}

// matchWord reports whether re, a whole-word matcher, matches w.
func matchWord(re *regexp.Regexp, w string) bool { return re != nil && re.MatchString(w) }

// wordsBefore calls fn with up to limit words that come before the end of s,
// nearest first, until fn returns false. It stops at the start of the clause:
// punctuation that ends one (. , ; : ! ? ( ) " and a lone dash), a blank line,
// or a break word.
func wordsBefore(s string, limit int, breaks *regexp.Regexp, fn func(w string) bool) {
	end := len(s)
	newlines := 0
	for n := 0; n < limit && end > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:end])
		switch {
		case r == ' ':
			end -= size
		case r == '\n':
			newlines++
			if newlines > 1 {
				return
			}
			end -= size
		case pattern.IsWordRune(r) || r == '\'':
			start := end
			for start > 0 {
				r, size := utf8.DecodeLastRuneInString(s[:start])
				if !(pattern.IsWordRune(r) || r == '\'' || (r == '-' && start-size > 0 && start < end)) {
					break
				}
				start -= size
			}
			w := strings.Trim(s[start:end], "-")
			if matchWord(breaks, w) || !fn(w) {
				return
			}
			end = start
			newlines = 0
			n++
		default:
			return // punctuation ends the clause
		}
	}
}

// compileWordSet compiles whole-word patterns into one case-insensitive
// matcher, or nil for an empty list.
func compileWordSet(key string, words []string) (*regexp.Regexp, error) {
	if len(words) == 0 {
		return nil, nil
	}
	parts := make([]string, len(words))
	for i, w := range words {
		if _, err := regexp.Compile(w); err != nil || strings.TrimSpace(w) == "" {
			if err == nil {
				err = fmt.Errorf("empty word")
			}
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		parts[i] = "(?:" + w + ")"
	}
	return regexp.Compile(`(?i)^(?:` + strings.Join(parts, "|") + `)$`)
}
