package store

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The words of the search index. A text is normalised (normalise), cut
// at white space into chunks, and each chunk into words: runs of letters,
// digits and combining marks. Every word is a term; so is a chunk's words
// joined when it has several ("A-77" gives a, 77 and a77; "что-то" gives
// что, то and чтото), which is how numbers typed with separators are
// found with or without them. An e-mail address in a chunk is a term of
// its own kind, whole ("ivan.petrov@example.ru"), and its local part and
// domain are words joined too (ivanpetrov, exampleru). A ticket's own
// number is a term of a third kind, so that "TKT-000123" finds ticket 123
// and no letter that mentions it.
//
// A search is cut the same way, but each of its chunks is one term: an
// address, a ticket number, or its words joined. So "12-345/67" looks for
// 1234567, the account number typed either way; and a search finds whole
// words only: no prefixes, no stems.

// termKind tells the kinds of term apart: the same text is a different
// term as a word, an address or a ticket number.
type termKind byte

// Kinds of term.
const (
	termWord    termKind = 'w'
	termAddress termKind = 'a'
	termNumber  termKind = 'n' // a ticket's own number: its id in decimal
)

// term is one entry of the index before it is hashed (blind.go).
type term struct {
	kind termKind
	text string
}

// Limits of what is indexed.
const (
	// maxIndexedText is how much of a letter's text is indexed; the rest
	// of a long letter (quoted history, pasted logs) is not searched.
	maxIndexedText = 64 << 10
	// maxTicketTerms is the most distinct terms one ticket keeps: a
	// ticket that reaches it takes no new words from further letters.
	maxTicketTerms = 20000
)

// normalise returns s as the index keeps its words: in Unicode
// compatibility composition (NFKC, so that "ﬁ" is "fi" and full-width
// digits are digits), lower case, with ё written е. It is idempotent.
func normalise(s string) string {
	n := strings.Map(lowerRune, norm.NFKC.String(s))
	// Lower-casing may leave a string that NFKC changes again (and NFKC
	// may give capitals, as from ᴬ): then both are applied again, until
	// neither changes anything; two rounds are the most seen.
	for i := 0; i < 3 && !norm.NFKC.IsNormalString(n); i++ {
		n = strings.Map(lowerRune, norm.NFKC.String(n))
	}
	return n
}

// lowerRune is the lower case of r, ё for е.
func lowerRune(r rune) rune {
	r = unicode.ToLower(r)
	if r == 'ё' {
		return 'е'
	}
	return r
}

// wordRune reports whether r belongs to a word: a letter, a digit or other
// number, or a combining mark (which NFKC leaves where no precomposed
// letter exists).
func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

func notWordRune(r rune) bool { return !wordRune(r) }

// words appends the words of s (runs of word runes) to dst.
func words(dst []string, s string) []string {
	for {
		i := strings.IndexFunc(s, wordRune)
		if i < 0 {
			return dst
		}
		s = s[i:]
		j := strings.IndexFunc(s, notWordRune)
		if j < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:j])
		s = s[j:]
	}
}

// localRune reports whether r may be part of the local part of an address
// as the index reads one; domainRune, of its domain.
func localRune(r rune) bool  { return wordRune(r) || strings.ContainsRune(".+-_%'", r) }
func domainRune(r rune) bool { return wordRune(r) || r == '.' || r == '-' }

// The longest local part and domain of an address (RFC 5321, 4.5.3.1).
const (
	maxLocalPart = 64
	maxDomain    = 255
)

// address is an e-mail address found in a chunk, normalised.
type address struct{ local, domain string }

func (a address) String() string { return a.local + "@" + a.domain }

// addresses returns the e-mail addresses in chunk (normalised text without
// white space): around each @, the longest run of characters an address
// may hold on either side, without dots at its ends. "Email:ivan@x.ru,"
// holds ivan@x.ru.
func addresses(chunk string) []address {
	var out []address
	for at := 0; ; {
		i := strings.IndexByte(chunk[at:], '@')
		if i < 0 {
			return out
		}
		i += at
		at = i + 1
		// RFC 5321 (4.5.3.1) bounds the parts, and so the work on a
		// chunk of many @.
		start := i
		for start > 0 && i-start < maxLocalPart {
			r, n := utf8.DecodeLastRuneInString(chunk[:start])
			if !localRune(r) {
				break
			}
			start -= n
		}
		end := i + 1
		for end < len(chunk) && end-i <= maxDomain {
			r, n := utf8.DecodeRuneInString(chunk[end:])
			if !domainRune(r) {
				break
			}
			end += n
		}
		a := address{local: strings.Trim(chunk[start:i], "."), domain: strings.Trim(chunk[i+1:end], ".-")}
		if strings.IndexFunc(a.local, wordRune) >= 0 && strings.IndexFunc(a.domain, wordRune) >= 0 {
			out = append(out, a)
		}
	}
}

// terms collects the distinct terms of a document.
type terms map[term]struct{}

func (ts terms) add(kind termKind, text string) { ts[term{kind, text}] = struct{}{} }

// addText adds the terms of a text: its words, each chunk's words joined,
// and its addresses.
func (ts terms) addText(s string) {
	if len(s) > maxIndexedText {
		// Cut at a space, so that no word is indexed cut short.
		s = s[:maxIndexedText]
		if i := strings.LastIndexAny(s, " \t\r\n"); i > 0 {
			s = s[:i]
		}
	}
	var ws []string
	for _, chunk := range strings.Fields(normalise(s)) {
		ws = words(ws[:0], chunk)
		for _, w := range ws {
			ts.add(termWord, w)
		}
		if len(ws) > 1 {
			ts.add(termWord, joinWords(ws))
		}
		if strings.IndexByte(chunk, '@') >= 0 {
			for _, a := range addresses(chunk) {
				ts.add(termAddress, a.String())
				ts.add(termWord, joined(a.local))
				ts.add(termWord, joined(a.domain))
			}
		}
	}
}

// addNumber adds the terms of a ticket's own number ("TKT-000123"): the
// number, and its digits as words with and without the leading zeros.
func (ts terms) addNumber(id int64, number string) {
	ts.add(termNumber, strconv.FormatInt(id, 10))
	for _, w := range words(nil, normalise(number)) {
		if strings.Trim(w, "0123456789") != "" {
			continue
		}
		ts.add(termWord, w)
		if n := strings.TrimLeft(w, "0"); n != "" {
			ts.add(termWord, n)
		}
	}
}

// joined is the words of s joined into one.
func joined(s string) string { return joinWords(words(nil, s)) }

// joinWords joins words into one, normalised again: a word that begins with a
// combining mark joins the letter before it (and Hangul jamo compose).
func joinWords(ws []string) string {
	if len(ws) == 1 {
		return ws[0]
	}
	return normalise(strings.Join(ws, ""))
}

// ticketTerms are the terms of a ticket's own fields.
func ticketTerms(ts terms, t Ticket) {
	ts.addNumber(t.ID, t.Number)
	fieldTerms(ts, t)
}

// fieldTerms are the terms of a ticket's own fields but its number.
func fieldTerms(ts terms, t Ticket) {
	ts.addText(t.AccountNumber)
	ts.addText(t.ApplicationNumber)
	ts.addText(t.CitizenName)
	ts.addText(t.CitizenAddress)
	ts.addText(t.Subject)
}

// letterTerms are the terms of an inbound letter.
func letterTerms(ts terms, fromName, fromAddress, subject, text string) {
	ts.addText(fromName)
	ts.addText(fromAddress)
	ts.addText(subject)
	ts.addText(text)
}

// searchTerms turns a search into the terms every ticket found must have,
// one per chunk (white-space separated): the addresses in it, else a
// ticket number ("TKT-000123", "tkt123"), else its words joined. Chunks
// without a word are left out.
func searchTerms(search string) []term {
	var out []term
	for _, chunk := range strings.Fields(normalise(search)) {
		if strings.IndexByte(chunk, '@') >= 0 {
			if as := addresses(chunk); len(as) > 0 {
				for _, a := range as {
					out = append(out, term{termAddress, a.String()})
				}
				continue
			}
		}
		chunk = strings.TrimFunc(chunk, notWordRune)
		if n, ok := ticketNumber(chunk); ok {
			out = append(out, term{termNumber, strconv.FormatInt(n, 10)})
			continue
		}
		if w := joined(chunk); w != "" {
			out = append(out, term{termWord, w})
		}
	}
	return out
}

// ticketNumber reads a ticket number as a search may hold it: "tkt-000123"
// or "tkt123" (normalised), giving 123.
func ticketNumber(s string) (int64, bool) {
	digits, ok := strings.CutPrefix(s, "tkt")
	if !ok {
		return 0, false
	}
	digits = strings.TrimPrefix(digits, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimLeft(digits, "0"), 10, 64)
	return n, err == nil && n > 0
}
