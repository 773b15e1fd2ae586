// Package terminal makes text that came from letters safe to print to an
// operator's terminal. A letter can carry escape sequences that clear the
// screen, set the window title, write the clipboard (OSC 52) or hide a
// link (OSC 8); BEL, backspace and carriage return that overwrite what
// was printed; C1 controls, which some terminals take as the 8-bit form of
// ESC [ (U+009B is CSI); and bidirectional controls that make text read in
// another order than it is stored. Printed raw, any of these acts on the
// terminal instead of being seen.
//
// Escape replaces each such character with a visible escape:
//
//   - a character is written \uXXXX, four lower-case hex digits of its code
//     point, as in Go and JSON: ESC is \u001b, CSI \u009b, the
//     right-to-left override \u202e;
//   - a byte that is not part of valid UTF-8 is written \xXX: a raw 0x9b
//     byte (a C1 control in a Latin-1 terminal) is \x9b.
//
// The characters escaped are the C0 controls U+0000–U+001F except tab and
// line feed, DEL U+007F, the C1 controls U+0080–U+009F, every character of
// Unicode's Bidi_Control property (U+061C, U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069: the overrides, embeddings and isolates, and the implicit
// marks, which reorder neutral characters too and are invisible), and the
// line and paragraph separators U+2028 and U+2029. Everything else is
// printed as it is, including zero-width and other format characters that
// do not reorder text. EscapeLine escapes tab and line feed too, for a
// value that must stay on one line, such as a table cell.
//
// A backslash is not escaped, so the form cannot be undone: a letter that
// contains the six characters \u001b prints the same as one that contains
// ESC. It is for people to read, not for programs.
//
// Since only whole characters become \u escapes, a JSON document written
// through Escape stays valid JSON with the same values: encoding/json puts
// no control character outside strings but the line feeds of indentation,
// and inside a string \u009b means U+009B.
package terminal

import (
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every control character except tab and line feed,
// every bidirectional control, U+2028, U+2029 and every byte that is not
// valid UTF-8 replaced by a visible escape (see the package doc).
func Escape(s string) string { return escapeString(s, false) }

// EscapeLine is Escape that escapes tab and line feed too, so that the
// result stays on one line.
func EscapeLine(s string) string { return escapeString(s, true) }

func escapeString(s string, line bool) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if escaped(r, size, line) {
			out := append(make([]byte, 0, len(s)+16), s[:i]...)
			out, _ = appendEscaped(out, []byte(s[i:]), line, true)
			return string(out)
		}
		i += size
	}
	return s
}

// Clip returns s escaped as EscapeLine does, cut to at most n characters:
// when it is longer, as many of its characters as fit before a final "…",
// so that neither a character nor an escape is cut in half. n below 1 is
// taken as 1.
func Clip(s string, n int) string {
	n = max(n, 1)
	width, cut := 0, -1 // characters printed; where s is cut, -1 before it must be
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		w := 1
		if escaped(r, size, true) {
			w = escapeWidth(r, size)
		}
		if cut < 0 && width+w > n-1 {
			cut = i
		}
		width += w
		if width > n {
			return EscapeLine(s[:cut]) + "…"
		}
		i += size
	}
	return EscapeLine(s)
}

// escaped reports whether the character r, size bytes long in UTF-8 (a
// RuneError of size 1 is a byte that is not UTF-8), must be escaped. Tab
// and line feed are escaped only when line is true.
func escaped(r rune, size int, line bool) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r == '\t' || r == '\n':
		return line
	case r < 0x20, r >= 0x7f && r <= 0x9f, r == '\u2028', r == '\u2029':
		return true
	case r < 0x061c:
		return false
	}
	return unicode.Is(unicode.Bidi_Control, r)
}

// escapeWidth is the length of the escape of the character r, size bytes
// long.
func escapeWidth(r rune, size int) int {
	if r == utf8.RuneError && size == 1 {
		return len(`\x00`)
	}
	return len(`\u0000`)
}

// appendEscaped appends b to dst with the characters escaped that escaped
// says must be, and returns the result and the number of bytes of b dealt
// with: all of them, unless b ends in the middle of a character and final
// is false, when those last bytes are left for the caller.
func appendEscaped(dst, b []byte, line, final bool) ([]byte, int) {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf && !escaped(rune(c), 1, line) {
			dst = append(dst, c)
			i++
			continue
		}
		if !final && !utf8.FullRune(b[i:]) {
			break
		}
		r, size := utf8.DecodeRune(b[i:])
		if escaped(r, size, line) {
			dst = appendEscape(dst, c, r, size)
		} else {
			dst = append(dst, b[i:i+size]...)
		}
		i += size
	}
	return dst, i
}

const hex = "0123456789abcdef"

// appendEscape appends the escape of the character r, size bytes long,
// whose first byte is c: \xXX for a byte that is not UTF-8, \uXXXX
// otherwise.
func appendEscape(dst []byte, c byte, r rune, size int) []byte {
	if r == utf8.RuneError && size == 1 {
		return append(dst, '\\', 'x', hex[c>>4], hex[c&0xf])
	}
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}
