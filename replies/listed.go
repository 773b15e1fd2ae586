package replies

import (
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// Listed is t as a list of tickets shows it: "ticketd tickets", the
// console's queue and the API's list. The personal data in its subject,
// the citizen's name and the reason it was not answered are masked
// (redact.Text), and the citizen's address keeps only its domain and
// first character (redact.Address): a list is glanced at by whoever
// passes the screen, and a SNILS or a phone is not needed to pick a
// ticket. The ticket itself ("ticketd show", the ticket page, the API's
// ticket, exports) shows them in full to the operators and auditors who
// open it, and opening it is what gets recorded.
func Listed(t store.Ticket) store.Ticket {
	t.Subject = redact.Text(t.Subject)
	t.CitizenName = redact.Text(t.CitizenName)
	t.CitizenAddress = redact.Address(t.CitizenAddress)
	t.AnswerProblem = redact.Text(t.AnswerProblem)
	t.Description = redact.Text(t.Description) // lists do not read it; should one, it is masked too
	return t
}
