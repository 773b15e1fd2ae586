// Package replies composes ticketd's answers and delivers them: Compose turns
// a rendered template into an RFC 5322 letter, Acknowledger writes the
// automatic acknowledgement of a new ticket, and Outbox sends what the store
// has queued over SMTP, retrying with backoff until the server accepts it.
package replies

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/ticketd/ticketd/store"
)

// Draft is an answer ready to be composed.
type Draft struct {
	From       mail.Address // the support mailbox
	To         mail.Address // the citizen
	Subject    string
	Text       string
	HTML       string   // HTML alternative of Text; "" sends plain text only
	InReplyTo  string   // Message-ID of the letter answered, without brackets
	References []string // earlier thread, without brackets
	Auto       bool     // sent without a person: Auto-Submitted: auto-replied (RFC 3834)
	Template   string
	Operator   string
	// Ticket is the number of the ticket answered (TKT-000123): the
	// subject keeps its tag once and loses the tags of other tickets
	// (OwnTagOnly). "" leaves the subject's tags as they are.
	Ticket string
	// Generated marks a letter no letter asked for, such as a notice to
	// the staff: Auto-Submitted: auto-generated (RFC 3834 section 5), so
	// that their out-of-office answers do not come back as tickets.
	Generated bool
}

// Compose builds the letter for d with a new Message-ID on the sender's
// domain, ready for the outbox.
//
// Whatever d holds, the letter is well formed: every line ends in CRLF and
// is at most 998 octets (header lines are folded to 78 where they can be),
// the header has exactly the fields Compose sets, and To holds exactly
// d.To's address. To get there Compose:
//   - writes display names and the subject on one line, without control
//     characters, line separators or bidi controls (see oneLine), so that
//     nothing a citizen wrote can add a header or a recipient;
//   - cuts display names to MaxNameRunes and the subject to
//     MaxSubjectRunes, and writes a name that holds an '@' or "=?", or that
//     net/mail would not read back as it was, not at all: the letter goes
//     to the bare address;
//   - folds the subject itself, as encoded words where it is not plain
//     ASCII in short words (go-mail folds only at spaces);
//   - leaves out message ids that cannot be written (see writableID).
//
// An address that cannot be written (empty, malformed, longer than SMTP
// allows, or with a non-ASCII local part, which would need SMTPUTF8) is an
// error matching ErrBadRecipient for d.To; a Unicode domain is written as
// its A-labels. Retrying such a draft will not help.
func Compose(d Draft, now time.Time) (store.Outgoing, error) {
	to, err := writeMailbox(d.To)
	if err != nil {
		return store.Outgoing{}, &RecipientError{Template: d.Template, Address: d.To.Address, Reason: err.Error()}
	}
	from, err := writeMailbox(d.From)
	if err != nil {
		return store.Outgoing{}, fmt.Errorf("replies: compose %s: sender %q cannot be written: %w", d.Template, d.From.Address, err)
	}
	subject := d.Subject
	if d.Ticket != "" {
		subject = OwnTagOnly(subject, d.Ticket)
	}
	subject = oneLine(subject, MaxSubjectRunes)
	text, html := strings.ToValidUTF8(d.Text, "\uFFFD"), strings.ToValidUTF8(d.HTML, "\uFFFD")
	id := newMessageID(from.header.Address)
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(bodyEncoding(text+html)))
	m.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, from.header)
	m.SetAddrHeaderFromMailAddress(gomail.HeaderTo, to.header)
	m.SetAddrHeaderFromMailAddress(gomail.HeaderReplyTo, &mail.Address{Address: from.header.Address})
	m.SetGenHeaderPreformatted(gomail.HeaderSubject, unstructured(string(gomail.HeaderSubject), subject))
	m.SetMessageIDWithValue(id)
	m.SetDateWithValue(now)
	parent := writableID(d.InReplyTo)
	if parent != "" {
		m.SetGenHeader("In-Reply-To", "<"+parent+">")
	}
	if refs := references(d.References, parent); refs != "" {
		m.SetGenHeader("References", refs)
	}
	switch {
	case d.Auto:
		m.SetGenHeader("Auto-Submitted", "auto-replied")
		// Exchange and Outlook send no out-of-office answer to this.
		m.SetGenHeader("X-Auto-Response-Suppress", "All")
	case d.Generated:
		m.SetGenHeader("Auto-Submitted", "auto-generated")
		m.SetGenHeader("X-Auto-Response-Suppress", "All")
	}
	m.SetGenHeader("X-Ticketd-Template", oneLine(d.Template, 64))
	m.SetUserAgent("ticketd")
	m.SetBodyString(gomail.TypeTextPlain, text)
	if html != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, html)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return store.Outgoing{}, fmt.Errorf("replies: compose %s: %w", d.Template, err)
	}
	return store.Outgoing{
		MessageID:    id,
		FromAddress:  d.From.Address,
		ToAddress:    d.To.Address,
		Subject:      subject,
		Template:     d.Template,
		Operator:     d.Operator,
		EnvelopeFrom: from.path,
		EnvelopeTo:   to.path,
		Raw:          buf.Bytes(),
	}, nil
}

func newMessageID(from string) string {
	domain := "ticketd.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + domain
}

// references continues a thread per RFC 5322 section 3.6.4: the parent's
// References followed by the parent's Message-ID, capped to stay a sane
// size: the first id and the last 19, each at most maxMsgID long, folded
// between ids by go-mail.
func references(refs []string, parent string) string {
	var ids []string
	for _, r := range refs {
		if r = writableID(r); r != "" {
			ids = append(ids, "<"+r+">")
		}
	}
	if parent != "" {
		ids = append(ids, "<"+parent+">")
	}
	const keep = 20
	if len(ids) > keep {
		ids = append(ids[:1], ids[len(ids)-keep+1:]...)
	}
	return strings.Join(ids, " ")
}

// bodyEncoding picks the transfer encoding that makes text shorter on the
// wire: quoted-printable for mostly ASCII text, base64 when more than a
// fifth of its bytes are not ASCII. Quoted-printable writes each such byte
// as three characters, so a Russian letter, two bytes a letter, would grow
// threefold; base64 grows anything by a third.
func bodyEncoding(text string) gomail.Encoding {
	high := 0
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			high++
		}
	}
	if high*5 > len(text) {
		return gomail.EncodingB64
	}
	return gomail.EncodingQP
}
