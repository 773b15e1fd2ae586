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
}

// Compose builds the letter for d with a new Message-ID on the sender's
// domain, ready for the outbox. Header values are cleaned of line breaks and
// control characters, so nothing a citizen wrote can add a header.
func Compose(d Draft, now time.Time) (store.Outgoing, error) {
	if d.To.Address == "" {
		return store.Outgoing{}, fmt.Errorf("replies: compose %s: no recipient", d.Template)
	}
	id := newMessageID(d.From.Address)
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(bodyEncoding(d.Text+d.HTML)))
	if err := m.FromFormat(headerValue(d.From.Name), d.From.Address); err != nil {
		return store.Outgoing{}, fmt.Errorf("replies: compose %s: from %q: %w", d.Template, d.From.Address, err)
	}
	if err := m.AddToFormat(headerValue(d.To.Name), d.To.Address); err != nil {
		return store.Outgoing{}, fmt.Errorf("replies: compose %s: to %q: %w", d.Template, d.To.Address, err)
	}
	if err := m.ReplyTo(d.From.Address); err != nil {
		return store.Outgoing{}, fmt.Errorf("replies: compose %s: reply-to: %w", d.Template, err)
	}
	m.Subject(headerValue(d.Subject))
	m.SetMessageIDWithValue(id)
	m.SetDateWithValue(now)
	if d.InReplyTo != "" {
		m.SetGenHeader("In-Reply-To", "<"+headerValue(d.InReplyTo)+">")
	}
	if refs := references(d.References, d.InReplyTo); refs != "" {
		m.SetGenHeader("References", refs)
	}
	if d.Auto {
		m.SetGenHeader("Auto-Submitted", "auto-replied")
		// Exchange and Outlook send no out-of-office answer to this.
		m.SetGenHeader("X-Auto-Response-Suppress", "All")
	}
	m.SetGenHeader("X-Ticketd-Template", headerValue(d.Template))
	m.SetUserAgent("ticketd")
	m.SetBodyString(gomail.TypeTextPlain, d.Text)
	if d.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, d.HTML)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return store.Outgoing{}, fmt.Errorf("replies: compose %s: %w", d.Template, err)
	}
	return store.Outgoing{
		MessageID:    id,
		FromAddress:  d.From.Address,
		ToAddress:    d.To.Address,
		Subject:      headerValue(d.Subject),
		Template:     d.Template,
		Operator:     d.Operator,
		EnvelopeFrom: d.From.Address,
		EnvelopeTo:   d.To.Address,
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
// References followed by the parent's Message-ID, capped to stay a sane size.
func references(refs []string, parent string) string {
	var ids []string
	for _, r := range refs {
		if r = headerValue(r); r != "" && !strings.ContainsAny(r, "<> ") {
			ids = append(ids, "<"+r+">")
		}
	}
	if parent = headerValue(parent); parent != "" && !strings.ContainsAny(parent, "<> ") {
		ids = append(ids, "<"+parent+">")
	}
	const keep = 20
	if len(ids) > keep {
		ids = append(ids[:1], ids[len(ids)-keep+1:]...)
	}
	return strings.Join(ids, " ")
}

// headerValue removes line breaks and other control characters, which would
// let a citizen's subject or name inject headers, and trims the result.
func headerValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
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
