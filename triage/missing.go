package triage

import (
	"strings"
	"unicode/utf8"
)

// Things a letter may lack, as the support page asks for them: the
// templates name each one to the citizen.
const (
	MissingAccountNumber = "account_number"
	MissingDescription   = "description"
	MissingScreenshot    = "screenshot"
)

// minDescription is the fewest characters a description of the problem
// must have to be one.
const minDescription = 20

// Missing lists what the support page asks for and a ticket lacks: the
// account number, a description of the problem, and, for a technical
// error, a screenshot (screenshots counts the files accepted). It is the
// one rule for the acknowledgement and for an operator's request for
// details.
func Missing(f Fields, description string, screenshots int) []string {
	var m []string
	if f.AccountNumber == "" {
		m = append(m, MissingAccountNumber)
	}
	if utf8.RuneCountInString(strings.TrimSpace(description)) < minDescription {
		m = append(m, MissingDescription)
	}
	if f.Category == CategoryTechnicalError && screenshots == 0 {
		m = append(m, MissingScreenshot)
	}
	return m
}
