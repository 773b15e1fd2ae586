package replies

import (
	"fmt"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

// Template names of the automatic acknowledgements.
const (
	TemplateAck         = "ack"
	TemplateAckPriority = "ack_priority"
	TemplateTooLarge    = "too_large"
	TemplateAckFollowUp = "ack_followup"
)

// TemplateStatus is the template of an application's status. Operators
// send it; the daemon sends it by itself too, in place of the
// acknowledgement, when the register of applications says the letter's
// answer goes to the address registered for the application.
const TemplateStatus = "status"

// Received is the letter being acknowledged, as the acknowledgement needs it.
type Received struct {
	MessageID  string
	References []string
	// From is the sender as answered: the address the letter is answered
	// at (mailparse.Letter.Reply), which may be its Reply-To or an address
	// recovered from its From, not its From as written.
	From     mail.Address
	Subject  string
	At       time.Time
	Template string            // TemplateAck, TemplateAckPriority, TemplateAckFollowUp, TemplateTooLarge or TemplateStatus
	Vars     map[string]string // the template's variables (TemplateStatus: status, application)
	Missing  []string
	Accepted int
	Rejected []templates.File
	Size     int64 // too_large: the letter's size
	Limit    int64 // too_large: the size limit
}

// Acknowledger writes the automatic answer to a new ticket.
type Acknowledger struct {
	Templates *templates.Set
	From      mail.Address // the support mailbox
}

// Acknowledge renders and composes the acknowledgement of r for ticket t, in
// the ticket's language, to r.From. Its subject carries the ticket's tag
// once and no other ticket's (StripTags, Draft.Ticket). When r.From's
// address cannot be written (see Compose) the error matches
// ErrBadRecipient: the ticket stands, but that sender cannot be answered
// by mail.
//
// A template that operators send too (TemplateStatus) is checked with its
// variables as an operator's reply is (templates.Set.Check), and leaves
// the ticket in the status an operator's letter from it would
// (Outgoing.Status; see Operator.StatusAfter).
func (a *Acknowledger) Acknowledge(t store.Ticket, r Received) (*store.Outgoing, error) {
	var status store.Status
	if d, ok := a.Templates.Describe(r.Template); ok && !d.Automatic {
		if err := a.Templates.Check(r.Template, r.Vars); err != nil {
			return nil, err
		}
		var err error
		if status, err = statusAfter(a.Templates, r.Template); err != nil {
			return nil, err
		}
	}
	data := templates.Data{
		Number:            t.Number,
		Subject:           StripTags(t.Subject),
		CitizenName:       t.CitizenName,
		AccountNumber:     t.AccountNumber,
		ApplicationNumber: t.ApplicationNumber,
		Status:            string(t.Status),
		Received:          r.At,
		Due:               t.DueAt,
		Hours:             int(math.Round(t.DueAt.Sub(r.At).Hours())),
		Missing:           r.Missing,
		Accepted:          r.Accepted,
		Rejected:          r.Rejected,
		Size:              Megabytes(r.Size, t.Language),
		Limit:             Megabytes(r.Limit, t.Language),
		Vars:              r.Vars,
	}
	if strings.TrimFunc(data.Subject, invisible) == "" {
		data.Subject = map[bool]string{true: "(без темы)", false: "(no subject)"}[t.Language != "en"]
	}
	out, err := a.Templates.Render(r.Template, t.Language, data)
	if err != nil {
		return nil, err
	}
	o, err := Compose(Draft{
		From:       a.From,
		To:         r.From,
		Subject:    out.Subject,
		Text:       out.Text,
		InReplyTo:  r.MessageID,
		References: r.References,
		HTML:       out.HTML,
		Auto:       true,
		Template:   r.Template,
		Ticket:     t.Number,
	}, time.Now())
	if err != nil {
		return nil, err
	}
	o.Auto, o.Status = true, status
	return &o, nil
}

// invisible reports whether r shows nothing in a subject: white space,
// control characters and bidi controls, which templates.Render removes.
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// Megabytes formats a size for citizens: "31,5 МБ" in Russian, "31.5 MB" in
// English.
func Megabytes(n int64, lang string) string {
	mb := float64(n) / (1 << 20)
	s := strconv.FormatFloat(mb, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if lang == "en" {
		return fmt.Sprintf("%s MB", s)
	}
	return strings.Replace(s, ".", ",", 1) + " МБ"
}
