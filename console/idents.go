package console

import (
	"strings"
	"unicode/utf8"
)

// identLength is the length, in characters, from which a word is taken
// for an identifier (a Message-ID, a hash) rather than a word of text.
const identLength = 20

// textPart is a piece of a text the page shows in a narrow column (an
// event's detail): words, or one identifier, which the page sets in
// monospace on a line of its own and cuts short with an ellipsis and the
// whole of it in a tooltip, rather than breaking it mid-word.
type textPart struct {
	Text  string
	Ident bool
}

// identParts splits s into words and identifiers: a word of identLength
// characters or more, or one with an @ in it (a Message-ID, an address).
// Joining the parts' texts gives s back.
func identParts(s string) []textPart {
	var parts []textPart
	add := func(text string, ident bool) {
		if n := len(parts); n > 0 && !ident && !parts[n-1].Ident {
			parts[n-1].Text += text
			return
		}
		parts = append(parts, textPart{Text: text, Ident: ident})
	}
	for s != "" {
		// A run of spaces, then a word up to the next space.
		n := len(s) - len(strings.TrimLeft(s, " "))
		if n > 0 {
			add(s[:n], false)
			s = s[n:]
			continue
		}
		word, _, _ := strings.Cut(s, " ")
		add(word, utf8.RuneCountInString(word) >= identLength || strings.Contains(word, "@"))
		s = s[len(word):]
	}
	return parts
}
