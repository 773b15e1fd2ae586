package templates

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the values from a letter that Render shows; a longer value is
// cut on a character boundary and ends in "…".
const (
	MaxSubjectRunes  = 200 // the citizen's subject
	MaxNameRunes     = 64  // the citizen's name
	MaxNumberRunes   = 64  // account and application numbers
	MaxFileNameRunes = 100 // names of refused files
	maxReasonRunes   = 1000
)

// Data is what every template can refer to: the ticket, the letter being
// answered, and the values an operator supplied.
//
// Subject, CitizenName, AccountNumber, ApplicationNumber and the names of
// Rejected files came from a citizen's letter. Render shows them as plain
// data: on one line, without control characters, line separators or bidi
// controls, and cut to MaxSubjectRunes, MaxNameRunes, MaxNumberRunes and
// MaxFileNameRunes; the HTML alternative escapes them and never makes them
// links.
type Data struct {
	Number            string            // ticket number, e.g. TKT-000123
	Subject           string            // the citizen's subject
	CitizenName       string            // "" when unknown
	AccountNumber     string            // "" when unknown
	ApplicationNumber string            // "" when unknown
	Status            string            // ticket status: new, in_progress, waiting_for_citizen, answered, closed
	Received          time.Time         // when the letter being answered arrived
	Due               time.Time         // answer deadline
	Hours             int               // promised answer time in hours
	Missing           []string          // what the letter lacks: "account_number", "description", "screenshot"
	Accepted          int               // screenshots accepted
	Rejected          []File            // files that could not be accepted
	Size              string            // too_large: the letter's size, e.g. "31,5 МБ"
	Limit             string            // too_large: the limit, e.g. "30 МБ"
	Operator          string            // the operator answering; "" for automatic mail
	Vars              map[string]string // values given with "ticketd reply -set key=value"
}

// File is an attachment that was not accepted, with the reason in the
// letter's language.
type File struct {
	Name   string
	Reason string
}

// String is how a letter lists the file: the reason alone when it already
// names the file (as attachments.Verdict.Explain does), else "name: reason".
func (f File) String() string {
	switch {
	case f.Reason == "":
		return f.Name
	case f.Name != "" && strings.Contains(f.Reason, f.Name):
		return f.Reason
	}
	return f.Name + ": " + f.Reason
}

// Lacks reports whether the letter lacks the named item; templates use it as
// {{if .Lacks "account_number"}}.
func (d Data) Lacks(item string) bool {
	for _, m := range d.Missing {
		if m == item {
			return true
		}
	}
	return false
}

// Var returns the operator's value for a variable, spaces trimmed, "" when
// it was not given; templates use it as {{with .Var "comment"}}. ({{.Vars.x}}
// is an error when x was not given.)
func (d Data) Var(name string) string {
	return strings.TrimSpace(d.Vars[name])
}

// citizenValues lists the values the citizen wrote, which the HTML
// alternative must never make into links.
func (d *Data) citizenValues() []string {
	if d == nil {
		return nil
	}
	v := []string{d.Subject, d.CitizenName, d.AccountNumber, d.ApplicationNumber}
	for _, f := range d.Rejected {
		v = append(v, f.Name, f.Reason)
	}
	return v
}

// fromLetter returns a copy of d whose values from a letter are made plain
// one-line data of bounded length (see Data).
func (d *Data) fromLetter() *Data {
	c := *d
	c.Subject = OneLine(d.Subject, MaxSubjectRunes)
	c.CitizenName = OneLine(d.CitizenName, MaxNameRunes)
	c.AccountNumber = OneLine(d.AccountNumber, MaxNumberRunes)
	c.ApplicationNumber = OneLine(d.ApplicationNumber, MaxNumberRunes)
	if d.Rejected != nil {
		c.Rejected = make([]File, len(d.Rejected))
		for i, f := range d.Rejected {
			name, reason := OneLine(f.Name, MaxFileNameRunes), f.Reason
			if f.Name != "" && name != f.Name {
				// The reason names the file (attachments.Verdict.Explain).
				reason = strings.ReplaceAll(reason, f.Name, name)
			}
			c.Rejected[i] = File{Name: name, Reason: OneLine(reason, maxReasonRunes)}
		}
	}
	return &c
}

// OneLine makes s one line of at most n runes (any length when n is 0 or
// less): invalid UTF-8 becomes
// U+FFFD, control characters (C0, DEL, C1 with NEL U+0085) and the line and
// paragraph separators U+2028, U+2029 become spaces, so that a value cannot
// start a line of the letter, a paragraph or a list item of its HTML; the
// bidi embedding, override and isolate controls (U+202A–U+202E,
// U+2066–U+2069), which would turn the text after the value around, are
// removed; runs of white space become one space; a longer value is cut to
// n-1 runes and "…".
func OneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069:
			return -1
		case r < 0x20, 0x7f <= r && r <= 0x9f, r == 0x2028, r == 0x2029:
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Join(strings.Fields(s), " ")
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return strings.TrimRight(s[:i], " ") + "…"
}
