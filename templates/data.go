package templates

import "time"

// Ack is what the acknowledgement templates (ack, ack_priority, too_large)
// can refer to.
type Ack struct {
	Number      string    // ticket number, e.g. TKT-000123
	Subject     string    // the citizen's subject
	CitizenName string    // "" when unknown
	Received    time.Time // when the letter arrived
	Due         time.Time // answer deadline
	Hours       int       // promised answer time in hours
	Missing     []string  // what the letter lacks: "account_number", "description", "screenshot"
	Accepted    int       // screenshots accepted
	Rejected    []File    // files that could not be accepted
	Size        string    // too_large: the letter's size, e.g. "31,5 МБ"
	Limit       string    // too_large: the limit, e.g. "30 МБ"
}

// File is an attachment that was not accepted, with the reason in the
// letter's language.
type File struct {
	Name   string
	Reason string
}

// Lacks reports whether the letter lacks the named item; templates use it as
// {{if .Lacks "account_number"}}.
func (a Ack) Lacks(item string) bool {
	for _, m := range a.Missing {
		if m == item {
			return true
		}
	}
	return false
}
