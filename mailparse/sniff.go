package mailparse

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Tables from the high half of the single-byte charsets Parse guesses
// between to runes.
var (
	cp1251 = highHalf(charmap.Windows1251)
	koi8r  = highHalf(charmap.KOI8R)
	koi8u  = highHalf(charmap.KOI8U)
	cp1252 = highHalf(charmap.Windows1252)
)

func highHalf(cm *charmap.Charmap) (t [128]rune) {
	for i := range t {
		t[i] = cm.DecodeByte(byte(0x80 + i))
	}
	return t
}

// decodeTable converts b with the high-half table t.
func decodeTable(b []byte, t *[128]rune) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	for _, c := range b {
		if c < utf8.RuneSelf {
			sb.WriteByte(c)
		} else {
			sb.WriteRune(t[c-0x80])
		}
	}
	return sb.String()
}

// ruFreq is the frequency of Russian lower-case letters, per mille, indexed
// from 'а'; ё is scored apart.
var ruFreq = [32]int{
	80, 16, 45, 17, 30, 85, 9, 16, 74, 12, 35, 44, 32, 67, 110, 28, // а–п
	47, 55, 63, 26, 3, 10, 5, 14, 7, 4, 1, 19, 17, 3, 6, 20, // р–я
}

// sniff guesses the charset of 8-bit text with no usable label: "utf-8",
// "windows-1251", "koi8-u" or "windows-1252". hint, a charset declared
// elsewhere in the message, breaks near ties.
//
// QUIRK: Outlook and The Bat! put raw cp1251 bytes in headers, old Unix
// mailers raw KOI8-R, and both forget the charset of bodies. Text that is
// valid UTF-8 is UTF-8. Otherwise Russian text is told from Western text by
// its runs of 8-bit letters, and cp1251 from KOI8 by how often the letters
// occur in Russian and by their case pattern: misread Russian shows upper
// case letters inside lower-case words. KOI8-U is read for KOI8-R: the two
// differ only in eight letters Russian does not use.
func sniff(b []byte, hint string) string {
	if utf8.Valid(b) {
		return "utf-8"
	}
	if mostlyUTF8(b) {
		return "utf-8"
	}
	// An 8-bit letter in Western text stands beside ASCII letters
	// ("Grüße"); in Russian text beside other 8-bit letters, spaces and
	// punctuation.
	var latin, cyr int
	for i, c := range b {
		if c < 0x80 {
			continue
		}
		if i > 0 && isASCIILetter(b[i-1]) || i+1 < len(b) && isASCIILetter(b[i+1]) {
			latin++
		} else {
			cyr++
		}
	}
	if latin > cyr {
		return "windows-1252"
	}
	w, k := cyrScore(b, &cp1251), cyrScore(b, &koi8u)
	switch normCharset(hint) {
	case "windows-1251":
		w += abs(w)/5 + 60
	case "koi8-r", "koi8-u":
		k += abs(k)/5 + 60
	}
	if k > w {
		return "koi8-u"
	}
	return "windows-1251"
}

// mostlyUTF8 reports whether b is UTF-8 with a few broken sequences, such as a
// multi-byte character cut by a truncated header.
func mostlyUTF8(b []byte) bool {
	var good, bad int
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			bad++
		case n > 1:
			good++
		}
		b = b[n:]
	}
	return good >= 4*bad && good > 0
}

// cyrScore scores b read with table t as Russian text.
func cyrScore(b []byte, t *[128]rune) int {
	score := 0
	lowerBefore := false // the previous byte decoded to a lower-case letter
	for _, c := range b {
		if c < 0x80 {
			lowerBefore = false
			continue
		}
		r := t[c-0x80]
		switch {
		case r >= 'а' && r <= 'я':
			score += ruFreq[r-'а']
			lowerBefore = true
		case r >= 'А' && r <= 'Я':
			score += ruFreq[r-'А']
			if lowerBefore {
				score -= 150
			}
		case r == 'ё' || r == 'Ё':
			score++
		case unicode.IsLetter(r):
			score -= 10 // Ukrainian and other letters: rare in Russian mail
		case r == utf8.RuneError || r == '\ufffd' || unicode.IsControl(r):
			score -= 80
		case r >= 0x2500 && r <= 0x25ff:
			score -= 40 // box drawing: KOI8's high half read as text
		}
	}
	return score
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
