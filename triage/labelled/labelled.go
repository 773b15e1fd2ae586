// Package labelled holds the letters ticketd's triage is trained and measured
// on: letters written the way citizens write, each with the fields a person
// expects triage to find. The built-in set (letters/) is embedded in the
// binary, so that "ticketd triage learn" can retrain the priority model
// anywhere; the blind set (testdata/blind/) is not, because nothing may ever
// be trained or tuned on it.
//
// Two layouts are read. The first letters are a pair of files each:
// NNN-name.txt (the subject, a blank line, the citizen's own words) and
// NNN-name.json (every field of triage.Fields). Later letters come forty to
// a file, NN.letters, in a format a person can write by hand:
//
//	=== 1001
//	priority: high
//	reason: access_loss
//	category: technical_error
//	language: ru
//	format: text
//	account: 771245
//	application:
//	name: Смирнова Ольга
//	subject: Не могу войти
//	--
//	Здравствуйте! …
//
// format is text or html (an HTML-only letter). Such a letter is made into
// a message and read by package mailparse, as the daemon reads mail: the
// HTML turned to text, quoted history and signature split off.
package labelled

import (
	"embed"
	"io/fs"

	"github.com/ticketd/ticketd/triage"
)

// Letter is one labelled letter: what triage reads, and what a person
// expects it to find.
type Letter struct {
	Name    string // NNN-name, or the file and id: b1/01.letters#1001
	Subject string
	Text    string // the citizen's own words, as the daemon gives them to triage
	HTML    bool   // the letter came as HTML only
	Want    Want
}

// Want is what a person expects. A letter in the .letters format labels
// priority, reason, category, language, account, application and name;
// Full is set for the first letters, whose personal data is labelled too.
type Want struct {
	Priority          triage.Priority       `json:"priority"`
	PriorityReason    triage.Reason         `json:"priority_reason"`
	AccountNumber     string                `json:"account_number"`
	ApplicationNumber string                `json:"application_number"`
	Category          triage.Category       `json:"category"`
	PersonalData      []triage.PersonalData `json:"personal_data"`
	FullName          string                `json:"full_name"`
	Language          string                `json:"language"`
	Full              bool                  `json:"-"`
}

// Example is l as a training example.
func (l Letter) Example() triage.Example {
	return triage.Example{Name: l.Name, Subject: l.Subject, Text: l.Text, Priority: l.Want.Priority, Reason: l.Want.PriorityReason}
}

// Examples are the letters as training examples.
func Examples(ls []Letter) []triage.Example {
	es := make([]triage.Example, len(ls))
	for i, l := range ls {
		es[i] = l.Example()
	}
	return es
}

//go:embed letters
var builtin embed.FS

// Builtin returns the built-in set, in name order.
func Builtin() ([]Letter, error) {
	sub, err := fs.Sub(builtin, "letters")
	if err != nil {
		return nil, err
	}
	return Read(sub)
}
