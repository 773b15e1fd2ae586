package mailparse

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// decodeText decodes an unstructured header value (RFC 2047 section 5 (1)):
// raw 8-bit bytes by guessing their charset, then encoded words. Control
// characters become spaces and the result is trimmed. hint is a charset
// declared elsewhere in the message.
func decodeText(s, hint string) string {
	if !utf8.ValidString(s) {
		// QUIRK: Outlook, The Bat! and many web forms write Subject and
		// display names as raw cp1251 or KOI8-R bytes, against RFC 5322.
		s = decodeGuess([]byte(s), hint)
	}
	s = decodeWords(s, hint)
	return strings.TrimSpace(cleanControls(s))
}

// decodeWords decodes RFC 2047 encoded words anywhere in s, with the
// tolerance real mail needs:
//
//   - adjacent words in one charset are joined before conversion, so a
//     multi-byte character split between two words survives (Gmail, Apple);
//   - white space between encoded words is dropped (RFC 2047 section 6.2),
//     and words glued to text without white space are decoded anyway;
//   - an unknown charset is guessed from the bytes;
//   - base64 with missing padding or junk, Q with lower-case hex or stray
//     '=' are decoded as far as they go;
//   - a word that is not well formed is left as it was.
func decodeWords(s, hint string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	var (
		b        strings.Builder
		pending  []byte // bytes of adjacent words in one charset
		pendCS   string
		lastWord bool // the previous token was an encoded word
		pos      int  // what is before pos has been written or is pending
		term     = -1 // index of the next "?=" seen, so that each search scans new bytes only
	)
	flush := func() {
		if len(pending) > 0 {
			t, _ := decodeCharset(pendCS, pending, hint)
			b.WriteString(t)
			pending = pending[:0]
		}
	}
	for from := pos; ; {
		i := strings.Index(s[from:], "=?")
		if i < 0 {
			break
		}
		start := from + i
		cs, data, end, ok := parseWord(s, start, &term)
		if end < 0 {
			break // no word after start can end
		}
		if !ok {
			from = start + 2
			continue
		}
		gap := s[pos:start]
		if !lastWord || strings.Trim(gap, " \t\r\n") != "" {
			flush()
			b.WriteString(gap)
		}
		if cs != pendCS {
			flush()
		}
		pendCS = cs
		pending = append(pending, data...)
		pos, from = end, end
		lastWord = true
	}
	flush()
	b.WriteString(s[pos:])
	return b.String()
}

// parseWord parses "=?charset?enc?text?=" at s[start:] and returns the
// charset, the decoded bytes and the index just past the word. *term caches
// the index of the last "?=" found, so that a string of broken words is
// scanned once; end is -1 when no "?=" follows at all.
func parseWord(s string, start int, term *int) (charset string, data []byte, end int, ok bool) {
	rest := s[start+2:]
	q := strings.IndexByte(rest[:min(len(rest), 66)], '?')
	if q <= 0 || q > 64 || len(rest) < q+3 || rest[q+2] != '?' {
		return "", nil, 0, false
	}
	charset, enc := rest[:q], rest[q+1]
	textStart := start + 2 + q + 3
	if *term < textStart {
		t := strings.Index(s[textStart:], "?=")
		if t < 0 {
			return "", nil, -1, false
		}
		*term = textStart + t
	}
	// QUIRK: broken encoders put white space inside a word.
	text := s[textStart:*term]
	switch enc {
	case 'B', 'b':
		data = decodeBase64Word(text)
	case 'Q', 'q':
		data = decodeQWord(text)
	default:
		return "", nil, 0, false
	}
	return normCharset(charset), data, *term + 2, true
}

// decodeBase64Word decodes the text of a B word, skipping characters outside
// the alphabet and tolerating missing padding.
func decodeBase64Word(text string) []byte {
	clean := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		if c := text[i]; b64Value[c] != 0xff {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

// decodeQWord decodes the text of a Q word (RFC 2047 section 4.2).
func decodeQWord(text string) []byte {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// cleanControls replaces control characters (line breaks left inside encoded
// words, tabs, NUL, the C1 controls with NEL) and the Unicode line and
// paragraph separators with spaces: a decoded header value is one line.
func cleanControls(s string) string {
	if !strings.ContainsFunc(s, isLineControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isLineControl(r) {
			return ' '
		}
		return r
	}, s)
}

// isLineControl reports whether r is a control character (C0, DEL, C1,
// which holds NEL U+0085) or the line or paragraph separator U+2028, U+2029.
func isLineControl(r rune) bool {
	return r < 0x20 || 0x7f <= r && r <= 0x9f || r == 0x2028 || r == 0x2029
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
