package mailparse

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers every charset golang.org/x/text knows
)

// decodeCharset converts b from the named charset to UTF-8. An empty, ASCII
// or unknown charset, and UTF-8 that is not valid, fall back to guessing
// (see sniff); ok is false when the declared charset was not used.
func decodeCharset(name string, b []byte, hint string) (s string, ok bool) {
	name = normCharset(name)
	switch name {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unicode-1-1-utf-8":
		if utf8.Valid(b) {
			return string(b), true
		}
		// QUIRK: 8-bit text declared as ASCII or UTF-8, or not declared
		// at all, is common from Outlook and old webmail in Russia.
		return decodeGuess(b, hint), name == ""
	}
	if isASCII(b) && !statefulASCII(name) {
		return string(b), true
	}
	// QUIRK: web forms and PHP scripts label UTF-8 text windows-1251,
	// KOI8-R or Latin-1. Text in those charsets is practically never valid
	// UTF-8: its letters are UTF-8 lead bytes without continuation bytes.
	if singleByte(name) && utf8.Valid(b) {
		return string(b), false
	}
	if name == "iso-8859-1" || name == "windows-1252" || name == "latin1" {
		// QUIRK: Outlook Express and old Bat! versions label cp1251
		// text as Latin-1. Trust the label unless the bytes read as
		// Russian words.
		if g := sniff(b, ""); g != "windows-1252" {
			return decodeGuess(b, g), false
		}
	}
	// The charsets of most Russian mail, without a transform.Reader.
	switch name {
	case "windows-1251":
		return decodeTable(b, &cp1251), true
	case "koi8-r":
		return decodeTable(b, &koi8r), true
	case "koi8-u":
		return decodeTable(b, &koi8u), true
	case "windows-1252":
		return decodeTable(b, &cp1252), true
	}
	r, err := message.CharsetReader(name, bytes.NewReader(b))
	if err != nil || r == nil {
		return decodeGuess(b, hint), false
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return decodeGuess(b, hint), false
	}
	return string(out), true
}

// decodeGuess converts 8-bit text of unknown charset to UTF-8.
func decodeGuess(b []byte, hint string) string {
	switch sniff(b, hint) {
	case "utf-8":
		return strings.ToValidUTF8(string(b), "\uFFFD")
	case "windows-1251":
		return decodeTable(b, &cp1251)
	case "koi8-u":
		return decodeTable(b, &koi8u)
	default:
		return decodeTable(b, &cp1252)
	}
}

// normCharset lower-cases a charset label and strips the quotes, white space
// and RFC 2231 language suffix found around it in the wild.
func normCharset(name string) string {
	name = strings.Trim(name, " \t\"'")
	if i := strings.IndexByte(name, '*'); i >= 0 {
		name = name[:i]
	}
	name = strings.ToLower(name)
	switch name {
	// QUIRK: labels seen from Russian mailers that x/text does not know.
	case "cp-1251", "win-1251", "win1251", "windows1251", "x-cp1251", "cp1251":
		return "windows-1251"
	case "koi8r", "koi-8-r", "koi8":
		return "koi8-r"
	}
	return name
}

// isASCII reports whether b is 7-bit.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// statefulASCII reports whether a charset encodes text in 7-bit bytes that
// still need decoding (ISO-2022, UTF-7, HZ) or is not ASCII-compatible at all.
func statefulASCII(name string) bool {
	for _, p := range []string{"2022", "utf-7", "utf-16", "utf-32", "ucs-2", "hz"} {
		if strings.Contains(name, p) {
			return true
		}
	}
	return false
}

// singleByte reports whether a charset is one of the single-byte charsets
// of Russian and Western mail.
func singleByte(name string) bool {
	switch name {
	case "windows-1251", "koi8-r", "koi8-u", "iso-8859-5", "ibm866", "cp866", "x-mac-cyrillic",
		"iso-8859-1", "iso-8859-15", "windows-1252", "latin1":
		return true
	}
	return false
}

// isCyrillic reports whether a charset is a single-byte Russian one, the
// only kind that helps sniff decide.
func isCyrillic(name string) bool {
	switch name {
	case "windows-1251", "koi8-r", "koi8-u":
		return true
	}
	return false
}
