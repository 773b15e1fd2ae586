package replies

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ticketd/ticketd/templates"
)

// Limits of the header fields Compose writes.
const (
	// MaxSubjectRunes is the longest subject written; a longer one is cut
	// and ends in "…". The templates already cut the citizen's subject
	// shorter (templates.MaxSubjectRunes) and put the ticket tag first, so
	// this only stops a caller that passes a subject of its own.
	MaxSubjectRunes = 400
	// lineMax is the length a header line should keep to (RFC 5322
	// section 2.1.1 says 78 characters; 998 is the hard limit).
	lineMax = 78
	// wordMax is the longest encoded word (RFC 2047 section 2).
	wordMax = 75
	// maxMsgID is the longest message id written in In-Reply-To or
	// References; a longer one cannot be folded onto a line of sane length
	// and is left out.
	maxMsgID = 250
)

// oneLine makes s one line of text for a header field or a display name,
// as the templates make the values they take from a letter
// (templates.OneLine): no control characters, line separators or bidi
// controls, single spaces, at most n runes (any length for n ≤ 0).
func oneLine(s string, n int) string { return templates.OneLine(s, n) }

// unstructured returns the value of an unstructured field (RFC 5322
// section 3.2.5) holding the one-line text s, ready to follow "field: ",
// folded with CRLF SP so that every line is at most lineMax characters.
// Printable ASCII is written as it is when each of its words fits on a
// line and it holds no "=?"; anything else is written as UTF-8 encoded
// words (RFC 2047), so that a long word, a non-ASCII character or text
// that looks like an encoded word comes back exactly as it was.
func unstructured(field, s string) string {
	room := lineMax - len(field) - len(": ")
	tokens, ok := plainWords(s, room)
	if !ok {
		tokens = encodeWords(s, min(wordMax, room))
	}
	var b strings.Builder
	n := len(field) + len(": ")
	for i, t := range tokens {
		if i > 0 {
			if n+1+len(t) > lineMax {
				b.WriteString("\r\n ")
				n = 1
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(t)
		n += len(t)
	}
	return b.String()
}

// plainWords splits s into its words when it can be written without
// encoding: printable ASCII, no "=?", no word longer than room.
func plainWords(s string, room int) ([]string, bool) {
	if strings.Contains(s, "=?") {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return nil, false
		}
	}
	words := strings.Split(s, " ")
	for _, w := range words {
		if len(w) > room {
			return nil, false
		}
	}
	return words, true
}

// encodeWords writes s as UTF-8 encoded words of at most max characters,
// each holding whole characters (RFC 2047 section 5). It uses B when that
// is shorter than Q, as it is for Cyrillic.
func encodeWords(s string, max int) []string {
	qLen := 0
	for i := 0; i < len(s); i++ {
		qLen += qCost(s[i])
	}
	useB := base64.StdEncoding.EncodedLen(len(s)) < qLen
	const prefixB, prefixQ, suffix = "=?utf-8?b?", "=?utf-8?q?", "?="
	room := max - len(prefixQ) - len(suffix)
	var words []string
	flush := func(chunk string) {
		if useB {
			words = append(words, prefixB+base64.StdEncoding.EncodeToString([]byte(chunk))+suffix)
			return
		}
		var b strings.Builder
		b.WriteString(prefixQ)
		for i := 0; i < len(chunk); i++ {
			switch c := chunk[i]; {
			case c == ' ':
				b.WriteByte('_')
			case qCost(c) == 1:
				b.WriteByte(c)
			default:
				fmt.Fprintf(&b, "=%02X", c)
			}
		}
		b.WriteString(suffix)
		words = append(words, b.String())
	}
	start, n := 0, 0 // s[start:i] is the next word; n its length in Q
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		cost := 0
		for j := i; j < i+size; j++ {
			cost += qCost(s[j])
		}
		fits := n+cost <= room
		if useB {
			fits = base64.StdEncoding.EncodedLen(i+size-start) <= room
		}
		if !fits && i > start {
			flush(s[start:i])
			start, n = i, 0
		}
		n += cost
		i += size
	}
	if start < len(s) {
		flush(s[start:])
	}
	return words
}

// qCost is how many characters byte c takes in a Q encoded word: 1 for the
// characters RFC 2047 section 5 (3) allows anywhere, and for the space
// written as "_"; 3 for "=XX".
func qCost(c byte) int {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == ' ':
		return 1
	case strings.IndexByte("!*+-/", c) >= 0:
		return 1
	}
	return 3
}

// writableID returns a message id as it can be written in <…>, or "" when
// it cannot: empty, longer than maxMsgID, or holding anything but
// printable ASCII other than '<' and '>'.
func writableID(id string) string {
	if id == "" || len(id) > maxMsgID {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return ""
		}
	}
	return id
}
