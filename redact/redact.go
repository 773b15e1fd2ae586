package redact

import (
	"strings"
	"unicode/utf8"

	"github.com/ticketd/ticketd/triage"
)

// masked is what a hidden character becomes.
const masked = '•'

// Text returns s with its personal data masked: each SNILS, INN, passport
// number and phone with its digits replaced by •, and each e-mail address
// as Address gives it. Everything else is left as it is.
func Text(s string) string {
	if !possible(s) {
		return s // most subjects, names and errors are done here
	}
	found := triage.FindPersonalData(s)
	if len(found) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*len(found))
	last := 0
	for _, f := range found {
		b.WriteString(s[last:f.Start])
		part := s[f.Start:f.End]
		if f.Kind == triage.PersonalEmail {
			b.WriteString(Address(part))
		} else {
			maskDigits(&b, part)
		}
		last = f.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// possible reports whether s may hold personal data at all: an address has
// an @, and every number triage checks has ten digits or more (a passport's
// series and number, an INN of an organisation; a SNILS and a phone have
// eleven).
func possible(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@':
			return true
		case c >= '0' && c <= '9':
			digits++
		}
	}
	return digits >= 10
}

// maskDigits writes s to b with each ASCII digit replaced by masked.
func maskDigits(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b.WriteRune(masked)
		} else {
			b.WriteByte(c)
		}
	}
}

// Address masks the e-mail address a, keeping its domain and the first
// character of its local part: "ivan.petrov@example.ru" becomes
// "i…@example.ru". The domain says which provider or organisation wrote,
// which is worth knowing in a list or an error; the mailbox is the person's.
// A string without an @ keeps only its first character.
func Address(a string) string {
	if a == "" {
		return ""
	}
	local, domain := a, ""
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		local, domain = a[:at], a[at:]
	}
	_, n := utf8.DecodeRuneInString(local)
	return local[:n] + "…" + domain
}
