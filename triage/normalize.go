package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input limits: Extract reads no more than this much of a letter, which
// bounds its time on hostile input.
const (
	maxTextBytes    = 64 << 10
	maxSubjectBytes = 4 << 10
)

// normalize lowers s and folds the spellings that vary between writers and
// keyboards to one form, so that the rules need to list only one: ё becomes
// е, every dash becomes a hyphen-minus, typographic quotes become straight
// double quotes and apostrophes straight ones, and non-breaking spaces, tabs
// and carriage returns become spaces.
// Line breaks are kept: a blank line ends a clause.
func normalize(s string) string {
	n, _ := normalizeAt(s, false)
	return n
}

// normalizeAt is normalize, and with mapped, where each byte of the result
// came from: at[i] is the offset in s of the rune that gave byte i, and
// at[len(result)] is len(s). Runes normalize drops (soft hyphens,
// zero-width characters) give no bytes; a span of the result mapped back
// through at covers the ones inside it.
func normalizeAt(s string, mapped bool) (string, []int) {
	var b strings.Builder
	b.Grow(len(s))
	var at []int
	if mapped {
		at = make([]int, 0, len(s)+1)
	}
	for i, r := range s {
		switch r {
		case 'ё', 'Ё':
			r = 'е'
		case '\u00a0', '\u2007', '\u202f', '\u2009', '\t', '\r', '\v', '\f':
			r = ' '
		case '‐', '‑', '‒', '–', '—', '―', '−':
			r = '-'
		case '’', '‘', 'ʼ', '`', '´':
			r = '\''
		case '«', '»', '“', '”', '„':
			r = '"'
		case '\u00ad', '\u200b', '\u200c', '\u200d', '\ufeff':
			continue // soft hyphen and zero-width characters split words invisibly
		default:
			r = unicode.ToLower(r)
		}
		n, _ := b.WriteRune(r)
		if mapped {
			for range n {
				at = append(at, i)
			}
		}
	}
	if mapped {
		at = append(at, len(s))
	}
	return b.String(), at
}

// joinSubject returns the normalised subject and text as one document. The
// subject ends a sentence, so no phrase runs from it into the text.
func joinSubject(subject, text string) string {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		return text
	}
	return subject + ".\n" + text
}

// clip returns at most the first n bytes of s, cut at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
