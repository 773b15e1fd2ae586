package templates

import (
	"strings"
	"time"
)

// Data is what every template can refer to: the ticket, the letter being
// answered, and the values an operator supplied.
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
