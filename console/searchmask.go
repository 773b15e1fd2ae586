package console

import (
	"regexp"
	"strings"

	"github.com/ticketd/ticketd/redact"
)

// maskSearchTerms is what the record of a search (read.search) keeps of
// its terms, which are often personal data themselves:
//
//   - an e-mail address keeps its first character and its domain:
//     ivan.petrov@example.ru is i…@example.ru (ivan@ alone is i…@);
//   - a number of five digits or more (a phone, SNILS, INN, passport or
//     account number), written whole or in groups (+7 (912) 345-67-89,
//     112-233-445 95), keeps only its last two digits, its separators
//     and anything else around it: •••••••••89, +• (•••) •••-••-89;
//   - a ticket number (TKT-000123) is kept: it is ours, not the citizen's.
//
// Names and words are kept: nothing tells a surname from any other word.
//
// Addresses are masked as everywhere (redact.Address). Numbers are masked
// more widely than redact.Text masks them in letters: a search term has no
// label ("СНИЛС", "тел.") and is often a fragment, so every long number is
// taken for personal data rather than only those triage recognises.
func maskSearchTerms(q string) string {
	q = addressTerm.ReplaceAllStringFunc(q, redact.Address)
	return numberTerm.ReplaceAllStringFunc(q, func(n string) string {
		if n[0] == 't' || n[0] == 'T' { // a ticket number
			return n
		}
		digits := 0
		for i := 0; i < len(n); i++ {
			if '0' <= n[i] && n[i] <= '9' {
				digits++
			}
		}
		if digits < 5 {
			return n
		}
		var b strings.Builder
		seen := 0
		for i := 0; i < len(n); i++ {
			c := n[i]
			if '0' <= c && c <= '9' {
				seen++
				if seen <= digits-2 {
					b.WriteString("•")
					continue
				}
			}
			b.WriteByte(c)
		}
		return b.String()
	})
}

var (
	// addressTerm is an e-mail address, or the local part of one typed
	// with its @ and no domain.
	addressTerm = regexp.MustCompile(`[^\s<>"'(),;:@\[\]]+@[^\s<>"'(),;:@\[\]]*`)
	// numberTerm is a ticket number, or digits with at most two
	// separators (space, - . / ( )) between each two of them.
	numberTerm = regexp.MustCompile(`(?i:\btkt-[0-9]+)|[0-9](?:[ \-./()]{0,2}[0-9])*`)
)
